"""python -m plantwright token create USER [--name NAME] | list USER | revoke TOKEN_ID"""

from django.core.management.base import BaseCommand, CommandError

from plantwright.accounts import selectors, services
from plantwright.accounts.models import User
from plantwright.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list and revoke API bearer tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; the secret is printed once.")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        listing = sub.add_parser("list", help="List a user's tokens (never their secrets).")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by id.")
        revoke.add_argument("token_id", type=int)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def handle(self, *args, action: str, **options):
        try:
            if action == "create":
                issued = services.create_token(self._user(options["username"]), options["name"])
                self.stdout.write(issued.secret)
            elif action == "list":
                for token in selectors.list_tokens(self._user(options["username"])):
                    state = "revoked" if token.revoked_at else "active"
                    self.stdout.write(
                        f"{token.pk}\t{token.prefix}…\t{token.name}\t{state}\t{token.created_at:%Y-%m-%d}"
                    )
            elif action == "revoke":
                token = services.revoke_token(User(is_superuser=True), options["token_id"])
                self.stdout.write(f"Revoked token {token.pk} ({token.name}).")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
