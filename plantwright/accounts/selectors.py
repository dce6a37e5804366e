"""Reads about users, sites and what a user may do where."""

from django.db.models import Prefetch, QuerySet

from plantwright.accounts.models import ApiToken, DirectoryRoleMapping, Installation, Membership, Site, User
from plantwright.accounts.roles import Perm, permissions_for
from plantwright.core.errors import NotFound, PermissionDenied


def roles_by_site(user: User) -> dict[int, set[str]]:
    """Site id -> role names, cached on the user object for the request (one query)."""
    cached = getattr(user, "_pw_roles_by_site", None)
    if cached is None:
        cached = {}
        if user.is_authenticated:
            for site_id, role in Membership.objects.filter(user=user).values_list("site_id", "role"):
                cached.setdefault(site_id, set()).add(role)
        user._pw_roles_by_site = cached
    return cached


def has_perm(user: User, perm: Perm, site_id: int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in permissions_for(roles_by_site(user).get(site_id, set()))


def authorize(user: User, perm: Perm, site_id: int) -> None:
    if not has_perm(user, perm, site_id):
        raise PermissionDenied(
            f"You may not {perm.value.replace('_', ' ')} at this site.",
            details={"permission": perm.value, "site": site_id},
        )


def site_ids_with(user: User, perm: Perm = Perm.VIEW) -> set[int] | None:
    """Sites where the user has `perm`; None means every site (superuser)."""
    if user.is_superuser:
        return None
    return {site_id for site_id, roles in roles_by_site(user).items() if perm in permissions_for(roles)}


def restrict_to_sites(queryset: QuerySet, user: User, perm: Perm = Perm.VIEW, field: str = "site") -> QuerySet:
    """Filter any site-owned queryset down to what `user` may see."""
    allowed = site_ids_with(user, perm)
    if allowed is None:
        return queryset
    return queryset.filter(**{f"{field}__in": allowed})


def list_sites(user: User) -> QuerySet[Site]:
    return restrict_to_sites(Site.objects.all(), user, field="id")


def get_site(user: User, site_id: int) -> Site:
    """A site the user may see, by id in a path or query (404 `not_found` otherwise: no leak)."""
    site = list_sites(user).filter(pk=site_id).first()
    if site is None:
        raise NotFound(f"Site {site_id} does not exist.", details={"site": site_id})
    return site


def list_users_at_sites(site_ids: set[int] | None, roles: list[str] | None = None) -> QuerySet[User]:
    """Active users holding one of `roles` (any role if None) at those sites (every site if None)."""
    memberships = Membership.objects.all()
    if site_ids is not None:
        memberships = memberships.filter(site_id__in=site_ids)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by(
        "first_name", "last_name", "username"
    )


def list_people(actor: User, site_id: int | None = None, active: bool | None = None) -> QuerySet[User]:
    """The people holding a role at the sites where `actor` manages people (or at `site_id` among
    them), each with those memberships prefetched (`managed_memberships`): one query for the page."""
    sites = site_ids_with(actor, Perm.MANAGE_PEOPLE)
    memberships = Membership.objects.select_related("site").order_by("site__code", "role")
    if sites is not None:
        memberships = memberships.filter(site_id__in=sites)
    if site_id is not None:
        memberships = memberships.filter(site_id=site_id)
    if sites is None and site_id is None:
        people = User.objects.all()  # an installation administrator sees everyone, with a role or none
    else:
        people = User.objects.filter(pk__in=memberships.values("user_id"))
    if active is not None:
        people = people.filter(is_active=active)
    return people.prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="managed_memberships"))


def get_person(actor: User, user_id: int) -> User:
    """Someone with a role at a site where `actor` manages people (404 otherwise: no leak)."""
    person = list_people(actor).filter(pk=user_id).first()
    if person is None:
        raise NotFound(f"User {user_id} does not exist.", details={"user": user_id})
    return person


def list_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def site_by_code(code: str) -> Site | None:
    """The site a machine names by code: exactly, else regardless of case when that is unambiguous
    (an ERP configured with `IST` for the site `ist`)."""
    site = Site.objects.filter(code=code).first()
    if site is None:
        found = list(Site.objects.filter(code__iexact=code)[:2])
        site = found[0] if len(found) == 1 else None
    return site


def installation_id() -> str:
    """This installation's id (made by its migration; made here if a test flushed the table)."""
    row = Installation.objects.order_by("pk").first() or Installation.objects.create()
    return row.installation_id


def list_mappings(actor: User, site_id: int) -> QuerySet[DirectoryRoleMapping]:
    """The site's directory groups and the roles they give (Sites → Sign-in groups)."""
    authorize(actor, Perm.MANAGE_PEOPLE, site_id)
    return DirectoryRoleMapping.objects.filter(site_id=site_id).order_by("group", "role")


def get_mapping(actor: User, mapping_id: int) -> DirectoryRoleMapping:
    mapping = DirectoryRoleMapping.objects.select_related("site").filter(pk=mapping_id).first()
    if mapping is None or not has_perm(actor, Perm.VIEW, mapping.site_id):
        raise NotFound(f"No sign-in group mapping {mapping_id}.")
    authorize(actor, Perm.MANAGE_PEOPLE, mapping.site_id)
    return mapping
