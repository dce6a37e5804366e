"""Failures, failure downtime and what follows from them: MTBF (SMRP 3.5.1), MTTR (3.5.2), active
repair time, availability.

Failure downtime is the *union* of each asset's failure intervals clipped to the bucket: with the
intervals in order of start, each adds what it reaches beyond the latest end before it,
Σ max(0, end_i − max(start_i, max_{j<i} end_j)), a window function in SQL. The same query splits the
downtime into buckets (the months of a trend) by clipping each interval to each bucket it touches.
"""

from decimal import Decimal

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from plantwright.maintenance.models import ContractorEntry, LaborEntry, WorkOrder, WorkOrderStatus
from plantwright.reliability.periods import HOUR, HOURS, Period, Scope, in_buckets, seconds
from plantwright.reliability.registry import Column, Part, drill, hours, kpi, mean_hours, parts, ratio, source

parts(
    Part("failures", "failures"),
    Part("restored_failures", "restored_failures"),
    Part("repair_seconds", "repair_ms", 3),  # Σ (restored − down since) over the restored failures of P
    Part("downtime_seconds", "downtime_ms", 3),
    Part("in_service_seconds", None, 3),
    Part("active_hours", "active_hours_x100", 2),  # labor + contractor hours on the restored failures of P
)
FAILURE_COLUMNS = ("asset_id", "site_id", "status", "is_failure", "down_since", "restored_at")


@source(parts=("downtime_seconds",), watches={"maintenance_workorder": FAILURE_COLUMNS})
def _downtime(scope: Scope, buckets: list[Period]):
    for (asset_id, n), value in downtime_seconds(scope, buckets).items():
        yield asset_id, n, {"downtime_seconds": value}


@source(parts=("failures", "restored_failures", "repair_seconds"), watches={"maintenance_workorder": FAILURE_COLUMNS})
def _failures(scope: Scope, buckets: list[Period]):
    work_orders = WorkOrder.objects.filter(scope.q(), is_failure=True).exclude(status=WorkOrderStatus.CANCELLED)
    restored = Q(restored_at__isnull=False)
    repair = ExpressionWrapper(F("restored_at") - F("down_since"), output_field=DurationField())
    rows = in_buckets(work_orders, "down_since", buckets).values("asset_id", "n")
    sums = {"n_failures": Count("pk"), "restored": Count("pk", filter=restored), "repair": Sum(repair, filter=restored)}
    for row in rows.annotate(**sums):
        yield (
            row["asset_id"],
            row["n"],
            {
                "failures": row["n_failures"],
                "restored_failures": row["restored"],
                "repair_seconds": seconds(row["repair"]),
            },
        )


ENTRY_COLUMNS = ("work_order_id", "hours", "work_date")


@source(
    parts=("active_hours",),
    watches={
        "maintenance_laborentry": ENTRY_COLUMNS,
        "maintenance_contractorentry": ENTRY_COLUMNS,
        "maintenance_workorder": FAILURE_COLUMNS,
    },
)
def _active_hours(scope: Scope, buckets: list[Period]):
    # Active repair hours belong to the failure's bucket, whenever they were booked.
    for model in (LaborEntry, ContractorEntry):
        entries = model.objects.filter(scope.q("work_order__"), work_order__is_failure=True)
        entries = entries.exclude(work_order__status=WorkOrderStatus.CANCELLED).filter(
            work_order__restored_at__isnull=False
        )
        rows = in_buckets(entries, "work_order__down_since", buckets).values("work_order__asset_id", "n")
        for row in rows.annotate(active=Sum("hours")):
            yield row["work_order__asset_id"], row["n"], {"active_hours": row["active"]}


def _operating_hours(p) -> Decimal:
    return p.in_service_seconds / HOUR - p.downtime_seconds / HOUR


kpi(
    "failures", _("Failures"), "count", lambda p: p.failures, short=_("Failures"), drill="failures",
    help=_("Failure WOs (not cancelled) whose down-since lies in the period."),
)  # fmt: skip
kpi(
    "downtime_hours", _("Failure downtime"), "hours", lambda p: hours(p.downtime_seconds), decimals=1,
    short=_("Downtime h"), drill="failures",
    help=_("The union of each asset's failure intervals, clipped to the period; overlaps count once."),
)  # fmt: skip
kpi("time_in_service_hours", _("Time in service"), "hours", lambda p: hours(p.in_service_seconds), tile=False)
kpi(
    "operating_hours", _("Operating time"), "hours",
    lambda p: hours(p.in_service_seconds) - hours(p.downtime_seconds), tile=False, export=False,
)  # fmt: skip
kpi(
    "mtbf_hours", "MTBF", "hours", lambda p: (_operating_hours(p) / p.failures).quantize(HOURS)
    if p.failures else None, decimals=1, none=_("no failures"), short="MTBF h",
    help=_("(time in service − failure downtime) / failures."),
    description="Operating time / failures; null: no failures in the period",
)  # fmt: skip
kpi(
    "mttr_hours", "MTTR", "hours", lambda p: mean_hours(p.repair_seconds, p.restored_failures), decimals=2,
    none="—", short="MTTR h",
    help=_("Mean of restored − down-since over the %(restored_failures)s restored failures of the period "
           "(open ones excluded)."),
    description="Mean time to restore over the restored failures of the period",
)  # fmt: skip
kpi("restored_failures", _("Restored failures"), "count", lambda p: p.restored_failures, tile=False)
kpi(
    "mean_active_repair_hours", _("Active repair"), "hours",
    lambda p: (p.active_hours / p.restored_failures).quantize(HOURS) if p.restored_failures else None,
    decimals=2, none="—", help=_("Labor + contractor hours on those restored failures / their number. Not MTTR."),
    description="Labor + contractor hours per restored failure",
)  # fmt: skip
kpi(
    "availability", _("Availability"), "ratio",
    lambda p: ratio(_operating_hours(p), p.in_service_seconds / HOUR) if p.in_service_seconds else None,
    none="—", short=_("Availability"),
    help=_("(time in service − failure downtime) / time in service (%(time_in_service_hours)s)."),
)  # fmt: skip


def _counted(wo, period: Period) -> str:
    return str(_("failure")) if wo.down_since >= period.start else str(_("downtime only"))


@drill(
    "failures",
    _("Failure WOs"),
    _(
        "Counted as failures: those down in the period. Listed too: earlier ones still down or restored "
        "in it, whose downtime inside the period counts."
    ),
    columns=(
        Column(_("Down since"), lambda wo, _p: wo.down_since, "datetime"),
        Column(_("Restored"), lambda wo, _p: wo.restored_at or str(_("still down")), "datetime"),
        Column(_("Counted"), _counted),
    ),
)
def failure_work_orders(scope: Scope, period: Period, site=None):
    """The failure WOs behind the figures: down in P (the failures), or earlier and still down or
    restored inside P (their downtime counts). Cancelled ones never."""
    return (
        WorkOrder.objects.filter(scope.q(), is_failure=True, down_since__lt=period.end)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .filter(Q(restored_at__isnull=True) | Q(restored_at__gt=period.start))
        .select_related("asset")
        .order_by("-down_since")
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
    return {(asset_id, n): Decimal(str(round(float(total or 0), 3))) for asset_id, n, total in found}
