"""The demo's preventive maintenance: job plans, schedules by calendar and meter, PM WOs done on time and late."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from plantwright.accounts.models import Site, User
from plantwright.assets.models import Asset
from plantwright.demo.maintenance import _backdate
from plantwright.inventory.models import Part
from plantwright.maintenance import services
from plantwright.maintenance.models import (
    Craft,
    WorkOrder,
)
from plantwright.maintenance.services import log_labor


def build_pm(site: Site, planner: User, techs: list[User], rng: random.Random, now) -> None:
    """Job plans and schedules, and a year of PM history: most done on time, some late, a few missed
    (still open and overdue), so PM compliance and the forecast have something to show."""
    from plantwright.assets.models import Meter, MeterReading
    from plantwright.pm.models import JobPlan, JobPlanCheck, JobPlanPart, JobPlanTask, PmSchedule, PmSettings
    from plantwright.pm.services import generate_due_work_orders, next_due

    PmSettings.objects.create(site=site, grace_days=3)
    crafts = {craft.code: craft for craft in Craft.objects.all()}
    plans = {}
    for code, name, tasks, checks in PM_PLANS:
        plan = JobPlan.objects.create(site=site, code=code, name=name, safety_notes=PM_SAFETY)
        for position, (text, craft, hours) in enumerate(tasks, start=1):
            JobPlanTask.objects.create(
                plan=plan, position=position * 10, description=text, craft=crafts[craft], estimated_hours=Decimal(hours)
            )
        for position, (text, upper, unit) in enumerate(checks, start=1):
            JobPlanCheck.objects.create(
                plan=plan,
                position=position * 10,
                text=text,
                kind="value" if upper else "pass_fail",
                upper_limit=Decimal(upper) if upper else None,
                unit=unit,
            )
        plans[code] = plan
    JobPlanPart.objects.create(plan=plans["PUMP-Q"], part=Part.objects.get(part_number="SEAL-MS-35"), quantity=1)

    today = site.local_date(now)
    start = today - timedelta(days=365)
    assets = {a.code: a for a in Asset.objects.filter(site=site)}
    hours = Meter.objects.create(
        asset=assets["CMP-01"], code="run-h", name="Running hours", unit="h", max_rate_per_hour=1
    )
    value = Decimal(12000)
    for day in range(0, 366, 3):  # a reading every third day, 14 to 22 h of running a day
        MeterReading.objects.create(meter=hours, value=value, read_at=now - timedelta(days=365 - day), source="demo")
        value += Decimal(rng.randint(42, 66))
    meter_fields = {"trigger": "meter", "meter": hours, "meter_interval": Decimal(2000), "meter_start": Decimal(12000)}
    schedules = [
        ("Compressor monthly inspection", "CMP-01", "COMP-M", {"interval": 1, "interval_unit": "months"}),
        ("Compressor 2 monthly inspection", "CMP-02", "COMP-M", {"interval": 1, "interval_unit": "months"}),
        ("Compressor service every 2,000 h", "CMP-01", "COMP-S", meter_fields),
        ("Boiler weekly checks", "BLR-01", "BLR-W", {"interval": 1, "interval_unit": "weeks", "mode": "floating"}),
        ("Chiller season service", "CHL-01", "COMP-M", {"interval": 1, "season_start_month": 4, "season_end_month": 9}),
        ("Product pump quarterly, line 1", "L1-FIL-03", "PUMP-Q", {"interval": 3, "interval_unit": "months"}),
        ("Product pump quarterly, line 2", "L2-FIL-03", "PUMP-Q", {"interval": 3, "interval_unit": "months"}),
    ]
    for name, asset_code, plan_code, fields in schedules:
        PmSchedule.objects.create(
            site=site,
            asset=assets[asset_code],
            job_plan=plans[plan_code],
            name=name,
            starts_on=start + timedelta(days=rng.randint(3, 25)),
            lead_days=7,
            **fields,
        )

    # Walk through the year: generate as the worker would, and do each PM when its fate says. A
    # schedule is asked only from the day its next occurrence enters its lead time (or, floating, once
    # its open WO is done): the same WOs as asking every schedule every step, at a fraction of the cost.
    done_on: dict[int, date] = {}  # WO id -> the day it gets done; missed ones never get a day
    decided: set[int] = set()
    ask_on: dict[int, date | None] = {
        pk: start for pk in PmSchedule.objects.filter(site=site).values_list("pk", flat=True)
    }
    day = start
    while day <= today:
        asking = [pk for pk, when in ask_on.items() if when is not None and when <= day]
        if asking:
            generate_due_work_orders(now=now - timedelta(days=(today - day).days), site=site, schedule_ids=asking)
            for schedule in PmSchedule.objects.filter(pk__in=asking):
                upcoming = next_due(schedule, today=day)
                ask_on[schedule.pk] = upcoming.due_date - timedelta(days=schedule.lead_days) if upcoming else None
        pending = WorkOrder.objects.filter(site=site, origin="pm").exclude(pk__in=decided)
        for work_order in pending.select_related("pm_occurrence__schedule"):
            decided.add(work_order.pk)
            roll, due = rng.random(), work_order.due_date
            if roll < 0.08 and work_order.pm_occurrence.schedule.mode == "fixed":
                continue  # missed: stays open and overdue (a floating schedule would wait for it for ever)
            late = roll < 0.23
            done_on[work_order.pk] = due + timedelta(days=rng.randint(5, 20) if late else rng.randint(-3, 2))
        for pk in [pk for pk, when in done_on.items() if when <= day]:
            work_order = WorkOrder.objects.select_related("pm_occurrence").get(pk=pk)
            _complete_pm(work_order, rng.choice(techs), done_on.pop(pk), rng, now)
            ask_on[work_order.pm_occurrence.schedule_id] = day  # a floating schedule counts from it
        day += timedelta(days=3)  # within the 7 days of lead time: no occurrence is skipped


def _complete_pm(work_order: WorkOrder, tech: User, done_on: date, rng: random.Random, now) -> None:
    from plantwright.maintenance.services import record_check

    zone = work_order.site.zone
    finished = min(datetime(done_on.year, done_on.month, done_on.day, 14, tzinfo=zone), now)
    services.transition_work_order(tech, work_order, to="in_progress")
    for check in work_order.checks.all():
        if check.kind == "value":  # now and then above the limit: a follow-up WO
            reading = check.upper_limit * Decimal(rng.randint(55, 104)) / 100
            record_check(tech, check, value=reading.quantize(Decimal("0.1")))
        else:
            record_check(tech, check, result="fail" if rng.random() < 0.03 else "pass")
    planned = sum((t.estimated_hours for t in work_order.tasks.all()), Decimal(0))
    if planned:
        log_labor(tech, work_order, technician_id=tech.pk, hours=planned, work_date=done_on)
    work_order.tasks.update(done=True)
    services.transition_work_order(tech, work_order, to="completed", completed_at=finished)
    _backdate(work_order, finished)


PM_SAFETY = "Lock out and tag out before opening; gloves and goggles."


PM_PLANS = [
    (
        "COMP-M",
        "Compressor monthly inspection",
        [("Check oil level and leaks", "mech", "0.5"), ("Clean intake filter", "mech", "0.5")],
        [("Discharge temperature", "105", "°C"), ("No air leaks at fittings", None, "")],
    ),
    (
        "COMP-S",
        "Compressor 2,000 h service",
        [("Change oil and filter", "mech", "2"), ("Replace separator", "mech", "1.5"), ("Megger motor", "elec", "1")],
        [("Motor current at full load", "95", "A")],
    ),
    (
        "BLR-W",
        "Boiler weekly checks",
        [("Blow down, test low-water cut-off", "mech", "0.5"), ("Check burner flame", "elec", "0.25")],
        [("Low-water cut-off trips", None, ""), ("Stack temperature", "220", "°C")],
    ),
    (
        "PUMP-Q",
        "Product pump quarterly service",
        [("Check alignment", "mech", "1.5"), ("Megger the motor", "elec", "0.5")],
        [("Seal leak-free", None, ""), ("Bearing temperature", "80", "°C"), ("Vibration", "4.5", "mm/s")],
    ),
]
