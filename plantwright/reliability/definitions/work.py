"""Planned vs reactive work (SMRP 5.3.1): by the hours booked, and by the WOs completed."""

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from plantwright.maintenance.models import PLANNED_TYPES, ContractorEntry, LaborEntry, WorkOrder, WorkOrderStatus
from plantwright.maintenance.selectors.costs import per_work_order_sum
from plantwright.reliability.periods import Period, Scope, in_buckets
from plantwright.reliability.registry import Column, Part, drill, kpi, parts, ratio, source

parts(
    Part("hours", "hours_x100", 2),  # labor + contractor hours booked in P
    Part("planned_hours", "planned_hours_x100", 2),
    Part("completed", "completed"),
    Part("completed_planned", "completed_planned"),
)
ENTRY_COLUMNS = ("work_order_id", "hours", "work_date")
WORK_ORDER_COLUMNS = ("asset_id", "site_id", "status", "type")


@source(
    parts=("hours", "planned_hours"),
    watches={
        "maintenance_laborentry": ENTRY_COLUMNS,
        "maintenance_contractorentry": ENTRY_COLUMNS,
        "maintenance_workorder": WORK_ORDER_COLUMNS,
    },
)
def _booked(scope: Scope, buckets: list[Period]):
    for model in (LaborEntry, ContractorEntry):
        entries = model.objects.filter(scope.q("work_order__")).exclude(work_order__status=WorkOrderStatus.CANCELLED)
        booked = in_buckets(entries, "work_date", buckets).values("work_order__asset_id", "n")
        planned = Q(work_order__type__in=PLANNED_TYPES)
        for row in booked.annotate(booked=Sum("hours"), planned=Sum("hours", filter=planned)):
            yield row["work_order__asset_id"], row["n"], {"hours": row["booked"], "planned_hours": row["planned"]}


@source(
    parts=("completed", "completed_planned"), watches={"maintenance_workorder": (*WORK_ORDER_COLUMNS, "completed_at")}
)
def _completed(scope: Scope, buckets: list[Period]):
    work_orders = WorkOrder.objects.filter(scope.q()).exclude(status=WorkOrderStatus.CANCELLED)
    rows = in_buckets(work_orders, "completed_at", buckets).values("asset_id", "n")
    for row in rows.annotate(done=Count("pk"), planned=Count("pk", filter=Q(type__in=PLANNED_TYPES))):
        yield row["asset_id"], row["n"], {"completed": row["done"], "completed_planned": row["planned"]}


kpi(
    "planned_hours_ratio", _("Planned work"), "ratio", lambda p: ratio(p.planned_hours, p.hours), none="—",
    short=_("Planned"), drill="hours",
    help=_("Labor + contractor hours on planned WO types / all hours booked in the period."),
)  # fmt: skip
kpi(
    "planned_count_ratio", _("Planned work by count"), "ratio", lambda p: ratio(p.completed_planned, p.completed),
    none="—", drill="completed", help=_("WOs of planned types completed in the period / all WOs completed in it."),
)  # fmt: skip


def _planned(wo, _period) -> str:
    return str(_("planned")) if wo.planned else str(_("reactive"))


@drill(
    "completed",
    _("Completed WOs"),
    _("WOs completed in the period (not cancelled): planned vs reactive by count."),
    columns=(Column(_("Completed"), lambda wo, _p: wo.completed_at, "datetime"), Column(_("Planned"), _planned)),
)
def completed_work_orders(scope: Scope, period: Period, site=None):
    """The WOs behind planned vs reactive by count: completed in P, not cancelled."""
    return (
        WorkOrder.objects.filter(scope.q(), completed_at__gte=period.start, completed_at__lt=period.end)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .select_related("asset")
        .order_by("-completed_at")
    )


@drill(
    "hours",
    _("WOs with hours"),
    _("Labor and contractor hours booked in the period: planned vs reactive by hours."),
    columns=(
        Column(_("Labor h"), lambda wo, _p: wo.labor_hours or 0, "hours"),
        Column(_("Contractor h"), lambda wo, _p: wo.contractor_hours or 0, "hours"),
        Column(_("Planned"), _planned),
    ),
)
def hours_work_orders(scope: Scope, period: Period, site=None):
    """The WOs behind planned vs reactive by hours: labor or contractor hours booked in P."""
    booked = {"work_date__gte": period.day_from, "work_date__lt": period.day_to}
    return (
        WorkOrder.objects.filter(scope.q())
        .exclude(status=WorkOrderStatus.CANCELLED)
        .filter(
            Exists(LaborEntry.objects.filter(work_order=OuterRef("pk"), **booked))
            | Exists(ContractorEntry.objects.filter(work_order=OuterRef("pk"), **booked))
        )
        .annotate(labor_hours=per_work_order_sum(LaborEntry, "hours", **booked))
        .annotate(contractor_hours=per_work_order_sum(ContractorEntry, "hours", **booked))
        .select_related("asset")
        .order_by("-updated_at")
    )
