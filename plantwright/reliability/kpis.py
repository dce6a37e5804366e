"""Reliability and cost KPIs (docs/reliability.md; SMRP: MTBF 3.5.1, MTTR 3.5.2, PM compliance 5.4.14,
planned work 5.3.1) of a scope over a period, the per-asset report, rankings and monthly trends.

All of them stand on `monthly.parts_by_asset`: the sums the KPIs are quotients of, per asset, from
pre-aggregated whole months and the raw edges (see `monthly`). A scope of several assets adds the
parts and divides once, so the tile of a site is exactly the roll-up of the rows of its report.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from plantwright.assets.models import Asset
from plantwright.maintenance.selectors.costs import location_assets_sql
from plantwright.reliability.definitions.cost import total_cost
from plantwright.reliability.figures import Kpis, Parts, total
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
    "total",
]


def kpis(scope: Scope, period: Period) -> Kpis:
    return total(parts_by_asset(scope, period)).kpis()


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
    parts: Parts

    @cached_property
    def kpis(self) -> Kpis:
        return self.parts.kpis()


def asset_report(scope: Scope, period: Period) -> tuple[list[AssetRow], Kpis]:
    """Every asset of the scope with its KPIs (by code), and the scope's roll-up."""
    parts = parts_by_asset(scope, period)
    assets = (
        scope.assets()
        .order_by("code")
        .values_list("id", "code", "name", "criticality", "site_id", "location__code", "location__name")
    )
    empty = Parts()  # read only: an asset with nothing in the period shares it
    return [
        AssetRow(
            ReportAsset(pk, code, name, crit, site, Place(lc, ln) if lc is not None else None), parts.get(pk, empty)
        )
        for pk, code, name, crit, site, lc, ln in assets
    ], total(parts).kpis()


# What the worst assets are ranked by: (name, unit, the measure of an asset's parts).
MEASURES = {
    "downtime": (_("Failure downtime"), " h", lambda parts: parts.downtime_seconds / HOUR),
    "failures": (_("Failures"), "", lambda parts: Decimal(parts.failures)),
    "cost": (_("Maintenance cost"), "", total_cost),
}


@dataclass
class ParetoRow:
    asset: Asset
    parts: Parts
    value: Decimal
    share: Decimal  # of the scope's total
    cumulative: Decimal  # share of this asset and every worse one


def pareto(parts: dict[int, Parts], measure: str, *, limit: int) -> tuple[list[ParetoRow], Decimal]:
    """The `limit` worst assets by a measure (those above zero), with their cumulative share of the
    scope's total. Only those assets are read."""
    value = MEASURES[measure][2]
    values = {pk: value(p) for pk, p in parts.items()}
    whole = sum(values.values(), Decimal(0))
    top = sorted((pk for pk, v in values.items() if v > 0), key=lambda pk: (-values[pk], pk))[:limit]
    assets = Asset.objects.only("id", "code", "name").in_bulk(top)
    result, running = [], Decimal(0)
    for pk in sorted(top, key=lambda pk: (-values[pk], assets[pk].code)):
        running += values[pk]
        result.append(ParetoRow(assets[pk], parts[pk], values[pk], values[pk] / whole, running / whole))
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
