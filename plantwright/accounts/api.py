from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from plantwright.accounts import selectors, services
from plantwright.accounts.schemas import MeOut, SiteIn, SiteOut
from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors

router = Router(tags=["sites"])


@router.get("/me", response={200: MeOut, **errors()}, tags=["accounts"])
def me(request: HttpRequest):
    user = request.user
    roles = [
        {"site": site, "role": role} for site, names in selectors.roles_by_site(user).items() for role in sorted(names)
    ]
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "is_superuser": user.is_superuser,
        "roles": roles,
    }


@router.get("/sites", response={200: list[SiteOut], **errors(422)})
@paginate(BoundedPagination)
def list_sites(request: HttpRequest):
    return selectors.list_sites(request.user)


@router.post("/sites", response={201: SiteOut, **errors(403, 409, 422)})
def create_site(request: HttpRequest, payload: SiteIn):
    site = services.create_site(
        request.user, code=payload.code, name=payload.name, timezone_name=payload.timezone, currency=payload.currency
    )
    return Status(201, site)
