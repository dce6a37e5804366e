"""PM generation: which occurrence of a schedule is due next, and its WO, created once.

Generation runs every few minutes on every outbox worker and may run on several at once: each
schedule is locked while its next occurrence is decided and created, and an occurrence's sequence
number is unique, so the same occurrence never gets two WOs.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.assets.models import MeterReading
from plantwright.core.errors import ValidationFailed
from plantwright.core.formatting import plain
from plantwright.inventory.services import reserve_for_work_order
from plantwright.maintenance.models import DONE_STATUSES, WorkOrderOrigin, WorkOrderStatus
from plantwright.maintenance.services import add_plan, open_work_order_by_rule
from plantwright.pm import calendar
from plantwright.pm.models import CalendarMode, PmOccurrence, PmSchedule, PmSettings, Trigger
from plantwright.procurement.services import create_parts_request

SYSTEM_USERNAME = "plantwright-pm"
# A schedule never makes more WOs than this in one run (a daily PM with a long lead time, a catch-up).
MAX_PER_RUN = 31
# Meter rate for the due-date estimate: the readings of this many days before the newest one.
RATE_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class NextDue:
    sequence: int
    due_date: date
    due_meter: Decimal | None = None


_LOOK_UP = object()


def last_occurrences(schedules: list[PmSchedule]) -> dict[int, PmOccurrence]:
    """Each schedule's latest occurrence (with its WO), for many schedules in one query."""
    latest = PmOccurrence.objects.filter(schedule=OuterRef("schedule")).order_by("-sequence").values("pk")[:1]
    rows = PmOccurrence.objects.filter(schedule__in=schedules, pk=Subquery(latest)).select_related("work_order")
    return {occurrence.schedule_id: occurrence for occurrence in rows}


def next_due(schedule: PmSchedule, *, today: date, last: PmOccurrence | None = _LOOK_UP) -> NextDue | None:
    """The next occurrence not generated yet, or None: a floating schedule whose last WO is still open,
    a meter schedule without enough readings to tell. Pass `last` (see `last_occurrences`) when
    asking for many schedules."""
    if last is _LOOK_UP:
        last = schedule.occurrences.select_related("work_order").order_by("-sequence").first()
    settled = (*DONE_STATUSES, WorkOrderStatus.CANCELLED)
    if last is not None and schedule.mode == CalendarMode.FLOATING and last.work_order.status not in settled:
        return None  # floating: the next one is counted from this one's completion
    candidates, due_meter = [], None
    if schedule.trigger in (Trigger.CALENDAR, Trigger.EITHER):
        candidates.append(_calendar_due(schedule, last, today))
    if schedule.trigger in (Trigger.METER, Trigger.EITHER):
        due_meter, estimate = _meter_due(schedule, last, today)
        if estimate is not None:
            candidates.append(estimate)
    if not candidates:
        return None
    return NextDue((last.sequence + 1) if last else 1, min(candidates), due_meter)


def _calendar_due(schedule: PmSchedule, last: PmOccurrence | None, today: date) -> date:
    step = (schedule.interval, schedule.interval_unit)
    if schedule.mode == CalendarMode.FLOATING:
        if last is None:
            due = schedule.starts_on
        elif last.work_order.status == WorkOrderStatus.CANCELLED or last.work_order.completed_at is None:
            due = calendar.after(last.due_date, 1, *step)  # skipped, or missed (history): from when it was due
        else:
            completed = schedule.site.local_date(last.work_order.completed_at)
            due = calendar.after(completed, 1, *step)
        return _into_season(schedule, due)
    # Fixed: the n-th date from the anchor after the last one generated, in season. A schedule that
    # fell behind (created late, generation stopped) catches up to the latest date already due
    # instead of raising a WO for every date it missed.
    n = _index_after(schedule, last.due_date) if last else 0
    while True:
        later = calendar.after(schedule.starts_on, n + 1, *step)
        if later > today or not _in_season(schedule, later):
            break
        n += 1
    while not _in_season(schedule, calendar.after(schedule.starts_on, n, *step)):
        n += 1
    return calendar.after(schedule.starts_on, n, *step)


def _index_after(schedule: PmSchedule, day: date) -> int:
    """The smallest n whose due date (from the anchor) lies after `day`."""
    step = (schedule.interval, schedule.interval_unit)
    span = (day - schedule.starts_on).days
    if schedule.interval_unit == "months":
        estimate = (
            (day.year - schedule.starts_on.year) * 12 + day.month - schedule.starts_on.month
        ) // schedule.interval
    else:
        estimate = span // (schedule.interval * (7 if schedule.interval_unit == "weeks" else 1))
    n = max(estimate - 1, 0)
    while calendar.after(schedule.starts_on, n, *step) <= day:
        n += 1
    return n


def _in_season(schedule: PmSchedule, day: date) -> bool:
    return calendar.in_season(day, schedule.season_start_month, schedule.season_end_month)


def _into_season(schedule: PmSchedule, day: date) -> date:
    """A floating due date outside the season moves to the season's first day."""
    if _in_season(schedule, day):
        return day
    first = date(day.year, schedule.season_start_month, 1)
    return first if first > day else date(day.year + 1, schedule.season_start_month, 1)


def _meter_due(schedule: PmSchedule, last: PmOccurrence | None, today: date) -> tuple[Decimal | None, date | None]:
    """(the meter value the next occurrence is due at, the date the meter should reach it)."""
    readings = MeterReading.objects.filter(meter=schedule.meter)
    newest = readings.order_by("-read_at").first()
    if newest is None:
        return None, None
    if last is None or last.due_meter is None:
        base = schedule.meter_start
        if base is None:
            base = readings.order_by("read_at").values_list("value", flat=True).first()
    elif schedule.mode == CalendarMode.FLOATING and last.work_order.completed_at is not None:
        at_completion = readings.filter(read_at__lte=last.work_order.completed_at).order_by("-read_at").first()
        base = at_completion.value if at_completion else last.due_meter
    else:
        base = last.due_meter
    due_meter = base + schedule.meter_interval
    if newest.value >= due_meter:
        return due_meter, today
    earliest = readings.filter(read_at__gte=newest.read_at - RATE_WINDOW).order_by("read_at").first()
    elapsed_days = (newest.read_at - earliest.read_at).total_seconds() / 86400
    if elapsed_days <= 0 or newest.value <= earliest.value:
        return due_meter, None  # no rate to estimate from yet: due when the meter gets there
    per_day = float(newest.value - earliest.value) / elapsed_days
    days = math.ceil(float(due_meter - newest.value) / per_day)
    return due_meter, schedule.site.local_date(newest.read_at) + timedelta(days=days)


def system_user() -> User:
    """The account PM WOs are created by (it cannot log in)."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "PM", "last_name": "scheduler", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def generate_due_work_orders(
    *, now: datetime | None = None, site: Site | None = None, schedule_ids: list[int] | None = None
) -> int:
    """Create the WOs of every active schedule's occurrences that fall within its lead time (of those
    schedules only, with `schedule_ids`)."""
    now = now or timezone.now()
    actor = system_user()
    schedules = PmSchedule.objects.filter(active=True).select_related("site", "asset", "job_plan", "meter")
    if site is not None:
        schedules = schedules.filter(site=site)
    if schedule_ids is not None:
        schedules = schedules.filter(pk__in=schedule_ids)
    return sum(_generate(actor, schedule.pk, now) for schedule in schedules)


def _generate(actor: User, schedule_id: int, now: datetime) -> int:
    made = 0
    while made < MAX_PER_RUN:
        try:
            with transaction.atomic():
                # One generator per schedule at a time; the second sees what the first created.
                schedule = (
                    PmSchedule.objects.select_for_update(of=("self",))
                    .select_related("site", "asset", "job_plan", "meter")
                    .get(pk=schedule_id)
                )
                today = schedule.site.local_date(now)
                due = next_due(schedule, today=today)
                if due is None or due.due_date - timedelta(days=schedule.lead_days) > today:
                    return made
                _create_occurrence(actor, schedule, due)
        except IntegrityError:
            return made  # another generator made this occurrence (the sequence is unique)
        made += 1
    return made


def _create_occurrence(actor: User, schedule: PmSchedule, due: NextDue) -> PmOccurrence:
    plan = schedule.job_plan
    description = []
    if plan is not None:
        description += [plan.description] if plan.description else []
        description += [f"Safety: {plan.safety_notes}"] if plan.safety_notes else []
    meter_note = f" at {plain(due.due_meter)} {schedule.meter.unit}" if due.due_meter is not None else ""
    work_order = open_work_order_by_rule(
        actor,
        asset=schedule.asset,
        type=schedule.work_order_type,
        title=f"PM: {schedule.name}",
        description="\n".join(description),
        priority=schedule.priority,
        is_failure=False,
        due_date=due.due_date,
        status=WorkOrderStatus.APPROVED,
        origin=WorkOrderOrigin.PM,
        note=f"Generated by PM schedule '{schedule.name}', occurrence {due.sequence}, due {due.due_date}{meter_note}",
    )
    if plan is not None:
        add_plan(
            work_order,
            tasks=[task.copied() for task in plan.tasks.all()],
            checks=[check.copied() for check in plan.checks.all()],
        )
        _stage_parts(actor, work_order, plan, need_by=due.due_date)
    return PmOccurrence.objects.create(
        schedule=schedule, sequence=due.sequence, due_date=due.due_date, due_meter=due.due_meter, work_order=work_order
    )


def _stage_parts(actor: User, work_order, plan, *, need_by: date) -> None:
    """The plan's standard parts: reserved where a storeroom of the site has them available, and what
    none has goes on a draft parts request on the WO for the planner to submit."""
    missing = []
    needed = {"need_by": need_by} if need_by >= work_order.site.local_date() else {}  # not for a catch-up
    for standard in plan.parts.select_related("part"):
        if reserve_for_work_order(work_order, standard.part, standard.quantity) is None:
            missing.append({"part": standard.part_id, "quantity": standard.quantity, **needed})
    if missing:
        create_parts_request(
            actor, work_order, lines=missing, note="Standard parts of the job plan not in stock", by_rule=True
        )


@transaction.atomic
def set_grace_days(actor: User, site: Site, grace_days: int) -> PmSettings:
    authorize(actor, Perm.MANAGE_PM, site.pk)
    if not 0 <= grace_days <= 60:
        raise ValidationFailed("The grace is 0 to 60 days.", details={"field": "grace_days"})
    settings, _ = PmSettings.objects.update_or_create(site=site, defaults={"grace_days": grace_days})
    return settings


def grace_days(site: Site) -> int:
    settings = PmSettings.objects.filter(site=site).first()
    return settings.grace_days if settings else PmSettings._meta.get_field("grace_days").default


SCHEDULE_FIELDS = (
    "name", "asset", "job_plan", "trigger", "mode", "interval", "interval_unit", "starts_on", "meter",
    "meter_interval", "meter_start", "lead_days", "season_start_month", "season_end_month", "priority",
    "work_order_type", "active",
)  # fmt: skip


@transaction.atomic
def save_schedule(actor: User, site: Site, schedule: PmSchedule | None = None, **fields) -> PmSchedule:
    """Create or change a PM schedule of the site (planners). What it generated stays as it is."""
    authorize(actor, Perm.MANAGE_PM, site.pk)
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValidationFailed("These fields cannot be set.", details={"fields": sorted(unknown)})
    if schedule is not None and schedule.site_id != site.pk:
        raise ValidationFailed("The schedule belongs to another site.", details={"field": "schedule"})
    schedule = schedule or PmSchedule(site=site)
    for name, value in fields.items():
        setattr(schedule, name, value)
    if not (schedule.name or "").strip():
        raise ValidationFailed("Name the schedule.", details={"field": "name"})
    if schedule.asset is None or schedule.asset.site_id != site.pk:
        raise ValidationFailed("Choose an asset of this site.", details={"field": "asset"})
    if schedule.job_plan is not None and schedule.job_plan.site_id != site.pk:
        raise ValidationFailed("Choose a job plan of this site.", details={"field": "job_plan"})
    if schedule.trigger in (Trigger.CALENDAR, Trigger.EITHER) and not schedule.interval:
        raise ValidationFailed("A calendar schedule needs its interval.", details={"field": "interval"})
    if schedule.trigger in (Trigger.METER, Trigger.EITHER):
        if schedule.meter is None or schedule.meter.asset_id != schedule.asset_id:
            raise ValidationFailed("Choose a meter of the asset.", details={"field": "meter"})
        if not schedule.meter_interval or schedule.meter_interval <= 0:
            raise ValidationFailed("A meter schedule needs its interval.", details={"field": "meter_interval"})
    if (schedule.season_start_month is None) != (schedule.season_end_month is None):
        raise ValidationFailed("A season has a first and a last month.", details={"field": "season_end_month"})
    schedule.save()
    return schedule
