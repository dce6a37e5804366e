"""Writes about users, sites, memberships and API tokens."""

import secrets
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from plantwright.accounts import directory
from plantwright.accounts.models import ApiToken, DirectoryRoleMapping, Membership, Site, User
from plantwright.accounts.roles import Perm, Role
from plantwright.accounts.selectors import authorize, has_perm
from plantwright.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

TOKEN_PREFIX = "pw_"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


def create_token(user: User, name: str) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("A token needs a name of 1–100 characters.", details={"field": "name"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=ApiToken.digest_of(secret)
    )
    return IssuedToken(token=token, secret=secret)


def revoke_token(actor: User, token_id: int) -> ApiToken:
    try:
        token = ApiToken.objects.get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFound("No such token.") from None
    if token.user_id != actor.pk and not actor.is_superuser:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(secret: str) -> User | None:
    """The active user behind a bearer token, or None. Records last use at most once a minute."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def create_site(actor: User, *, code: str, name: str, timezone_name: str = "UTC", currency: str = "EUR") -> Site:
    if not actor.is_superuser:
        raise PermissionDenied("Only installation administrators create sites.")
    if timezone_name not in zoneinfo.available_timezones():
        raise ValidationFailed(f"Unknown time zone {timezone_name!r}.", details={"field": "timezone"})
    if Site.objects.filter(code=code).exists():
        raise Conflict(f"A site with code {code!r} already exists.", code="duplicate", details={"field": "code"})
    return Site.objects.create(code=code, name=name, timezone=timezone_name, currency=currency)


@transaction.atomic
def grant_role(user: User, site: Site, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", details={"allowed": Role.values})
    membership, _ = Membership.objects.get_or_create(user=user, site=site, role=role)
    return membership


def _language(language: str) -> str:
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationFailed(f"Unknown language {language!r}.", details={"field": "language"})
    return language


def set_language(user: User, language: str) -> User:
    """The UI's language for this user; "" follows the browser."""
    user.language = _language(language)
    user.save(update_fields=["language"])
    return user


# --- people: accounts and their roles, by a site's administrators (README §API) ----------


def _role(role: str) -> str:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", details={"field": "role", "allowed": Role.values})
    return role


def _password(user: User, password: str | None) -> None:
    """A password checked by the installation's rules; None: none at all (a machine account, or SSO)."""
    if password is None:
        user.set_unusable_password()
        return
    if not settings.LOCAL_PASSWORDS:
        raise ValidationFailed(code="local_passwords_off", details={"field": "password"})
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="weak_password", details={"field": "password"}) from None
    user.set_password(password)


def _may_change(actor: User, person: User) -> None:
    """A person's account is shared by every site they work at: only one who manages people at all of
    them (or an installation administrator) may change it."""
    if actor.is_superuser:
        return
    if person.is_superuser:
        raise PermissionDenied("Only installation administrators change an installation administrator.")
    for site_id in set(person.memberships.values_list("site_id", flat=True)):
        if not has_perm(actor, Perm.MANAGE_PEOPLE, site_id):
            raise PermissionDenied(
                f"{person.username} also works at a site where you do not manage people.",
                details={"permission": Perm.MANAGE_PEOPLE.value, "site": site_id},
            )


@transaction.atomic
def create_person(
    actor: User,
    *,
    username: str,
    roles: list[tuple[Site, str]],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    language: str = "",
    password: str | None = None,
) -> User:
    """A new account with its roles (at least one, at sites where `actor` manages people)."""
    if not roles:
        raise ValidationFailed("Give the person a role at a site.", details={"field": "roles"})
    for site, role in roles:
        authorize(actor, Perm.MANAGE_PEOPLE, site.pk)
        _role(role)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"The user name {username!r} is taken.", code="username_taken", details={"field": "username"})
    person = User(username=username, first_name=first_name, last_name=last_name, email=email,
                  language=_language(language))  # fmt: skip
    _password(person, password)
    person.save()
    Membership.objects.bulk_create(
        [Membership(user=person, site=site, role=role) for site, role in dict.fromkeys(roles)]
    )
    return person


@transaction.atomic
def change_person(actor: User, person: User, changes: dict) -> User:
    """Name, e-mail, language, password, or `is_active`: false signs them out everywhere (pages and
    API tokens) without losing who did what; true lets them in again."""
    _may_change(actor, person)
    unknown = set(changes) - {"first_name", "last_name", "email", "language", "password", "is_active"}
    if unknown:
        raise ValidationFailed(f"Unknown field {sorted(unknown)[0]!r}.", details={"field": sorted(unknown)[0]})
    if changes.get("is_active") is False and person.pk == actor.pk:
        raise Conflict("You cannot deactivate yourself.", code="deactivate_self")
    for field in ("first_name", "last_name", "email"):
        if field in changes:
            setattr(person, field, changes[field])
    if "language" in changes:
        person.language = _language(changes["language"])
    if "password" in changes:
        _password(person, changes["password"])
    if "is_active" in changes:
        person.is_active = changes["is_active"]
    person.save()
    return person


@transaction.atomic
def add_membership(actor: User, person: User, site: Site, role: str) -> Membership:
    authorize(actor, Perm.MANAGE_PEOPLE, site.pk)
    if person.is_superuser and not actor.is_superuser:
        raise PermissionDenied("Only installation administrators change an installation administrator.")
    membership, created = Membership.objects.get_or_create(user=person, site=site, role=_role(role))
    if not created:
        raise Conflict(
            f"{person.username} is already {role} at {site.code}.",
            code="membership_exists",
            details={"membership": membership.pk},
        )
    return membership


@transaction.atomic
def remove_membership(actor: User, membership: Membership) -> None:
    """A role taken away. The site's last administrator stays (someone must be able to give roles)."""
    authorize(actor, Perm.MANAGE_PEOPLE, membership.site_id)
    locked = Membership.objects.select_for_update().filter(site_id=membership.site_id, role=Role.ADMIN)
    if membership.role == Role.ADMIN and [m.pk for m in locked] == [membership.pk]:
        raise Conflict("A site keeps at least one administrator.", code="last_admin",
                       details={"site": membership.site_id})  # fmt: skip
    membership.delete()


# --- directory groups → roles, kept by a site's administrators (docs/sign-in.md) --------------------


def add_mapping(actor: User, site: Site, group: str, role: str) -> DirectoryRoleMapping:
    """Members of `group` hold `role` at `site`, from now on (those who signed in with it already, at once)."""
    authorize(actor, Perm.MANAGE_PEOPLE, site.pk)
    name = group.strip().lower()
    if not name:
        raise ValidationFailed("Name the directory group.", details={"field": "group"})
    with transaction.atomic():
        mapping, created = DirectoryRoleMapping.objects.get_or_create(group=name, site=site, role=_role(role))
        if not created:
            raise Conflict(f"{name} already gives {role} at {site.code}.", code="mapping_exists",
                           details={"mapping": mapping.pk})  # fmt: skip
        directory.resync_group(name)
    return mapping


@transaction.atomic
def remove_mapping(actor: User, mapping: DirectoryRoleMapping) -> None:
    authorize(actor, Perm.MANAGE_PEOPLE, mapping.site_id)
    mapping.delete()
    directory.resync_group(mapping.group)
