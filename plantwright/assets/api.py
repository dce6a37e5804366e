from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from plantwright.accounts.selectors import list_sites
from plantwright.api_schemas import errors
from plantwright.api_types import PathId
from plantwright.assets import selectors, services
from plantwright.assets.schemas import AssetIn, AssetOut, AssetPatch, CriticalityName, LocationIn, LocationOut
from plantwright.errors import ValidationFailed

router = Router(tags=["assets"])


def _site_for_write(request: HttpRequest, site_id: int):
    site = list_sites(request.user).filter(pk=site_id).first()
    if site is None:
        raise ValidationFailed(f"Site {site_id} does not exist.", details={"field": "site"})
    return site


class LocationFilters(Schema):
    site: PathId | None = None


@router.get("/locations", response={200: list[LocationOut], **errors(422)})
@paginate(LimitOffsetPagination)
def list_locations(request: HttpRequest, filters: Query[LocationFilters]):
    return selectors.list_locations(request.user, site_id=filters.site)


@router.post("/locations", response={201: LocationOut, **errors(403, 409, 422)})
def create_location(request: HttpRequest, payload: LocationIn):
    location = services.create_location(
        request.user,
        site=_site_for_write(request, payload.site),
        code=payload.code,
        name=payload.name,
        parent_id=payload.parent,
    )
    return Status(201, location)


class AssetFilters(Schema):
    site: PathId | None = None
    location: PathId | None = None
    parent: PathId | None = None
    criticality: CriticalityName | None = None
    oee_machine_id: str | None = None
    q: str | None = None


@router.get("/assets", response={200: list[AssetOut], **errors(422)})
@paginate(LimitOffsetPagination)
def list_assets(request: HttpRequest, filters: Query[AssetFilters]):
    return selectors.list_assets(
        request.user,
        site_id=filters.site,
        location_id=filters.location,
        parent_id=filters.parent,
        criticality=filters.criticality,
        oee_machine_id=filters.oee_machine_id,
        q=filters.q,
    )


@router.post("/assets", response={201: AssetOut, **errors(403, 409, 422)})
def create_asset(request: HttpRequest, payload: AssetIn):
    asset = services.create_asset(
        request.user,
        site=_site_for_write(request, payload.site),
        code=payload.code,
        name=payload.name,
        description=payload.description,
        location_id=payload.location,
        parent_id=payload.parent,
        criticality=payload.criticality,
        commissioned_at=payload.commissioned_at,
        decommissioned_at=payload.decommissioned_at,
        external_ids=payload.external_ids,
    )
    return Status(201, asset)


@router.get("/assets/{asset_id}", response={200: AssetOut, **errors(404)})
def get_asset(request: HttpRequest, asset_id: PathId):
    return selectors.get_asset(request.user, asset_id)


@router.patch("/assets/{asset_id}", response={200: AssetOut, **errors(403, 404, 409, 422)})
def update_asset(request: HttpRequest, asset_id: PathId, payload: AssetPatch):
    asset = selectors.get_asset(request.user, asset_id)
    return services.update_asset(request.user, asset, payload.dict(exclude_unset=True))
