"""People over HTTP: the accounts of a site's people and their roles there, for a site administrator's
setup script (`manage_people`). A person's account is one for every site they work at, so changing
or deactivating it takes the right at all of them; roles are given and taken per site."""

from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from plantwright.accounts import selectors, services
from plantwright.accounts.models import Membership
from plantwright.accounts.roles import Perm, Role
from plantwright.core.errors import NotFound, ValidationFailed
from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import Bool, Id, PathId, Text

router = Router(tags=["people"])

RoleName = Literal[tuple(Role.values)]  # type: ignore[valid-type]
Username = Text(150, pattern=r"^[\w.@+-]+$")
Email = Text(254, min_length=0, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")
Name = Text(150, min_length=0)
Language = Literal[tuple(["", *dict(settings.LANGUAGES)])]  # type: ignore[valid-type]
# A password is taken as typed (no stripping): the installation's validators judge it.
Password = str | None


class SiteRole(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    site: Id
    role: RoleName


class PersonIn(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    username: Username
    first_name: Name = ""
    last_name: Name = ""
    email: Email = ""
    language: Language = ""
    password: Password = Field(default=None, min_length=1, max_length=128,
                               description="None: no password (API tokens or single sign-on only)")  # fmt: skip
    roles: list[SiteRole] = Field(min_length=1, max_length=50)


class PersonPatch(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    language: Language | None = None
    password: Password = Field(default=None, min_length=1, max_length=128)
    is_active: Bool | None = Field(default=None, description="false: signed out of pages and API tokens")


class MembershipOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    site_code: str = Field(validation_alias="site.code")
    role: str


class PersonOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    language: str
    is_active: bool
    has_password: bool
    roles: list[MembershipOut] = Field(description="Roles at the sites where the caller manages people")

    @staticmethod
    def resolve_has_password(obj) -> bool:
        return obj.has_usable_password()

    @staticmethod
    def resolve_roles(obj) -> list:
        managed = getattr(obj, "managed_memberships", None)
        return managed if managed is not None else list(obj.memberships.select_related("site"))


class MembershipIn(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    user: Id
    site: Id
    role: RoleName


class GrantedOut(Schema):
    id: int
    user: int = Field(validation_alias="user_id")
    site: int = Field(validation_alias="site_id")
    role: str


def _managed_site(request: HttpRequest, site_id: int):
    site = selectors.list_sites(request.user).filter(pk=site_id).first()
    if site is None:
        raise ValidationFailed(f"Site {site_id} does not exist.", details={"field": "site"})
    return site


def _reread(request: HttpRequest, user_id: int):
    return selectors.get_person(request.user, user_id)


@router.get("/users", response={200: list[PersonOut], **errors(422)})
@paginate(BoundedPagination)
def list_people(request: HttpRequest, site: PathId | None = None, active: bool | None = None):
    """The people with a role at the sites where the caller manages people (site administrators)."""
    return selectors.list_people(request.user, site, active).order_by("username")


@router.post("/users", response={201: PersonOut, **errors(403, 409, 422)})
def create_person(request: HttpRequest, payload: PersonIn):
    """A new account with its roles. Without a password it signs in only with API tokens (an
    integration account) or single sign-on."""
    roles = [(_managed_site(request, entry.site), entry.role) for entry in payload.roles]
    person = services.create_person(
        request.user,
        username=payload.username,
        roles=roles,
        first_name=payload.first_name,
        last_name=payload.last_name,
        email=payload.email,
        language=payload.language,
        password=payload.password,
    )
    return Status(201, _reread(request, person.pk))


@router.get("/users/{user_id}", response={200: PersonOut, **errors(404)})
def get_person(request: HttpRequest, user_id: PathId):
    return selectors.get_person(request.user, user_id)


@router.patch("/users/{user_id}", response={200: PersonOut, **errors(403, 404, 409, 422)})
def change_person(request: HttpRequest, user_id: PathId, payload: PersonPatch):
    """Name, e-mail, language, a new password, or `is_active: false` to let someone go (their
    history stays theirs; their API tokens stop working)."""
    person = selectors.get_person(request.user, user_id)
    services.change_person(request.user, person, payload.dict(exclude_unset=True))
    return _reread(request, person.pk)


@router.post("/memberships", response={201: GrantedOut, **errors(403, 409, 422)})
def add_membership(request: HttpRequest, payload: MembershipIn):
    """Give a person a role at a site (someone seen at one of your sites, or known to you by id)."""
    site = _managed_site(request, payload.site)
    selectors.authorize(request.user, Perm.MANAGE_PEOPLE, site.pk)
    person = selectors.list_people(request.user).filter(pk=payload.user).first()
    if person is None:
        raise ValidationFailed(f"User {payload.user} does not exist.", details={"field": "user"})
    return Status(201, services.add_membership(request.user, person, site, payload.role))


@router.delete("/memberships/{membership_id}", response={204: None, **errors(403, 404, 409)})
def remove_membership(request: HttpRequest, membership_id: PathId):
    """Take a role away (the site's last administrator stays)."""
    allowed = selectors.site_ids_with(request.user, Perm.MANAGE_PEOPLE)
    found = Membership.objects.filter(pk=membership_id)
    membership = (found if allowed is None else found.filter(site_id__in=allowed)).first()
    if membership is None:
        raise NotFound(f"Membership {membership_id} does not exist.")
    services.remove_membership(request.user, membership)
    return Status(204, None)
