"""Reliability and cost KPIs of a set of assets over a period P = [start, end), in the database.

The definitions are DESIGN.md §3 (SMRP: MTBF 3.5.1, MTTR 3.5.2, PM compliance 5.4.14, planned work
5.3.1). A scope of several assets is rolled up by adding the parts (failures, downtime, time in
service, hours, costs) and dividing once: ratios are never averaged.

Failure downtime is the *union* of each asset's failure intervals clipped to P: with the intervals
in order of start, each adds what it reaches beyond the latest end before it,
Σ max(0, end_i − max(start_i, max_{j<i} end_j)), a window function in SQL.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, Greatest, Least

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset
from plantwright.maintenance.models import (
    PLANNED_TYPES,
    ContractorEntry,
    CostLine,
    LaborEntry,
    WorkOrder,
    WorkOrderStatus,
)
from plantwright.maintenance.selectors.costs import _category_sums, _money
from plantwright.pm.selectors import compliance

HOUR = Decimal(3600)
RATIO = Decimal("0.0001")
HOURS = Decimal("0.0001")


@dataclass
class Kpis:
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
    pm_compliance: Decimal | None = None
    cost: dict[str, Decimal] = field(default_factory=dict)

    @property
    def operating_hours(self) -> Decimal:
        return self.time_in_service_hours - self.downtime_hours


def kpis(asset_ids: list[int], *, start: datetime, end: datetime) -> Kpis:
    failures_in_p = WorkOrder.objects.filter(
        asset_id__in=asset_ids, is_failure=True, down_since__gte=start, down_since__lt=end
    ).exclude(status=WorkOrderStatus.CANCELLED)
    failures = failures_in_p.count()
    downtime = _failure_downtime_seconds(asset_ids, start, end) / HOUR
    in_service = _time_in_service_seconds(asset_ids, start, end) / HOUR
    operating = in_service - downtime

    restored = failures_in_p.filter(restored_at__isnull=False)
    repair = restored.aggregate(
        n=Count("pk"),
        total=Sum(ExpressionWrapper(F("restored_at") - F("down_since"), output_field=DurationField())),
    )
    restored_ids = list(restored.values_list("pk", flat=True))
    active = _hours(LaborEntry.objects.filter(work_order_id__in=restored_ids)) + _hours(
        ContractorEntry.objects.filter(work_order_id__in=restored_ids)
    )

    day_from, day_to = start.date(), end.date()
    booked = Q(work_date__gte=day_from, work_date__lt=day_to, work_order__asset_id__in=asset_ids) & ~Q(
        work_order__status=WorkOrderStatus.CANCELLED
    )
    planned = Q(work_order__type__in=PLANNED_TYPES)
    all_hours = _hours(LaborEntry.objects.filter(booked)) + _hours(ContractorEntry.objects.filter(booked))
    planned_hours = _hours(LaborEntry.objects.filter(booked & planned)) + _hours(
        ContractorEntry.objects.filter(booked & planned)
    )
    completed = WorkOrder.objects.filter(asset_id__in=asset_ids, completed_at__gte=start, completed_at__lt=end).exclude(
        status=WorkOrderStatus.CANCELLED
    )
    counts = completed.aggregate(all=Count("pk"), planned=Count("pk", filter=Q(type__in=PLANNED_TYPES)))

    cost = _money(
        CostLine.objects.filter(
            work_order__asset_id__in=asset_ids, cost_date__gte=day_from, cost_date__lt=day_to
        ).aggregate(**_category_sums())
    )
    n = repair["n"]
    site = Site.objects.filter(assets__pk__in=asset_ids[:1]).first()  # a scope lies within one site
    pm = compliance(site, start=day_from, end=day_to, asset_ids=asset_ids).ratio if site else None
    return Kpis(
        failures=failures,
        downtime_hours=downtime.quantize(HOURS),
        time_in_service_hours=in_service.quantize(HOURS),
        mtbf_hours=(operating / failures).quantize(HOURS) if failures else None,
        mttr_hours=(Decimal(repair["total"].total_seconds()) / HOUR / n).quantize(HOURS) if n else None,
        restored_failures=n,
        mean_active_repair_hours=(active / n).quantize(HOURS) if n else None,
        availability=(operating / in_service).quantize(RATIO) if in_service else None,
        planned_hours_ratio=(planned_hours / all_hours).quantize(RATIO) if all_hours else None,
        planned_count_ratio=(Decimal(counts["planned"]) / counts["all"]).quantize(RATIO) if counts["all"] else None,
        pm_compliance=pm.quantize(RATIO) if pm is not None else None,
        cost=cost,
    )


def _hours(entries) -> Decimal:
    return Decimal(entries.aggregate(total=Sum("hours"))["total"] or 0)


def _time_in_service_seconds(asset_ids: list[int], start: datetime, end: datetime) -> Decimal:
    """Σ over the assets of the part of P between commissioning and decommissioning (when set)."""
    spans = (
        Asset.objects.filter(pk__in=asset_ids)
        .annotate(
            begins=Greatest(Coalesce("commissioned_at", start), start),
            ends=Least(Coalesce("decommissioned_at", end), end),
        )
        .filter(ends__gt=F("begins"))
        .aggregate(total=Sum(ExpressionWrapper(F("ends") - F("begins"), output_field=DurationField())))
    )
    total = spans["total"] or timedelta(0)
    return Decimal(total.total_seconds())


def _failure_downtime_seconds(asset_ids: list[int], start: datetime, end: datetime) -> Decimal:
    return sum(downtime_by_asset(asset_ids, start=start, end=end).values(), Decimal(0))


def downtime_by_asset(asset_ids: list[int], *, start: datetime, end: datetime) -> dict[int, Decimal]:
    """Failure downtime in seconds per asset (the union of its clipped failure intervals), one query."""
    if not asset_ids:
        return {}
    sqlite = connection.vendor == "sqlite"
    greatest, least = ("max", "min") if sqlite else ("GREATEST", "LEAST")

    def epoch(column: str) -> str:
        return f"((julianday({column}) - 2440587.5) * 86400.0)" if sqlite else f"EXTRACT(EPOCH FROM {column})"

    table = WorkOrder._meta.db_table
    marks = ", ".join(["%s"] * len(asset_ids))
    p_start = connection.ops.adapt_datetimefield_value(start)
    p_end = connection.ops.adapt_datetimefield_value(end)
    sql = f"""
        WITH clipped AS (
            SELECT asset_id,
                   {epoch(f"{greatest}(down_since, %s)")} AS s,
                   {epoch(f"{least}(COALESCE(restored_at, %s), %s)")} AS e
            FROM {table}
            WHERE asset_id IN ({marks}) AND is_failure AND status <> %s
              AND down_since IS NOT NULL AND down_since < %s AND (restored_at IS NULL OR restored_at > %s)
        ), ordered AS (
            SELECT asset_id, s, e, MAX(e) OVER (PARTITION BY asset_id ORDER BY s, e
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
            FROM clipped
        )
        SELECT asset_id, SUM(CASE WHEN before IS NULL THEN e - s
                                  WHEN e > {greatest}(s, before) THEN e - {greatest}(s, before)
                                  ELSE 0 END)
        FROM ordered GROUP BY asset_id
    """
    params = [p_start, p_end, p_end, *asset_ids, WorkOrderStatus.CANCELLED, p_end, p_start]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Julian days carry about a millisecond of float noise: whole milliseconds are the precision kept.
    return {asset_id: Decimal(str(round(float(seconds or 0), 3))) for asset_id, seconds in rows}


def worst_by_downtime(
    asset_ids: list[int], *, start: datetime, end: datetime, limit: int
) -> list[tuple[Asset, Decimal]]:
    """The assets with the most failure downtime in P (hours), most first."""
    seconds = {pk: value for pk, value in downtime_by_asset(asset_ids, start=start, end=end).items() if value}
    top = sorted(seconds, key=seconds.get, reverse=True)[:limit]
    assets = Asset.objects.only("id", "code", "name").in_bulk(top)
    return [(assets[pk], seconds[pk] / HOUR) for pk in top]


def failure_work_orders(site, *, start: datetime, end: datetime):
    """The failure WOs behind the figures: down in P (the failures), or earlier and still down or
    restored inside P (their downtime counts). Cancelled ones never."""
    return (
        WorkOrder.objects.filter(site=site, is_failure=True, down_since__lt=end)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .filter(Q(restored_at__isnull=True) | Q(restored_at__gt=start))
        .select_related("asset")
        .order_by("-down_since")
    )
