"""PM compliance (SMRP 5.4.14): PM WOs due in the period, done by due date + the site's grace."""

from django.db.models import BooleanField, Case, Count, F, Q, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from plantwright.accounts.models import Site
from plantwright.maintenance.models import WorkOrder, WorkOrderStatus
from plantwright.pm.models import PmOccurrence
from plantwright.pm.selectors import done_on_time, pm_by_hand
from plantwright.pm.services import grace_days
from plantwright.reliability.periods import Period, Scope, in_buckets
from plantwright.reliability.registry import Column, Part, drill, kpi, parts, ratio, source

# Version 2: PM WOs made by hand or imported count too (issue 21).
parts(Part("pm_due", "pm_due", version=2), Part("pm_on_time", "pm_on_time", version=2))


# The site's grace is not a column: the stored months carry the grace they were computed with.
@source(
    parts=("pm_due", "pm_on_time"),
    watches={
        "pm_pmoccurrence": ("work_order_id", "due_date"),
        "maintenance_workorder": ("asset_id", "site_id", "status", "completed_at", "type", "due_date"),
    },
)
def _pm_compliance(scope: Scope, buckets: list[Period]):
    """PM work due in each bucket (not cancelled) and what of it was done by due date + the site's
    grace, per asset: schedule occurrences by their due date, and PM WOs made by hand or imported by
    the WO's due date. Completion is compared as a date: completed on the last day of grace is on time."""
    for site in Site.objects.filter(pk__in=scope.site_ids):
        grace = grace_days(site)
        occurrences = PmOccurrence.objects.filter(scope.q("work_order__"), work_order__site=site)
        due = in_buckets(occurrences.exclude(work_order__status=WorkOrderStatus.CANCELLED), "due_date", buckets)
        rows = due.values("work_order__asset_id", "n").annotate(
            due=Count("pk"), on_time=Count("pk", filter=done_on_time(grace))
        )
        for row in rows:
            yield row["work_order__asset_id"], row["n"], {"pm_due": row["due"], "pm_on_time": row["on_time"]}
        by_hand = in_buckets(pm_by_hand(WorkOrder.objects.filter(scope.q(), site=site)), "due_date", buckets)
        rows = by_hand.values("asset_id", "n").annotate(
            due=Count("pk"), on_time=Count("pk", filter=done_on_time(grace, prefix="", due="due_date"))
        )
        for row in rows:
            yield row["asset_id"], row["n"], {"pm_due": row["due"], "pm_on_time": row["on_time"]}


kpi(
    "pm_compliance", _("PM compliance"), "ratio", lambda p: ratio(p.pm_on_time, p.pm_due), none=_("none due"),
    short=_("PM compliance"), drill="pm",
    help=_(
        "PM work due in the period done by due date + the site's grace / PM work due (cancelled excluded): "
        "schedule occurrences, and preventive and inspection WOs with a due date made by hand or imported."
    ),
    description="PM work done by due date + the site's grace / PM work due",
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
    """The WOs behind PM compliance: PM work due in P (not cancelled), each marked on time or not —
    schedule occurrences by their due date, PM WOs made by hand by the WO's."""
    due = Coalesce(F("pm_occurrence__due_date"), F("due_date"))
    scheduled = Q(pm_occurrence__due_date__gte=period.day_from, pm_occurrence__due_date__lt=period.day_to)
    made_by_hand = Q(pk__in=pm_by_hand(WorkOrder.objects.filter(
        scope.q(), due_date__gte=period.day_from, due_date__lt=period.day_to)).values("pk"))  # fmt: skip
    on_time = done_on_time(grace_days(site), prefix="", due=due)
    return (
        WorkOrder.objects.filter(scope.q())
        .filter(scheduled | made_by_hand)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .annotate(due=due, on_time=Case(When(on_time, then=True), default=False, output_field=BooleanField()))
        .select_related("asset")
        .order_by("-due")
    )
