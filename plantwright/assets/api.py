from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from plantwright.accounts.selectors import list_sites
from plantwright.assets import imports, meters, selectors, services
from plantwright.assets.models import AssetClass
from plantwright.assets.schemas import (
    AssetClassOut,
    AssetImportOut,
    AssetIn,
    AssetOut,
    AssetPatch,
    CriticalityName,
    LocationIn,
    LocationOut,
    MeterIn,
    MeterOut,
    MeterReadingIn,
    MeterReadingOut,
)
from plantwright.core.errors import ValidationFailed
from plantwright.core.files.uploads import read_limited
from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors, upload
from plantwright.core.http.types import PathId

router = Router(tags=["assets"])


def _site_for_write(request: HttpRequest, site_id: int):
    site = list_sites(request.user).filter(pk=site_id).first()
    if site is None:
        raise ValidationFailed(f"Site {site_id} does not exist.", details={"field": "site"})
    return site


class LocationFilters(Schema):
    site: PathId | None = None


@router.get("/locations", response={200: list[LocationOut], **errors(422)})
@paginate(BoundedPagination)
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
    asset_class: str | None = None
    q: str | None = None


@router.get("/asset-classes", response={200: list[AssetClassOut], **errors()})
def list_asset_classes(request: HttpRequest):
    """The kinds of equipment reliability figures are compared across (kept by staff in the admin)."""
    return AssetClass.objects.all()


@router.get("/assets", response={200: list[AssetOut], **errors(422)})
@paginate(BoundedPagination)
def list_assets(request: HttpRequest, filters: Query[AssetFilters]):
    return selectors.list_assets(
        request.user,
        site_id=filters.site,
        location_id=filters.location,
        parent_id=filters.parent,
        criticality=filters.criticality,
        oee_machine_id=filters.oee_machine_id,
        asset_class=filters.asset_class,
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
        asset_class=payload.asset_class,
        commissioned_at=payload.commissioned_at,
        decommissioned_at=payload.decommissioned_at,
        external_ids=payload.external_ids,
    )
    return Status(201, asset)


class AssetImportQuery(Schema):
    site: PathId
    dry_run: bool = False


@router.post(
    "/asset-imports",
    response={200: AssetImportOut, **errors(403, 422)},
    openapi_extra=upload(),
)
def import_assets(request: HttpRequest, query: Query[AssetImportQuery], file: File[UploadedFile]):
    """The asset register from a CSV file (UTF-8, multipart/form-data field `file`; columns: docs/assets.md):
    a known code at the site updates that asset, a new one creates it; all rows or none. `dry_run=true`
    checks and reports without writing. A fault in the file itself answers 422 with `invalid_file`,
    `not_utf8`, `unknown_columns`, …; faults in rows answer 422 `import_invalid` with
    `details.problems` [{line, column, message}]."""
    site = _site_for_write(request, query.site)
    data = read_limited(file, imports.MAX_BYTES)
    return imports.import_assets(request.user, site, data, apply=not query.dry_run)


@router.get("/assets/{asset_id}", response={200: AssetOut, **errors(404)})
def get_asset(request: HttpRequest, asset_id: PathId):
    return selectors.get_asset(request.user, asset_id)


@router.patch("/assets/{asset_id}", response={200: AssetOut, **errors(403, 404, 409, 422)})
def update_asset(request: HttpRequest, asset_id: PathId, payload: AssetPatch):
    asset = selectors.get_asset(request.user, asset_id)
    return services.update_asset(request.user, asset, payload.dict(exclude_unset=True))


@router.get("/assets/{asset_id}/meters", response={200: list[MeterOut], **errors(404)})
def list_meters(request: HttpRequest, asset_id: PathId):
    return selectors.list_meters(selectors.get_asset(request.user, asset_id))


@router.post("/assets/{asset_id}/meters", response={201: MeterOut, **errors(403, 404, 409, 422)})
def create_meter(request: HttpRequest, asset_id: PathId, payload: MeterIn):
    asset = selectors.get_asset(request.user, asset_id)
    return Status(201, meters.create_meter(request.user, asset, **payload.dict()))


class ReadingFilters(Schema):
    meter: str | None = None


@router.get("/assets/{asset_id}/meter-readings", response={200: list[MeterReadingOut], **errors(404, 422)})
@paginate(BoundedPagination)
def list_meter_readings(request: HttpRequest, asset_id: PathId, filters: Query[ReadingFilters]):
    return selectors.list_meter_readings(selectors.get_asset(request.user, asset_id), meter_code=filters.meter)


@router.post(
    "/assets/{asset_id}/meter-readings",
    response={201: MeterReadingOut, 200: MeterReadingOut, **errors(403, 404, 409, 422)},
    description=(
        "Record one reading. The same reading again (meter, read_at and value) answers 200 with the "
        "stored one; a cumulative meter going backwards, a rise faster than the meter's highest rate or "
        "a time in the future answers 422 with the reason (`meter_went_backwards`, `impossible_jump`, "
        "`time_in_future`); another value at the same time answers 409 (`reading_conflict`)."
    ),
)
def record_meter_reading(request: HttpRequest, asset_id: PathId, payload: MeterReadingIn):
    asset = selectors.get_asset(request.user, asset_id)
    recorded = meters.record_meter_reading(
        request.user,
        asset,
        meter_code=payload.meter,
        value=payload.value,
        read_at=payload.read_at,
        source=f"api:{request.user.username}",
    )
    return Status(201 if recorded.created else 200, recorded.reading)
