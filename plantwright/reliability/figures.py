"""The additive parts of each asset's KPIs over a period, a handful of grouped queries for any number
of assets.

Every KPI of docs/reliability.md is a quotient of sums: failures, failure downtime, time in service, hours,
WO counts, PM occurrences, costs. This module computes those sums per asset in the database (one
GROUP BY per source table, whatever the number of assets), and `Parts` adds them up and divides once.
So the report of every asset, the tile of a site and the roll-up of an asset tree come from the same
numbers, and a ratio is never averaged.

Failure downtime is the *union* of each asset's failure intervals clipped to P: with the intervals
in order of start, each adds what it reaches beyond the latest end before it,
Σ max(0, end_i − max(start_i, max_{j<i} end_j)), a window function in SQL. The same query splits the
downtime into buckets (the months of a trend) by clipping each interval to each bucket it touches.
"""

import zoneinfo
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset
from plantwright.maintenance.models import (
    PLANNED_TYPES,
    ContractorEntry,
    CostCategory,
    CostLine,
    LaborEntry,
    WorkOrder,
    WorkOrderStatus,
)
from plantwright.pm.models import PmOccurrence
from plantwright.pm.selectors import done_on_time
from plantwright.pm.services import grace_days

HOUR = Decimal(3600)
HOURS = Decimal("0.0001")
MONEY = Decimal("0.0001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    """[start, end) as the site's calendar days and as the instants of their local midnights."""

    day_from: date
    day_to: date
    start: datetime
    end: datetime
    zone: str = "UTC"

    @classmethod
    def of(cls, day_from: date, day_to: date, zone_name: str = "UTC") -> "Period":
        try:
            zone = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone, zone_name = zoneinfo.ZoneInfo("UTC"), "UTC"
        start, end = (datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC) for day in (day_from, day_to))
        return cls(day_from, day_to, start, end, zone_name)

    def months(self) -> list["Period"]:
        """The calendar months the period touches, each cut to the period."""
        result, first = [], self.day_from
        while first < self.day_to:
            last = min((first.replace(day=1) + timedelta(days=32)).replace(day=1), self.day_to)
            result.append(Period.of(first, last, self.zone))
            first = last
        return result


@dataclass(frozen=True)
class Scope:
    """Which assets the figures are about: every asset of some sites, or some of their assets."""

    site_ids: tuple[int, ...]
    asset_ids: tuple[int, ...] | None = None  # None: every asset of the sites

    @classmethod
    def of_assets(cls, asset_ids) -> "Scope":
        ids = tuple(asset_ids)
        sites = Asset.objects.filter(pk__in=ids).values_list("site_id", flat=True).distinct().order_by()
        return cls(tuple(sites), ids)

    def q(self, prefix: str = "") -> Q:
        """The filter of rows that carry the asset (`prefix` leads to the WO: `work_order__`)."""
        # Literal ids rather than a subquery: with them both databases walk the WO and ledger indexes.
        q = Q(**{f"{prefix}site_id__in": self.site_ids})
        if self.asset_ids is not None:
            q &= Q(**{f"{prefix}asset_id__in": self.asset_ids})
        return q

    def assets(self) -> QuerySet[Asset]:
        assets = Asset.objects.filter(site_id__in=self.site_ids)
        return assets if self.asset_ids is None else assets.filter(pk__in=self.asset_ids)


@dataclass
class Kpis:
    """The KPIs of a scope over a period; see `Parts.kpis` for the formulas."""

    failures: int
    downtime_hours: Decimal
    time_in_service_hours: Decimal
    mtbf_hours: Decimal | None
    mttr_hours: Decimal | None
    restored_failures: int
    mean_active_repair_hours: Decimal | None
    availability: Decimal | None
    planned_hours_ratio: Decimal | None
    planned_count_ratio: Decimal | None
    pm_compliance: Decimal | None
    cost: dict[str, Decimal]

    @property
    def operating_hours(self) -> Decimal:
        return self.time_in_service_hours - self.downtime_hours


@dataclass
class Parts:
    """The sums a scope's KPIs are quotients of (one asset's, or several added up)."""

    failures: int = 0
    restored_failures: int = 0
    repair_seconds: Decimal = ZERO  # Σ (restored − down since) over the restored failures of P
    downtime_seconds: Decimal = ZERO
    in_service_seconds: Decimal = ZERO
    active_hours: Decimal = ZERO  # labor + contractor hours on the restored failures of P
    hours: Decimal = ZERO  # labor + contractor hours booked in P
    planned_hours: Decimal = ZERO
    completed: int = 0
    completed_planned: int = 0
    pm_due: int = 0
    pm_on_time: int = 0
    labor: Decimal = ZERO
    parts: Decimal = ZERO
    contractor: Decimal = ZERO

    def __add__(self, other: "Parts") -> "Parts":
        return Parts(*(getattr(self, name) + getattr(other, name) for name in PART_NAMES))

    def __neg__(self) -> "Parts":
        return Parts(*(-getattr(self, name) for name in PART_NAMES))

    def absorb(self, other: "Parts") -> "Parts":
        """Add `other` into these parts (in place: a report adds tens of thousands)."""
        for name in PART_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def total_cost(self) -> Decimal:
        return self.labor + self.parts + self.contractor

    def kpis(self) -> Kpis:
        downtime = self.downtime_seconds / HOUR
        in_service = self.in_service_seconds / HOUR
        operating = in_service - downtime
        n = self.restored_failures

        def ratio(part, whole) -> Decimal | None:
            # Full precision (28 significant digits): a client recomputes and adds them; pages round.
            return Decimal(part) / Decimal(whole) if whole else None

        return Kpis(
            failures=self.failures,
            downtime_hours=downtime.quantize(HOURS),
            time_in_service_hours=in_service.quantize(HOURS),
            mtbf_hours=(operating / self.failures).quantize(HOURS) if self.failures else None,
            mttr_hours=(self.repair_seconds / HOUR / n).quantize(HOURS) if n else None,
            restored_failures=n,
            mean_active_repair_hours=(self.active_hours / n).quantize(HOURS) if n else None,
            availability=ratio(operating, in_service) if in_service else None,
            planned_hours_ratio=ratio(self.planned_hours, self.hours),
            planned_count_ratio=ratio(self.completed_planned, self.completed),
            pm_compliance=ratio(self.pm_on_time, self.pm_due),
            cost={
                "labor": self.labor.quantize(MONEY),
                "parts": self.parts.quantize(MONEY),
                "contractor": self.contractor.quantize(MONEY),
                "total": self.total_cost.quantize(MONEY),
            },
        )


PART_NAMES = tuple(f.name for f in fields(Parts))


def raw_parts(scope: Scope, buckets: list[Period]) -> dict[tuple[int, int], Parts]:
    """Each asset's parts in each bucket (disjoint periods in order), straight from the history, keyed
    (asset id, bucket index): nine grouped queries, plus one per site for PM compliance, whatever the
    number of assets and buckets. Time in service is not among them (`time_in_service`).

    Each part is additive over time: a period's parts are the sum of its pieces', which is what lets
    `monthly` keep whole months pre-aggregated and add the raw edges."""
    result: dict[tuple[int, int], Parts] = {}
    if not buckets or not scope.site_ids:
        return result

    def add(asset_id: int, n: int | None, **values) -> None:
        if n is None:  # in the range of the buckets but in none of them (a gap)
            return
        parts = result.setdefault((asset_id, n), Parts())
        for name, value in values.items():
            setattr(parts, name, getattr(parts, name) + (value or 0))

    for (asset_id, n), seconds in downtime_seconds(scope, buckets).items():
        add(asset_id, n, downtime_seconds=seconds)
    work_orders = WorkOrder.objects.filter(scope.q()).exclude(status=WorkOrderStatus.CANCELLED)
    restored = Q(restored_at__isnull=False)
    repair = ExpressionWrapper(F("restored_at") - F("down_since"), output_field=DurationField())
    failures = _in_buckets(work_orders.filter(is_failure=True), "down_since", buckets).values("asset_id", "n")
    for row in failures.annotate(
        failures=Count("pk"), restored=Count("pk", filter=restored), repair=Sum(repair, filter=restored)
    ):
        add(row["asset_id"], row["n"], failures=row["failures"], restored_failures=row["restored"],
            repair_seconds=_seconds(row["repair"]))  # fmt: skip
    completed = _in_buckets(work_orders, "completed_at", buckets).values("asset_id", "n")
    for row in completed.annotate(completed=Count("pk"), planned=Count("pk", filter=Q(type__in=PLANNED_TYPES))):
        add(row["asset_id"], row["n"], completed=row["completed"], completed_planned=row["planned"])
    for model in (LaborEntry, ContractorEntry):
        entries = model.objects.filter(scope.q("work_order__")).exclude(work_order__status=WorkOrderStatus.CANCELLED)
        booked = _in_buckets(entries, "work_date", buckets).values("work_order__asset_id", "n")
        planned = Q(work_order__type__in=PLANNED_TYPES)
        for row in booked.annotate(booked=Sum("hours"), planned=Sum("hours", filter=planned)):
            add(row["work_order__asset_id"], row["n"], hours=row["booked"], planned_hours=row["planned"])
        # Active repair hours belong to the failure's bucket, whenever they were booked.
        on_failures = entries.filter(work_order__is_failure=True, work_order__restored_at__isnull=False)
        active = _in_buckets(on_failures, "work_order__down_since", buckets).values("work_order__asset_id", "n")
        for row in active.annotate(active=Sum("hours")):
            add(row["work_order__asset_id"], row["n"], active_hours=row["active"])
    cost = _in_buckets(CostLine.objects.filter(scope.q("work_order__")), "cost_date", buckets)
    for row in cost.values("work_order__asset_id", "n").annotate(
        **{category: Sum("amount", filter=Q(category=category)) for category in CostCategory.values}
    ):
        add(row["work_order__asset_id"], row["n"], **{category: row[category] for category in CostCategory.values})
    for row in _pm_compliance(scope, buckets):
        add(row["work_order__asset_id"], row["n"], pm_due=row["due"], pm_on_time=row["on_time"])
    return result


def _in_buckets(rows: QuerySet, field: str, buckets: list[Period]) -> QuerySet:
    """The rows whose `field` falls in the buckets' range, each annotated with its bucket's index `n`
    (None in a gap between buckets): a date field by the site's days, a time by the instants."""
    model = rows.model
    for step in field.split("__")[:-1]:
        model = model._meta.get_field(step).related_model
    dates = model._meta.get_field(field.split("__")[-1]).get_internal_type() == "DateField"
    bounds = [(b.day_from, b.day_to) if dates else (b.start, b.end) for b in buckets]
    index = Case(
        *(When(**{f"{field}__gte": lo, f"{field}__lt": hi}, then=Value(n)) for n, (lo, hi) in enumerate(bounds)),
        output_field=IntegerField(),
    )
    return rows.filter(**{f"{field}__gte": bounds[0][0], f"{field}__lt": bounds[-1][1]}).annotate(n=index).order_by()


def time_in_service(scope: Scope, period: Period) -> dict[int, Decimal]:
    """Seconds of P between each asset's commissioning and decommissioning (when set)."""
    return {row["pk"]: _seconds(row["span"]) for row in _time_in_service(scope.assets(), period)}


def total(parts: dict[int, Parts]) -> Parts:
    values, zero = list(parts.values()), Parts()
    return Parts(*(sum((getattr(p, name) for p in values), getattr(zero, name)) for name in PART_NAMES))


def _seconds(value) -> Decimal:
    if value is None:
        return ZERO
    # SQLite sums durations as float microseconds: whole milliseconds are the precision kept.
    return Decimal(str(round(value.total_seconds(), 3)))


def _time_in_service(assets: QuerySet[Asset], period: Period):
    """The part of P between each asset's commissioning and decommissioning (when set)."""
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


def _pm_compliance(scope: Scope, buckets: list[Period]):
    """PM WOs due in each bucket (not cancelled) and those done by due date + their site's grace, per
    asset (SMRP 5.4.14). Completion is compared as a date: completed on the last day of grace is on time."""
    for site in Site.objects.filter(pk__in=scope.site_ids):
        occurrences = PmOccurrence.objects.filter(scope.q("work_order__"), work_order__site=site)
        due = _in_buckets(occurrences.exclude(work_order__status=WorkOrderStatus.CANCELLED), "due_date", buckets)
        yield from due.values("work_order__asset_id", "n").annotate(
            due=Count("pk"), on_time=Count("pk", filter=done_on_time(grace_days(site)))
        )


def downtime_seconds(
    scope: Scope, buckets: list[Period], *, by_asset: bool = True
) -> dict[tuple[int | None, int], Decimal]:
    """Failure downtime in seconds per (asset, bucket index): the union of the asset's failure
    intervals clipped to each bucket, one query. Cancelled WOs never count; a failure not yet
    restored is down until the end of the bucket. Without `by_asset`, the bucket's sum over the
    scope (asset None)."""
    if not buckets or not scope.site_ids:
        return {}
    sqlite = connection.vendor == "sqlite"
    greatest, least = ("max", "min") if sqlite else ("GREATEST", "LEAST")

    def epoch(column: str) -> str:
        return f"((julianday({column}) - 2440587.5) * 86400.0)" if sqlite else f"EXTRACT(EPOCH FROM {column})"

    adapt = connection.ops.adapt_datetimefield_value
    cast = "" if sqlite else "::timestamptz"
    rows = " UNION ALL ".join(f"SELECT %s AS n, %s{cast} AS b0, %s{cast} AS b1" for _ in buckets)
    bucket_params = [value for n, b in enumerate(buckets) for value in (n, adapt(b.start), adapt(b.end))]
    marks = ", ".join(["%s"] * len(scope.site_ids))
    scope_sql, scope_params = f"site_id IN ({marks})", list(scope.site_ids)
    if scope.asset_ids is not None:
        scope_sql += f" AND asset_id IN ({', '.join(['%s'] * len(scope.asset_ids)) or 'NULL'})"
        scope_params += list(scope.asset_ids)
    lo, hi = adapt(buckets[0].start), adapt(max(b.end for b in buckets))
    table = WorkOrder._meta.db_table
    sql = f"""
        WITH buckets AS ({rows}),
        failures AS (
            SELECT asset_id, down_since, restored_at FROM {table}
            WHERE {scope_sql} AND is_failure AND status <> %s
              AND down_since IS NOT NULL AND down_since < %s AND (restored_at IS NULL OR restored_at > %s)
        ), clipped AS (
            SELECT f.asset_id, b.n,
                   {epoch(f"{greatest}(f.down_since, b.b0)")} AS s,
                   {epoch(f"{least}(COALESCE(f.restored_at, b.b1), b.b1)")} AS e
            FROM failures f JOIN buckets b
              ON f.down_since < b.b1 AND (f.restored_at IS NULL OR f.restored_at > b.b0)
        ), ordered AS (
            SELECT asset_id, n, s, e, MAX(e) OVER (PARTITION BY asset_id, n ORDER BY s, e
                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
            FROM clipped
        )
        SELECT {"asset_id" if by_asset else "NULL"}, n,
               SUM(CASE WHEN before IS NULL THEN e - s
                        WHEN e > {greatest}(s, before) THEN e - {greatest}(s, before)
                        ELSE 0 END)
        FROM ordered GROUP BY {"asset_id, " if by_asset else ""}n
    """
    params = [*bucket_params, *scope_params, WorkOrderStatus.CANCELLED, hi, lo]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    # Julian days carry about a millisecond of float noise: whole milliseconds are the precision kept.
    return {(asset_id, n): Decimal(str(round(float(seconds or 0), 3))) for asset_id, n, seconds in found}
