"""How fast reactive work is taken up and done: mean time to respond (WO creation → its first start,
`in_progress`) and mean time to complete (creation → completion).

Reactive WOs only (not of a planned type): a PM WO is created weeks ahead of its due date on
purpose, so its "response" says nothing. A WO counts in the bucket of its first start, or of its
completion, as MTTR counts a failure in the bucket it began in; cancelled WOs never count.
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _

from plantwright.maintenance.models import PLANNED_TYPES, WorkOrder, WorkOrderStatus, WorkOrderTransition
from plantwright.reliability.periods import ZERO, Period, Scope, exact_seconds, in_buckets
from plantwright.reliability.registry import Column, Part, drill, hours, kpi, mean_hours, parts, source

parts(
    Part("responded", "responded"),  # reactive WOs first started in P
    # Σ (first start − created) over them; to the microsecond, as creation times are
    Part("response_seconds", "response_us", 6),
    Part("completion_seconds", "completion_us", 6),  # Σ (completed − created) over the reactive WOs completed in P
)
STARTED = WorkOrderStatus.IN_PROGRESS
WORK_ORDER_COLUMNS = ("asset_id", "site_id", "status", "type", "created_at")


def _reactive(rows, prefix: str = ""):
    cancelled, planned = {f"{prefix}status": WorkOrderStatus.CANCELLED}, {f"{prefix}type__in": PLANNED_TYPES}
    return rows.exclude(**cancelled).exclude(**planned)


def _since_created(field: str, created: str = "created_at"):
    """How long after the WO's creation `field` is; 0 when before (work recorded after it was done)."""
    after = ExpressionWrapper(F(field) - F(created), output_field=DurationField())
    return Greatest(after, Value(timedelta(0), output_field=DurationField()))


@source(
    parts=("responded", "response_seconds"),
    watches={
        "maintenance_workordertransition": ("work_order_id", "to_status", "at"),
        "maintenance_workorder": WORK_ORDER_COLUMNS,
    },
)
def _responses(scope: Scope, buckets: list[Period]):
    earlier = WorkOrderTransition.objects.filter(work_order=OuterRef("work_order"), to_status=STARTED).filter(
        Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk"))
    )
    starts = _reactive(WorkOrderTransition.objects.filter(scope.q("work_order__"), to_status=STARTED), "work_order__")
    starts = in_buckets(starts.exclude(Exists(earlier)), "at", buckets)
    response = _since_created("at", "work_order__created_at")
    for row in starts.values("work_order__asset_id", "n").annotate(started=Count("pk"), response=Sum(response)):
        yield (
            row["work_order__asset_id"],
            row["n"],
            {
                "responded": row["started"],
                "response_seconds": exact_seconds(row["response"]),
            },
        )


@source(parts=("completion_seconds",), watches={"maintenance_workorder": (*WORK_ORDER_COLUMNS, "completed_at")})
def _completions(scope: Scope, buckets: list[Period]):
    done = in_buckets(_reactive(WorkOrder.objects.filter(scope.q())), "completed_at", buckets)
    for row in done.values("asset_id", "n").annotate(took=Sum(_since_created("completed_at"))):
        yield row["asset_id"], row["n"], {"completion_seconds": exact_seconds(row["took"])}


kpi(
    "mean_time_to_respond_hours", _("Time to respond"), "hours",
    lambda p: mean_hours(p.response_seconds, p.responded), decimals=1, none="—", drill="responded",
    help=_("Reactive WOs first started in the period: mean of first start − created, over %(responded)s WOs."),
    description="Mean of first in_progress − created over the reactive WOs first started in the period",
)  # fmt: skip
kpi("responded", _("Reactive WOs started"), "count", lambda p: p.responded, tile=False)
kpi(
    "mean_time_to_complete_hours", _("Time to complete"), "hours",
    lambda p: mean_hours(p.completion_seconds, p.completed - p.completed_planned), decimals=1, none="—",
    drill="reactive-completed",
    help=_("Reactive WOs completed in the period: mean of completed − created."),
    description="Mean of completed − created over the reactive WOs completed in the period",
)  # fmt: skip


def _hours_between(start, end) -> Decimal | None:
    if start is None or end is None:
        return None
    return hours(max(exact_seconds(end - start), ZERO))


@drill(
    "responded",
    _("Reactive WOs started"),
    _("Reactive WOs (not cancelled) whose first start lies in the period, with how long they waited."),
    columns=(
        Column(_("Created"), lambda wo, _p: wo.created_at, "datetime"),
        Column(_("First started"), lambda wo, _p: wo.first_start, "datetime"),
        Column(_("Response h"), lambda wo, _p: _hours_between(wo.created_at, wo.first_start), "hours"),
    ),
)
def responded_work_orders(scope: Scope, period: Period, site=None):
    first_start = WorkOrderTransition.objects.filter(work_order=OuterRef("pk"), to_status=STARTED)
    first_start = first_start.values("work_order").annotate(at=Min("at")).values("at")
    return (
        _reactive(WorkOrder.objects.filter(scope.q()))
        .annotate(first_start=Subquery(first_start))
        .filter(first_start__gte=period.start, first_start__lt=period.end)
        .select_related("asset")
        .order_by("-first_start")
    )


@drill(
    "reactive-completed",
    _("Reactive WOs completed"),
    _("Reactive WOs completed in the period (not cancelled), with how long they took from creation."),
    columns=(
        Column(_("Created"), lambda wo, _p: wo.created_at, "datetime"),
        Column(_("Completed"), lambda wo, _p: wo.completed_at, "datetime"),
        Column(_("Lead time h"), lambda wo, _p: _hours_between(wo.created_at, wo.completed_at), "hours"),
    ),
)
def reactive_completed_work_orders(scope: Scope, period: Period, site=None):
    return (
        _reactive(WorkOrder.objects.filter(scope.q(), completed_at__gte=period.start, completed_at__lt=period.end))
        .select_related("asset")
        .order_by("-completed_at")
    )
