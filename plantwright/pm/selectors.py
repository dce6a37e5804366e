"""Reads of PM: the schedules with their latest occurrence, the load forecast, compliance data."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DateField, Expression, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery

from plantwright.accounts.models import Site, User
from plantwright.accounts.selectors import restrict_to_sites
from plantwright.maintenance.models import DONE_STATUSES, OPEN_STATUSES, WorkOrder, WorkOrderStatus, WorkOrderType
from plantwright.pm import calendar
from plantwright.pm.models import CalendarMode, PmOccurrence, PmSchedule, Trigger
from plantwright.pm.services import grace_days, last_occurrences, next_due

# PM work made without a schedule: these types, when they carry a due date.
PM_BY_HAND_TYPES = (WorkOrderType.PREVENTIVE, WorkOrderType.INSPECTION)


def list_schedules(user: User, *, site_id: int | None = None) -> QuerySet[PmSchedule]:
    """Schedules with their latest occurrence (due date, WO number and status) and open PM WOs."""
    latest = PmOccurrence.objects.filter(schedule=OuterRef("pk")).order_by("-sequence")
    schedules = restrict_to_sites(PmSchedule.objects.select_related("site", "asset", "job_plan", "meter"), user)
    if site_id is not None:
        schedules = schedules.filter(site_id=site_id)
    return schedules.annotate(
        last_due=Subquery(latest.values("due_date")[:1]),
        last_number=Subquery(latest.values("work_order__number")[:1]),
        last_status=Subquery(latest.values("work_order__status")[:1]),
        last_work_order=Subquery(latest.values("work_order_id")[:1]),
        open_count=Count("occurrences", filter=Q(occurrences__work_order__status__in=OPEN_STATUSES)),
    ).order_by("asset__code", "name")


@dataclass
class Forecast:
    start: date
    weeks: list[date]  # Mondays
    crafts: list[str]
    hours: dict[str, list[Decimal]]  # craft -> hours per week
    occurrences: list[tuple[date, PmSchedule]]

    @property
    def totals(self) -> list[Decimal]:
        return [sum((self.hours[c][i] for c in self.crafts), Decimal(0)) for i in range(len(self.weeks))]

    @property
    def peak(self) -> Decimal:
        return max(self.totals, default=Decimal(0))


def forecast(site: Site, *, today: date, days: int = 90) -> Forecast:
    """PM load of the next `days` by craft hours per week, from the schedules as they stand (before
    any WO is created): each occurrence brings its job plan's task hours. A floating schedule is
    assumed done on its due dates; a meter schedule counts its next occurrence only (its later ones
    depend on readings not taken yet)."""
    until = today + timedelta(days=days)
    schedules = list(
        PmSchedule.objects.filter(site=site, active=True)
        .select_related("site", "asset", "meter")
        .prefetch_related("job_plan__tasks__craft")
    )
    lasts = last_occurrences(schedules)
    occurrences: list[tuple[date, PmSchedule]] = []
    for schedule in schedules:
        last = lasts.get(schedule.pk)
        occurrences += [(day, schedule) for day in _project(schedule, today=today, until=until, last=last)]
    occurrences.sort(key=lambda item: (item[0], item[1].asset.code))
    first_monday = today - timedelta(days=today.weekday())
    weeks = [first_monday + timedelta(weeks=n) for n in range((until - first_monday).days // 7 + 1)]
    hours: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(weeks))
    for day, schedule in occurrences:
        week = (day - first_monday).days // 7
        tasks = schedule.job_plan.tasks.all() if schedule.job_plan else []
        for task in tasks:
            hours[task.craft.name if task.craft else "Any craft"][week] += task.estimated_hours
    return Forecast(today, weeks, sorted(hours), dict(hours), occurrences)


def _project(schedule: PmSchedule, *, today: date, until: date, last: PmOccurrence | None) -> list[date]:
    due = next_due(schedule, today=today, last=last)
    if due is None:
        return []
    days = [max(due.due_date, today)]
    if schedule.trigger != Trigger.CALENDAR:
        return [d for d in days if d <= until]
    step = (schedule.interval, schedule.interval_unit)
    while len(days) < 400:
        if schedule.mode == CalendarMode.FLOATING:
            following = calendar.after(days[-1], 1, *step)
        else:
            n = 1
            following = calendar.after(days[-1], n, *step)
            while not calendar.in_season(following, schedule.season_start_month, schedule.season_end_month):
                n += 1
                following = calendar.after(days[-1], n, *step)
        if following > until:
            break
        days.append(following)
    return [d for d in days if d <= until]


@dataclass(frozen=True)
class Compliance:
    due: int
    on_time: int
    grace_days: int

    @property
    def ratio(self) -> Decimal | None:
        return None if not self.due else Decimal(self.on_time) / Decimal(self.due)


def compliance(site: Site, *, start: date, end: date, asset_ids: list[int] | None = None) -> Compliance:
    """PM work due in [start, end), not cancelled, and what of it was completed by due date + the
    site's grace (SMRP 5.4.14), of the site or of some of its assets: the occurrences of PM schedules
    (due when the schedule said) and the preventive and inspection WOs made by hand or imported (due
    on their due date). Completion is compared as a date: completed on the last day of grace is on time."""
    grace = grace_days(site)
    occurrences = PmOccurrence.objects.filter(schedule__site=site, due_date__gte=start, due_date__lt=end)
    by_hand = pm_by_hand(WorkOrder.objects.filter(site=site, due_date__gte=start, due_date__lt=end))
    if asset_ids is not None:
        occurrences = occurrences.filter(work_order__asset_id__in=asset_ids)
        by_hand = by_hand.filter(asset_id__in=asset_ids)
    occurrences = occurrences.exclude(work_order__status=WorkOrderStatus.CANCELLED)
    a = occurrences.aggregate(due=Count("pk"), on_time=Count("pk", filter=done_on_time(grace)))
    b = by_hand.aggregate(due=Count("pk"), on_time=Count("pk", filter=done_on_time(grace, prefix="", due="due_date")))
    return Compliance(a["due"] + b["due"], a["on_time"] + b["on_time"], grace)


def pm_by_hand(work_orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Of these WOs, the PM work no schedule made (by hand, through the API, imported): preventive and
    inspection WOs with a due date, not cancelled. They count in PM compliance by their due date."""
    return work_orders.filter(pm_occurrence__isnull=True, type__in=PM_BY_HAND_TYPES, due_date__isnull=False).exclude(
        status=WorkOrderStatus.CANCELLED
    )


def done_on_time(grace_days: int, *, prefix: str = "work_order__", due: str | Expression = "due_date") -> Q:
    """SMRP 5.4.14: a PM WO done (completed or closed) by its due date + grace, compared as dates
    (completed on the last day of grace is on time). `prefix` leads from the rows to the WO (on PM
    occurrences, the default: `work_order__`); `due` is the due date's field or expression."""
    due_date = F(due) if isinstance(due, str) else due
    deadline = ExpressionWrapper(due_date + timedelta(days=grace_days), output_field=DateField())
    return Q(**{f"{prefix}status__in": DONE_STATUSES, f"{prefix}completed_at__date__lte": deadline})
