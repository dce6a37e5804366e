"""Writes to locations and assets."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.assets.models import Asset, AssetClass, Criticality, Location
from plantwright.core.errors import Conflict, NotFound, ValidationFailed

# Keys of `external_ids` that have their own indexed column.
COLUMN_EXTERNAL_IDS = ("oee_machine_id", "erp_cost_center")
MAX_EXTERNAL_IDS = 20


def _site_record(model, pk: int | None, site: Site, label: str):
    if pk is None:
        return None
    record = model.objects.filter(pk=pk, site=site).first()
    if record is None:
        raise ValidationFailed(f"{label} {pk} does not exist at site {site.code}.", details={"field": label.lower()})
    return record


def _asset_class(code: str | None) -> AssetClass | None:
    if code is None:
        return None
    asset_class = AssetClass.objects.filter(code=code).first()
    if asset_class is None:
        raise ValidationFailed(f"Asset class {code} does not exist.", details={"field": "asset_class"})
    return asset_class


def create_location(actor: User, *, site: Site, code: str, name: str, parent_id: int | None = None) -> Location:
    authorize(actor, Perm.MANAGE_LOCATIONS, site.pk)
    parent = _site_record(Location, parent_id, site, "Parent")
    if Location.objects.filter(site=site, code=code).exists():
        raise Conflict(f"Location code {code!r} is already used at {site.code}.", code="duplicate")
    return Location.objects.create(site=site, code=code, name=name, parent=parent)


def update_location(actor: User, location: Location, *, name: str, parent_id: int | None) -> Location:
    """Rename a location or move it in its site's tree (never under itself or one of its own)."""
    authorize(actor, Perm.MANAGE_LOCATIONS, location.site_id)
    parent = _site_record(Location, parent_id, location.site, "Parent")
    node = parent
    while node is not None:
        if node.pk == location.pk:
            raise ValidationFailed(f"{location.code} cannot lie within itself.", details={"field": "parent"})
        node = node.parent
    location.name, location.parent = name, parent
    location.save(update_fields=["name", "parent"])
    return location


def _split_external_ids(external_ids: dict[str, Any]) -> tuple[dict[str, str | None], dict[str, str]]:
    if len(external_ids) > MAX_EXTERNAL_IDS:
        raise ValidationFailed(f"At most {MAX_EXTERNAL_IDS} external ids.", details={"field": "external_ids"})
    columns: dict[str, str | None] = {}
    others: dict[str, str] = {}
    for key, value in external_ids.items():
        if key in COLUMN_EXTERNAL_IDS:
            columns[key] = value or None
        elif value:
            others[key] = value
    if "erp_cost_center" in columns:
        columns["erp_cost_center"] = columns["erp_cost_center"] or ""
    return columns, others


def _check_dates(commissioned_at: datetime | None, decommissioned_at: datetime | None) -> None:
    if commissioned_at and decommissioned_at and decommissioned_at < commissioned_at:
        raise ValidationFailed("decommissioned_at is before commissioned_at.", details={"field": "decommissioned_at"})


def _check_parent(asset: Asset, parent: Asset | None) -> None:
    # Walk up from the new parent: meeting the asset itself means the tree would get a cycle.
    seen = 0
    node = parent
    while node is not None:
        if asset.pk and node.pk == asset.pk:
            raise ValidationFailed("An asset cannot be its own ancestor.", details={"field": "parent"})
        seen += 1
        if seen > 50:
            raise ValidationFailed("The asset tree is deeper than 50 levels.", details={"field": "parent"})
        node = node.parent


def _save_unique(asset: Asset) -> Asset:
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError as exc:
        text = str(exc).lower()
        field = "oee_machine_id" if "oee" in text else "code"
        raise Conflict(
            f"Another asset already uses this {field.replace('_', ' ')}.", code="duplicate", details={"field": field}
        ) from None
    return asset


@transaction.atomic
def create_asset(
    actor: User,
    *,
    site: Site,
    code: str,
    name: str,
    location_id: int | None = None,
    parent_id: int | None = None,
    description: str = "",
    criticality: str = Criticality.MEDIUM,
    asset_class: str | None = None,
    commissioned_at: datetime | None = None,
    decommissioned_at: datetime | None = None,
    external_ids: dict[str, Any] | None = None,
) -> Asset:
    authorize(actor, Perm.MANAGE_ASSETS, site.pk)
    columns, others = _split_external_ids(external_ids or {})
    _check_dates(commissioned_at, decommissioned_at)
    asset = Asset(
        site=site,
        code=code,
        name=name,
        description=description,
        criticality=criticality,
        asset_class=_asset_class(asset_class),
        location=_site_record(Location, location_id, site, "Location"),
        parent=_site_record(Asset, parent_id, site, "Parent"),
        commissioned_at=commissioned_at,
        decommissioned_at=decommissioned_at,
        oee_machine_id=columns.get("oee_machine_id"),
        erp_cost_center=columns.get("erp_cost_center") or "",
        external_ids=others,
    )
    asset._history_user = actor
    return _save_unique(asset)


UPDATABLE_ASSET_FIELDS = {
    "code",
    "name",
    "description",
    "criticality",
    "asset_class",
    "location",
    "parent",
    "commissioned_at",
    "decommissioned_at",
    "external_ids",
}


@transaction.atomic
def update_asset(actor: User, asset: Asset, changes: dict[str, Any]) -> Asset:
    authorize(actor, Perm.MANAGE_ASSETS, asset.site_id)
    unknown = set(changes) - UPDATABLE_ASSET_FIELDS
    if unknown:
        raise ValidationFailed("These fields cannot be changed.", details={"fields": sorted(unknown)})
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    for field in ("code", "name", "description", "criticality", "commissioned_at", "decommissioned_at"):
        if field in changes:
            setattr(asset, field, changes[field])
    if "asset_class" in changes:
        asset.asset_class = _asset_class(changes["asset_class"])
    if "location" in changes:
        asset.location = _site_record(Location, changes["location"], asset.site, "Location")
    if "parent" in changes:
        parent = _site_record(Asset, changes["parent"], asset.site, "Parent")
        _check_parent(asset, parent)
        asset.parent = parent
    if "external_ids" in changes:
        columns, others = _split_external_ids(changes["external_ids"] or {})
        asset.oee_machine_id = columns.get("oee_machine_id", None)
        asset.erp_cost_center = columns.get("erp_cost_center", "") or ""
        asset.external_ids = others
    _check_dates(asset.commissioned_at, asset.decommissioned_at)
    if asset.description is None or asset.name is None or asset.code is None:
        raise ValidationFailed("code, name and description cannot be null.")
    asset._history_user = actor
    return _save_unique(asset)


def get_site(site_id: int) -> Site:
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise NotFound(f"Site {site_id} does not exist.")
    return site
