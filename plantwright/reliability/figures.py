"""The additive parts of each asset's KPIs over a period, a handful of grouped queries for any number
of assets, and the KPIs they give.

Every KPI of docs/reliability.md is a quotient of sums: failures, failure downtime, time in service,
hours, WO counts, PM occurrences, costs. The sources of the registry (`reliability/definitions/`)
compute those sums per asset in the database (one GROUP BY per source, whatever the number of
assets), and `Parts` adds them up and divides once. So the report of every asset, the tile of a site
and the roll-up of an asset tree come from the same numbers, and a ratio is never averaged.

`Parts` and `Kpis` are built from the registry: a part or a KPI declared there is an attribute here.
"""

from dataclasses import field, make_dataclass
from decimal import Decimal

from django.db.models import DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import Coalesce, Greatest, Least

import plantwright.reliability.definitions  # noqa: F401  (fills the registry)
from plantwright.assets.models import Asset
from plantwright.reliability.periods import Period, Scope, seconds
from plantwright.reliability.registry import KPIS, PARTS, SOURCES


class _Additive:
    """The arithmetic of parts (in place too: a report adds tens of thousands)."""

    def __add__(self, other):
        return Parts(*(getattr(self, name) + getattr(other, name) for name in PART_NAMES))

    def __neg__(self):
        return Parts(*(-getattr(self, name) for name in PART_NAMES))

    def absorb(self, other):
        """Add `other` into these parts."""
        for name in PART_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def kpis(self):
        return Kpis(*(kpi.formula(self) for kpi in KPIS))


class _Figures:
    """KPIs of a scope over a period, as `Parts.kpis` computes them from the registry's formulas."""

    @property
    def cost(self) -> dict[str, Decimal]:
        return {kpi.key: getattr(self, kpi.name) for kpi in KPIS if kpi.group == "cost"}


Parts = make_dataclass(
    "Parts",
    [(part.name, int if part.scale is None else Decimal, field(default=part.zero)) for part in PARTS],
    bases=(_Additive,),
)
Parts.__module__ = __name__
Parts.__doc__ = "The sums a scope's KPIs are quotients of (one asset's, or several added up)."
Kpis = make_dataclass("Kpis", [kpi.name for kpi in KPIS], bases=(_Figures,))
Kpis.__module__ = __name__
PART_NAMES = tuple(part.name for part in PARTS)


def raw_parts(scope: Scope, buckets: list[Period]) -> dict[tuple[int, int], "Parts"]:
    """Each asset's parts in each bucket (disjoint periods in order), straight from the history, keyed
    (asset id, bucket index): one grouped query or two per source (PM compliance: one per site),
    whatever the number of assets and buckets. Time in service is not among them (`time_in_service`).

    Each part is additive over time: a period's parts are the sum of its pieces', which is what lets
    `monthly` keep whole months pre-aggregated and add the raw edges."""
    result: dict[tuple[int, int], Parts] = {}
    if not buckets or not scope.site_ids:
        return result
    for source in SOURCES:
        for asset_id, n, values in source.rows(scope, buckets):
            if n is None:  # in the range of the buckets but in none of them (a gap)
                continue
            parts = result.get((asset_id, n))
            if parts is None:
                parts = result[asset_id, n] = Parts()
            for name, value in values.items():
                if value:
                    setattr(parts, name, getattr(parts, name) + value)
    return result


def time_in_service(scope: Scope, period: Period) -> dict[int, Decimal]:
    """Seconds of P between each asset's commissioning and decommissioning (when set)."""
    return {row["pk"]: seconds(row["span"]) for row in _time_in_service(scope.assets(), period)}


def total(parts: dict[int, "Parts"]) -> "Parts":
    """The parts added up: a sum per part over all of them (for a plant's 10,000 assets a third of
    the time of adding them one by one)."""
    values = list(parts.values())
    return Parts(*(sum((getattr(value, part.name) for value in values), part.zero) for part in PARTS))


def _time_in_service(assets: QuerySet[Asset], period: Period):
    return (
        assets.annotate(
            begins=Greatest(Coalesce("commissioned_at", period.start), period.start),
            ends=Least(Coalesce("decommissioned_at", period.end), period.end),
        )
        .filter(ends__gt=F("begins"))
        .annotate(span=ExpressionWrapper(F("ends") - F("begins"), output_field=DurationField()))
        .values("pk", "span")
        .order_by()
    )
