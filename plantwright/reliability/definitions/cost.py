"""Maintenance cost: the WO ledger lines dated in the period, by kind (cancelled WOs' too: money
spent is spent)."""

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from plantwright.maintenance.models import CostCategory, CostLine, WorkOrder
from plantwright.maintenance.selectors.costs import per_work_order_sum
from plantwright.reliability.periods import MONEY, ZERO, Period, Scope, in_buckets
from plantwright.reliability.registry import Column, Part, drill, kpi, parts, source

parts(*(Part(category, f"{category}_x10000", 4) for category in CostCategory.values))


@source(
    parts=tuple(CostCategory.values),
    watches={
        "maintenance_costline": ("work_order_id", "category", "amount", "cost_date"),
        "maintenance_workorder": ("asset_id", "site_id"),
    },
)
def _cost(scope: Scope, buckets: list[Period]):
    lines = in_buckets(CostLine.objects.filter(scope.q("work_order__")), "cost_date", buckets)
    sums = {category: Sum("amount", filter=Q(category=category)) for category in CostCategory.values}
    for row in lines.values("work_order__asset_id", "n").annotate(**sums):
        yield row["work_order__asset_id"], row["n"], {category: row[category] for category in CostCategory.values}


def total_cost(p):
    return sum((getattr(p, category) for category in CostCategory.values), ZERO)


for category, label in CostCategory.choices:
    kpi(
        f"{category}_cost", label, "money", lambda p, c=category: getattr(p, c).quantize(MONEY), tile=False,
        group="cost", key=category,
    )  # fmt: skip
kpi(
    "total_cost", _("Maintenance cost"), "money", lambda p: total_cost(p).quantize(MONEY), short=_("Cost"),
    drill="cost", group="cost", key="total",
    help=_("The WO ledger lines with a cost date in the period: labor %(labor_cost)s, parts %(parts_cost)s, "
           "contractor %(contractor_cost)s."),
)  # fmt: skip


@drill(
    "cost",
    _("WOs with cost"),
    _("Ledger lines dated in the period, by kind."),
    columns=tuple(
        Column(label, lambda wo, _p, c=category: getattr(wo, f"{c}_cost") or 0, "money")
        for category, label in CostCategory.choices
    ),
)
def cost_work_orders(scope: Scope, period: Period, site=None):
    """The WOs behind the maintenance cost: ledger lines dated in P, by kind."""
    dated = {"cost_date__gte": period.day_from, "cost_date__lt": period.day_to}
    sums = {
        category: per_work_order_sum(CostLine, "amount", category=category, **dated) for category in CostCategory.values
    }
    return (
        WorkOrder.objects.filter(scope.q())
        .filter(Exists(CostLine.objects.filter(work_order=OuterRef("pk"), **dated)))
        .annotate(**{f"{category}_cost": value for category, value in sums.items()})
        .select_related("asset")
        .order_by("-updated_at")
    )
