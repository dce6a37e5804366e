"""PM compliance (SMRP 5.4.14): PM WOs due in the period, done by due date + the site's grace."""

from django.db.models import BooleanField, Case, Count, F, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from plantwright.accounts.models import Site
from plantwright.maintenance.models import WorkOrder, WorkOrderStatus
from plantwright.pm.models import PmOccurrence
from plantwright.pm.selectors import done_on_time
from plantwright.pm.services import grace_days
from plantwright.reliability.periods import Period, Scope, in_buckets
from plantwright.reliability.registry import Column, Part, drill, kpi, parts, ratio, source

parts(Part("pm_due", "pm_due"), Part("pm_on_time", "pm_on_time"))


# The site's grace is not a column: the stored months carry the grace they were computed with.
@source(
    parts=("pm_due", "pm_on_time"),
    watches={
        "pm_pmoccurrence": ("work_order_id", "due_date"),
        "maintenance_workorder": ("asset_id", "site_id", "status", "completed_at"),
    },
)
def _pm_compliance(scope: Scope, buckets: list[Period]):
    """PM WOs due in each bucket (not cancelled) and those done by due date + their site's grace, per
    asset. Completion is compared as a date: completed on the last day of grace is on time."""
    for site in Site.objects.filter(pk__in=scope.site_ids):
        occurrences = PmOccurrence.objects.filter(scope.q("work_order__"), work_order__site=site)
        due = in_buckets(occurrences.exclude(work_order__status=WorkOrderStatus.CANCELLED), "due_date", buckets)
        rows = due.values("work_order__asset_id", "n").annotate(
            due=Count("pk"), on_time=Count("pk", filter=done_on_time(grace_days(site)))
        )
        for row in rows:
            yield row["work_order__asset_id"], row["n"], {"pm_due": row["due"], "pm_on_time": row["on_time"]}


kpi(
    "pm_compliance", _("PM compliance"), "ratio", lambda p: ratio(p.pm_on_time, p.pm_due), none=_("none due"),
    short=_("PM compliance"), drill="pm",
    help=_("PM WOs due in the period done by due date + the site's grace / PM WOs due (cancelled excluded)."),
    description="PM WOs done by due date + the site's grace / PM WOs due",
)  # fmt: skip


def _grace(site) -> str:
    days = grace_days(site)
    return ngettext("Grace: %(days)s day.", "Grace: %(days)s days.", days) % {"days": days}


@drill(
    "pm",
    _("PM WOs due"),
    _("PM WOs due in the period (not cancelled), on time if done by due date + grace."),
    columns=(
        Column(_("Due"), lambda wo, _p: wo.due, "date"),
        Column(_("Completed"), lambda wo, _p: wo.completed_at, "date"),
        Column(_("On time"), lambda wo, _p: str(_("on time")) if wo.on_time else str(_("late or open"))),
    ),
    note=_grace,
)
def pm_work_orders(scope: Scope, period: Period, site):
    """The WOs behind PM compliance: PM WOs due in P (not cancelled), each marked on time or not."""
    on_time = done_on_time(grace_days(site), from_work_order=True)
    return (
        WorkOrder.objects.filter(
            scope.q(), pm_occurrence__due_date__gte=period.day_from, pm_occurrence__due_date__lt=period.day_to
        )
        .exclude(status=WorkOrderStatus.CANCELLED)
        .annotate(
            due=F("pm_occurrence__due_date"),
            on_time=Case(When(on_time, then=True), default=False, output_field=BooleanField()),
        )
        .select_related("asset")
        .order_by("-due")
    )
