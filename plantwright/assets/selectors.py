"""Reads of locations and assets, shared by the pages and the API."""

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from plantwright.accounts.models import Site, User
from plantwright.accounts.selectors import list_sites, restrict_to_sites
from plantwright.assets.models import Asset, Location, Meter, MeterReading
from plantwright.core.errors import NotFound


def list_locations(user: User, *, site_id: int | None = None) -> QuerySet[Location]:
    locations = restrict_to_sites(Location.objects.select_related("site"), user)
    if site_id is not None:
        locations = locations.filter(site_id=site_id)
    return locations.order_by("site__code", "code")


def get_location(user: User, location_id: int) -> Location:
    location = list_locations(user).filter(pk=location_id).first()
    if location is None:
        raise NotFound(f"Location {location_id} does not exist.")
    return location


def list_assets(
    user: User,
    *,
    site_id: int | None = None,
    location_id: int | None = None,
    parent_id: int | None = None,
    criticality: str | None = None,
    q: str | None = None,
    oee_machine_id: str | None = None,
    asset_class: str | None = None,
) -> QuerySet[Asset]:
    assets = restrict_to_sites(Asset.objects.select_related("site", "location", "parent", "asset_class"), user)
    if asset_class:
        assets = assets.filter(asset_class__code=asset_class)
    if site_id is not None:
        assets = assets.filter(site_id=site_id)
    if location_id is not None:
        assets = assets.filter(location_id=location_id)
    if parent_id is not None:
        assets = assets.filter(parent_id=parent_id)
    if criticality:
        assets = assets.filter(criticality=criticality)
    if oee_machine_id:
        assets = assets.filter(oee_machine_id=oee_machine_id)
    if q:
        q = q.strip()
        assets = assets.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(oee_machine_id__iexact=q) | Q(erp_cost_center__iexact=q)
        )
    return assets.order_by("site__code", "code")


def get_asset(user: User, asset_id: int) -> Asset:
    asset = list_assets(user).filter(pk=asset_id).first()
    if asset is None:
        raise NotFound(f"Asset {asset_id} does not exist.", details={"asset": asset_id})
    return asset


@dataclass
class TreeNode:
    """A location or an asset in the site tree, with its children in display order."""

    kind: str  # "location" | "asset"
    record: Location | Asset
    children: list["TreeNode"] = field(default_factory=list)


def site_tree(site_id: int) -> list[TreeNode]:
    """Locations with their sub-locations and assets (assets nested under parent assets). Two queries."""
    locations = list(Location.objects.filter(site_id=site_id).order_by("code"))
    assets = list(Asset.objects.filter(site_id=site_id).order_by("code"))
    location_nodes = {loc.pk: TreeNode("location", loc) for loc in locations}
    asset_nodes = {asset.pk: TreeNode("asset", asset) for asset in assets}
    roots: list[TreeNode] = []
    for loc in locations:
        parent = location_nodes.get(loc.parent_id)
        (parent.children if parent else roots).append(location_nodes[loc.pk])
    for asset in assets:
        node = asset_nodes[asset.pk]
        if asset.parent_id in asset_nodes:
            asset_nodes[asset.parent_id].children.append(node)
        elif asset.location_id in location_nodes:
            location_nodes[asset.location_id].children.append(node)
        else:
            roots.append(node)
    return roots


def list_sites_with_counts(user: User) -> QuerySet[Site]:
    return list_sites(user).annotate(
        asset_count=Count("assets", distinct=True), location_count=Count("locations", distinct=True)
    )


def list_meters(asset: Asset) -> QuerySet[Meter]:
    """The asset's meters with their newest reading (two subqueries, not a query per meter)."""
    newest = MeterReading.objects.filter(meter=OuterRef("pk")).order_by("-read_at")
    return asset.meters.annotate(
        # The field's own type, so SQLite gives the value back as stored (4 decimals).
        last_value=Subquery(newest.values("value")[:1], output_field=MeterReading._meta.get_field("value")),
        last_read_at=Subquery(newest.values("read_at")[:1]),
    ).order_by("code")


def list_meter_readings(asset: Asset, *, meter_code: str | None = None) -> QuerySet[MeterReading]:
    readings = MeterReading.objects.filter(meter__asset=asset).select_related("meter").order_by("-read_at", "-id")
    return readings.filter(meter__code=meter_code) if meter_code else readings
