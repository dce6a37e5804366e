"""People who sign in with the company account (OpenID Connect or LDAP / Active Directory): their
Plantwright account is made at the first sign-in and their roles follow their directory groups.

Both sign-in doors end here, so the rules are one: a group maps to roles by `DirectoryRoleMapping`;
at every sign-in the roles the directory gave are made exactly what the groups map to now (a group
taken away in the directory takes the role away at the next sign-in); roles a person gave by hand
stay. Somebody whose groups map to nothing, and who holds no role given by hand, is not let in and
no account is made for them: the company directory holds everyone, Plantwright only the plant's
people (docs/sign-in.md).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plantwright.accounts.models import DirectoryRoleMapping, ExternalIdentity, Membership, MembershipSource, User


@dataclass(frozen=True)
class DirectoryPerson:
    """What an identity provider says of a person at sign-in."""

    provider: str  # "oidc <issuer>" or "ldap"
    subject: str  # stable at the provider: OIDC `sub`, the LDAP entry's DN
    username: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    groups: frozenset[str] = field(default_factory=frozenset)


class SignInRefused(Exception):
    """The directory knows the person, Plantwright does not let them in (`reason` says why)."""

    def __init__(self, reason: str):
        self.reason = reason  # "no_role" | "inactive"
        super().__init__(reason)


def refusal_message(reason: str) -> str:
    if reason == "inactive":
        return _("Your Plantwright account is switched off. Ask your site administrator.")
    return _(
        "Your company account has no role in Plantwright. Ask your site administrator to map one of your "
        "directory groups to a role."
    )


def normalise_groups(groups: Iterable) -> frozenset[str]:
    """Group names as mappings hold them: trimmed, lower case (directories compare them so). A claim
    that is not a list of strings counts as no groups rather than failing the sign-in."""
    if isinstance(groups, str):
        groups = [groups]
    try:
        return frozenset(g.strip().lower() for g in groups if isinstance(g, str) and g.strip())
    except TypeError:
        return frozenset()


def roles_for_groups(groups: frozenset[str]) -> set[tuple[int, str]]:
    if not groups:
        return set()
    return set(DirectoryRoleMapping.objects.filter(group__in=groups).values_list("site_id", "role"))


def sync_roles(user: User, groups: frozenset[str]) -> bool:
    """Give and take the directory's roles; True if the person holds any role afterwards."""
    wanted = roles_for_groups(groups)
    held = {(m.site_id, m.role): m for m in Membership.objects.select_for_update().filter(user=user)}
    gone = [m.pk for key, m in held.items() if m.source == MembershipSource.DIRECTORY and key not in wanted]
    if gone:
        Membership.objects.filter(pk__in=gone).delete()
    Membership.objects.bulk_create(
        [Membership(user=user, site_id=site_id, role=role, source=MembershipSource.DIRECTORY)
         for site_id, role in sorted(wanted - held.keys())]
    )  # fmt: skip
    return bool(wanted) or user.is_superuser or any(m.source == MembershipSource.MANUAL for m in held.values())


def _free_username(wanted: str) -> str:
    """The directory's user name, or with a number when a local account already has it: a sign-in
    never takes over an account that somebody else set up."""
    base = (wanted or "user")[:140]
    name, n = base, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def sign_in(person: DirectoryPerson) -> User:
    """The Plantwright account of a directory person, made or brought up to date, with its roles
    synchronised. Raises SignInRefused, after the roles taken away are committed: a person refused
    because their last group went away must not keep the roles for their open sessions and tokens."""
    user, allowed = _sign_in(person)
    if not allowed:
        raise SignInRefused("no_role")
    return user


@transaction.atomic
def _sign_in(person: DirectoryPerson) -> tuple[User, bool]:
    identity = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(provider=person.provider, subject=person.subject)
        .first()
    )
    if identity is None:
        if not roles_for_groups(person.groups):
            raise SignInRefused("no_role")
        user = User(username=_free_username(person.username))
        user.set_unusable_password()  # the directory checks who they are, never a local password
        _update(user, person)
        identity = ExternalIdentity(user=user, provider=person.provider, subject=person.subject)
    else:
        user = identity.user
        if not user.is_active:
            raise SignInRefused("inactive")
        _update(user, person)
    identity.groups = sorted(person.groups)
    identity.last_sign_in_at = timezone.now()
    identity.save()
    return user, sync_roles(user, person.groups)


def _update(user: User, person: DirectoryPerson) -> None:
    """Names and e-mail follow the directory (the directory is where they are kept)."""
    for name in ("email", "first_name", "last_name"):
        value = getattr(person, name)
        if value:
            setattr(user, name, value[:150])
    user.save()


def resync_group(group: str) -> None:
    """A mapping changed: the people in its group get or lose its role now, by the groups their last
    sign-in brought (not at their next sign-in, which may be days away)."""
    for identity in ExternalIdentity.objects.select_related("user").order_by("pk"):
        if group in identity.groups:
            sync_roles(identity.user, frozenset(identity.groups))
