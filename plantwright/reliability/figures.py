"""The additive parts of each asset's KPIs over a period, a handful of grouped queries for any number
of assets, and the KPIs they give.

Every KPI of docs/reliability.md is a quotient of sums: failures, failure downtime, time in service,
hours, WO counts, PM occurrences, costs. The sources of the registry (`reliability/definitions/`)
compute those sums per asset in the database (one GROUP BY per source, whatever the number of
assets), and `Parts` adds them up and divides once. So the report of every asset, the tile of a site
and the roll-up of an asset tree come from the same numbers, and a ratio is never averaged.

`Parts` and `Kpis` are built from the registry: a part or a KPI declared there is an attribute here.
"""

from collections.abc import Iterable, Mapping
from dataclasses import field, make_dataclass
from datetime import timedelta
from decimal import Decimal
from heapq import nlargest

from django.db import connection
from django.db.models import DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import Coalesce, Greatest, Least

import plantwright.reliability.definitions  # noqa: F401  (fills the registry)
from plantwright.assets.models import Asset
from plantwright.reliability.periods import Period, Scope
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
    whatever the number of assets and buckets. Time in service is not among them (`time_in_service_ms`).

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


def time_in_service_ms(scope: Scope, period: Period) -> list[tuple[int, int]]:
    """(asset id, milliseconds of P between its commissioning and decommissioning, when set), read
    with a bare cursor: Django's per-row iteration was most of the time for a plant's assets."""
    sql, params = _time_in_service(scope.assets(), period).values_list("pk", "span").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, _milliseconds(span)) for pk, span in cursor.fetchall()]


# For each part of `Parts`, in order: the power of ten it is counted in as an integer (0: a count).
SCALES = tuple(part.scale or 0 for part in PARTS)
IN_SERVICE = PART_NAMES.index("in_service_seconds")


class AssetParts(Mapping):
    """Each asset's parts over a period (assets with nothing in it are left out), kept as integers
    in the unit of each part's scale (milliseconds, hundredths of hours, ten-thousandths of money,
    as the monthly rows store them) and made `Parts` only when an asset's are read.

    A plant's report shows 50 assets a page, its roll-up and rankings add and compare integers: the
    Decimals of 10,000 assets' parts were most of a report's time. Sums are exact, converted once."""

    __slots__ = ("_ints",)

    def __init__(self):
        self._ints: dict[int, list[int]] = {}

    def __getitem__(self, asset_id: int) -> "Parts":
        return parts_from_ints(self._ints[asset_id])

    def __iter__(self):
        return iter(self._ints)

    def __len__(self) -> int:
        return len(self._ints)

    def add_rows(self, rows: Iterable[tuple]) -> None:
        """Rows of (asset id, one integer per part in the order of `Parts`), for assets not yet here."""
        self._ints.update((row[0], list(row[1:])) for row in rows)

    def add_parts(self, asset_id: int, parts: "Parts") -> None:
        ints = self._row(asset_id)
        for n, (name, scale) in enumerate(zip(PART_NAMES, SCALES, strict=True)):
            value = getattr(parts, name)
            ints[n] += int(value.scaleb(scale).to_integral_value()) if scale else value

    def add_part(self, asset_id: int, n: int, value: int) -> None:
        self._row(asset_id)[n] += value

    def total(self) -> "Parts":
        """The parts added up over every asset."""
        if not self._ints:
            return Parts()
        return parts_from_ints([sum(column) for column in zip(*self._ints.values(), strict=True)])

    def worst(self, names: tuple[str, ...], limit: int) -> tuple[list[tuple[int, int]], int]:
        """The `limit` assets (id, value) with the largest sum of these parts (all of one scale), those
        above zero, by value down then id; and the sum over every asset."""
        slots = [PART_NAMES.index(name) for name in names]
        values = [(pk, sum(ints[n] for n in slots)) for pk, ints in self._ints.items()]
        top = nlargest(limit, (v for v in values if v[1] > 0), key=lambda v: (v[1], -v[0]))
        return top, sum(value for _pk, value in values)

    def _row(self, asset_id: int) -> list[int]:
        ints = self._ints.get(asset_id)
        if ints is None:
            ints = self._ints[asset_id] = [0] * len(PART_NAMES)
        return ints


def parts_from_ints(ints: list[int]) -> "Parts":
    """Parts from one integer per part, in the order of `Parts` and the unit of its scale."""
    return Parts(
        *[Decimal(value).scaleb(-scale) if scale else value for value, scale in zip(ints, SCALES, strict=True)]
    )


def _milliseconds(span: timedelta | float) -> int:
    if not isinstance(span, timedelta):  # SQLite's difference of two moments: microseconds
        return round(span / 1000)
    return (span.days * 86_400 + span.seconds) * 1000 + round(span.microseconds / 1000)


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
