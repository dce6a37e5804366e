"""Reliability and cost KPIs (docs/reliability.md; SMRP: MTBF 3.5.1, MTTR 3.5.2, PM compliance 5.4.14,
planned work 5.3.1) of a scope over a period, the per-asset report, rankings and monthly trends.

All of them stand on `monthly.parts_by_asset`: the sums the KPIs are quotients of, per asset, from
pre-aggregated whole months and the raw edges (see `monthly`). A scope of several assets adds the
parts and divides once, so the tile of a site is exactly the roll-up of the rows of its report.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from plantwright.assets.models import Asset
from plantwright.maintenance.models import CostCategory
from plantwright.maintenance.selectors.costs import location_assets_sql
from plantwright.reliability.figures import PART_NAMES, SCALES, AssetParts, Kpis, Parts
from plantwright.reliability.monthly import parts_by_asset, parts_by_month
from plantwright.reliability.periods import HOUR, HOURS, MONEY, Period, Scope

__all__ = [
    "Kpis",
    "Parts",
    "Period",
    "Scope",
    "asset_report",
    "kpis",
    "monthly_trend",
    "pareto",
    "parts_by_asset",
]


def kpis(scope: Scope, period: Period) -> Kpis:
    return parts_by_asset(scope, period).total().kpis()


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ReportAsset:
    """What the report shows of an asset, read as a tuple: 10,000 model instances (and their
    locations') were half of a plant's report."""

    pk: int
    code: str
    name: str
    criticality: str
    site_id: int
    location: Place | None


@dataclass
class AssetRow:
    asset: ReportAsset
    table: AssetParts

    @cached_property
    def parts(self) -> Parts:
        return self.table.get(self.asset.pk, EMPTY)

    @cached_property
    def kpis(self) -> Kpis:
        return self.parts.kpis()


EMPTY = Parts()  # read only: an asset with nothing in the period shares it


class Report(Sequence):
    """The rows of the per-asset report, made when read: a page shows 50 of a plant's 10,000 assets,
    and the rest stay the tuples they were read as."""

    def __init__(self, assets: list[tuple], parts: AssetParts):
        self._assets, self._parts = assets, parts

    def __len__(self) -> int:
        return len(self._assets)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._row(asset) for asset in self._assets[index]]
        return self._row(self._assets[index])

    def _row(self, asset: tuple) -> AssetRow:
        pk, code, name, criticality, site_id, location_code, location_name = asset
        place = Place(location_code, location_name) if location_code is not None else None
        return AssetRow(ReportAsset(pk, code, name, criticality, site_id, place), self._parts)


def asset_report(scope: Scope, period: Period) -> tuple[Report, Kpis]:
    """Every asset of the scope with its KPIs (by code), and the scope's roll-up."""
    parts = parts_by_asset(scope, period)
    assets = (
        scope.assets()
        .order_by("code")
        .values_list("id", "code", "name", "criticality", "site_id", "location__code", "location__name")
    )
    return Report(list(assets), parts), parts.total().kpis()


# What the worst assets are ranked by: (name, unit, the parts summed (of one scale), the divisor of
# their sum).
MEASURES = {
    "downtime": (_("Failure downtime"), " h", ("downtime_seconds",), HOUR),
    "failures": (_("Failures"), "", ("failures",), Decimal(1)),
    "cost": (_("Maintenance cost"), "", tuple(CostCategory.values), Decimal(1)),
}


@dataclass
class ParetoRow:
    asset: Asset
    parts: Parts
    value: Decimal
    share: Decimal  # of the scope's total
    cumulative: Decimal  # share of this asset and every worse one


def pareto(parts: AssetParts, measure: str, *, limit: int) -> tuple[list[ParetoRow], Decimal]:
    """The `limit` worst assets by a measure (those above zero), with their cumulative share of the
    scope's total: ranked by the integers the parts are kept in, only those assets' parts and rows read."""
    _name, _unit, names, divisor = MEASURES[measure]
    (scale,) = {SCALES[PART_NAMES.index(name)] for name in names}

    def value(integer: int) -> Decimal:
        return Decimal(integer).scaleb(-scale) / divisor

    top, whole_integer = parts.worst(names, limit)
    whole = value(whole_integer)
    assets = Asset.objects.only("id", "code", "name").in_bulk([pk for pk, _v in top])
    result, running = [], Decimal(0)
    for pk, integer in sorted(top, key=lambda row: (-row[1], assets[row[0]].code)):
        running += value(integer)
        result.append(ParetoRow(assets[pk], parts[pk], value(integer), value(integer) / whole, running / whole))
    return result, whole


@dataclass
class Month:
    period: Period
    failures: int = 0
    downtime_hours: Decimal = Decimal(0)
    planned_hours: Decimal = Decimal(0)
    reactive_hours: Decimal = Decimal(0)
    completed: int = 0
    completed_planned: int = 0
    labor: Decimal = Decimal(0)
    parts: Decimal = Decimal(0)
    contractor: Decimal = Decimal(0)

    @property
    def cost(self) -> Decimal:
        return self.labor + self.parts + self.contractor

    @property
    def planned_hours_ratio(self) -> Decimal | None:
        hours = self.planned_hours + self.reactive_hours
        return (self.planned_hours / hours).quantize(Decimal("0.0001")) if hours else None


def monthly_trend(scope: Scope, period: Period) -> list[Month]:
    """The scope's figures month by month (site-local months, cut to the period): failures,
    failure downtime, planned and reactive hours, completed WOs, cost by kind."""
    return [
        Month(
            month,
            failures=parts.failures,
            downtime_hours=(parts.downtime_seconds / HOUR).quantize(HOURS),
            planned_hours=parts.planned_hours.quantize(HOURS),
            reactive_hours=(parts.hours - parts.planned_hours).quantize(HOURS),
            completed=parts.completed,
            completed_planned=parts.completed_planned,
            labor=parts.labor.quantize(MONEY),
            parts=parts.parts.quantize(MONEY),
            contractor=parts.contractor.quantize(MONEY),
        )
        for month, parts in parts_by_month(scope, period)
    ]


def site_scope(site, *, location=None, asset_class=None) -> Scope:
    """A site's assets, or those in a location (with its sub-locations and their components) and/or
    of an asset class."""
    if location is None and asset_class is None:
        return Scope((site.pk,))
    assets = Asset.objects.filter(site=site)
    if location is not None:
        assets = assets.filter(pk__in=location_assets_sql(location.pk))
    if asset_class is not None:
        assets = assets.filter(asset_class=asset_class)
    return Scope((site.pk,), tuple(assets.values_list("pk", flat=True)))
