"""`GET /api/v1/reliability/kpis`: the KPIs of an asset, a location or a site over [from, to)."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, create_model

from plantwright.accounts.selectors import list_sites
from plantwright.assets.models import Asset, AssetClass
from plantwright.assets.selectors import get_asset, list_locations
from plantwright.core.errors import NotFound, ValidationFailed
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import Day, PathId
from plantwright.maintenance.selectors import asset_tree_ids
from plantwright.reliability.kpis import Period, Scope, kpis, site_scope
from plantwright.reliability.registry import KPIS

router = Router(tags=["reliability"])


class KpiFilters(Schema):
    asset: PathId | None = None
    location: PathId | None = None
    site: PathId | None = None
    asset_class: str | None = Field(None, description="Only assets of this class (its code), in a site or location")
    from_: Day = Field(alias="from")
    to: Day
    rollup: bool = Field(True, description="An asset with its components (for an asset; locations and sites always)")


_TYPES = {"count": int, "hours": Decimal, "ratio": Decimal, "money": Decimal}


def _fields(kpis) -> dict:
    """The schema fields of registry KPIs: their type, nullable where they can have no value."""
    return {
        (kpi.key if kpi.group else kpi.name): (
            _TYPES[kpi.unit] | None if kpi.nullable else _TYPES[kpi.unit],
            Field(description=kpi.description or None),
        )
        for kpi in kpis
    }


CostOut = create_model("CostOut", __base__=Schema, **_fields(k for k in KPIS if k.group == "cost"))
KpisOut = create_model(
    "KpisOut",
    __base__=Schema,
    __doc__="A scope's KPIs over [start, end); every figure of the registry (docs/reliability.md).",
    scope=(str, ...),
    assets=(int, ...),
    start=(datetime, ...),
    end=(datetime, ...),
    **_fields(k for k in KPIS if k.group is None),
    cost=(CostOut, ...),
)


@router.get("/reliability/kpis", response={200: KpisOut, **errors(404, 422)})
def reliability_kpis(request: HttpRequest, filters: Query[KpiFilters]):
    """Exactly one of `asset`, `location`, `site`. The period is [from, to) in the site's calendar days
    (from local midnight to local midnight). Definitions: docs/reliability.md (SMRP 3.5.1, 3.5.2, 5.3.1,
    5.4.14); a roll-up adds the parts and divides once."""
    chosen = [name for name in ("asset", "location", "site") if getattr(filters, name) is not None]
    if len(chosen) != 1:
        raise ValidationFailed("Give exactly one of asset, location, site.", details={"fields": chosen})
    if filters.to <= filters.from_:
        raise ValidationFailed("`to` comes after `from`.", details={"field": "to"})
    asset_class = None
    if filters.asset_class is not None:
        if filters.asset is not None:
            raise ValidationFailed("asset_class filters a site or a location.", details={"field": "asset_class"})
        asset_class = AssetClass.objects.filter(code=filters.asset_class).first()
        if asset_class is None:
            raise NotFound(f"Asset class {filters.asset_class} does not exist.", details={"field": "asset_class"})
    if filters.asset is not None:
        asset = get_asset(request.user, filters.asset)
        ids = asset_tree_ids(asset.pk) if filters.rollup else [asset.pk]
        site, scope, label = asset.site, Scope((asset.site_id,), tuple(ids)), f"asset {asset.code}"
    elif filters.location is not None:
        location = list_locations(request.user).filter(pk=filters.location).first()
        if location is None:
            raise NotFound(f"Location {filters.location} does not exist.", details={"location": filters.location})
        site, scope = location.site, site_scope(location.site, location=location, asset_class=asset_class)
        label = f"location {location.code}"
    else:
        site = list_sites(request.user).filter(pk=filters.site).first()
        if site is None:
            raise NotFound(f"Site {filters.site} does not exist.", details={"site": filters.site})
        scope, label = site_scope(site, asset_class=asset_class), f"site {site.code}"
    period = Period.of(filters.from_, filters.to, site.timezone)
    result = kpis(scope, period)
    assets = len(scope.asset_ids) if scope.asset_ids is not None else Asset.objects.filter(site=site).count()
    return {
        **result.__dict__,
        "cost": result.cost,
        "scope": label,
        "assets": assets,
        "start": period.start,
        "end": period.end,
    }
