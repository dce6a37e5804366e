"""PM generation: when WOs are created, with what, and never twice."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from plantwright.assets.models import Meter, MeterReading
from plantwright.maintenance.models import WorkOrder, WorkOrderStatus
from plantwright.maintenance.services import transition_work_order
from plantwright.pm.models import PmOccurrence
from plantwright.pm.services import generate_due_work_orders
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def due_dates(schedule) -> list[date]:
    return list(schedule.occurrences.order_by("sequence").values_list("due_date", flat=True))


def run_through(schedule, first: date, last: date) -> None:
    """Generation once a day over the period, completing each WO on its due date."""
    day = first
    while day <= last:
        generate_due_work_orders(now=at(day))
        day += timedelta(days=1)


def complete(work_order: WorkOrder, user, on: date) -> None:
    WorkOrder.objects.filter(pk=work_order.pk).update(status=WorkOrderStatus.IN_PROGRESS)
    work_order.refresh_from_db()
    transition_work_order(user, work_order, to="completed", completed_at=at(on, 10))


def test_the_wo_carries_the_job_plan(schedule_for, job_plan, site):
    schedule_for(job_plan=job_plan, starts_on=date(2026, 3, 10), lead_days=7)
    assert generate_due_work_orders(now=at(date(2026, 3, 2))) == 0  # 8 days ahead: not yet
    assert generate_due_work_orders(now=at(date(2026, 3, 3))) == 1
    occurrence = PmOccurrence.objects.get()
    work_order = occurrence.work_order
    assert (work_order.type, work_order.status, work_order.origin) == ("preventive", "approved", "pm")
    assert work_order.due_date == date(2026, 3, 10) and not work_order.is_failure and work_order.planned
    assert [t.description for t in work_order.tasks.all()] == ["Check alignment", "Megger the motor"]
    assert sum(t.estimated_hours for t in work_order.tasks.all()) == Decimal("2.0")
    assert [c.text for c in work_order.checks.all()] == ["Seal leak-free", "Bearing temperature"]
    assert "LOTO-7" in work_order.description
    # No seal in stock: a draft parts request for it, for the planner to submit.
    [request] = work_order.parts_requests.all()
    assert request.status == "draft" and [(line.part.part_number, line.quantity) for line in request.lines.all()] == [
        ("SEAL-40", Decimal(2))
    ]
    assert generate_due_work_orders(now=at(date(2026, 3, 3))) == 0  # idempotent


def test_standard_parts_in_stock_are_reserved_until_none_is_left(schedule_for, job_plan, site, technician):
    from plantwright.inventory.models import StockReservation
    from plantwright.inventory.services import available, issue_part
    from plantwright.testing.factories import part, storeroom

    store, seal = storeroom(site), part("SEAL-40")
    from plantwright.inventory.models import StockLevel

    StockLevel.objects.create(part=seal, storeroom=store, quantity_on_hand=3, average_cost=Decimal(12))
    schedule_for(job_plan=job_plan, interval=1, interval_unit="weeks", starts_on=date(2026, 3, 2), lead_days=8)
    generate_due_work_orders(now=at(date(2026, 3, 2)))  # due 2 and 9 March: two WOs, 2 seals each
    first, second = WorkOrder.objects.filter(origin="pm").order_by("due_date")
    assert StockReservation.objects.get().work_order == first and available(seal, store) == 1
    assert second.parts_requests.get().lines.get().quantity == 2  # only one left: requested
    WorkOrder.objects.filter(pk=first.pk).update(status="in_progress")
    issue_part(technician, first, part_id=seal.pk, storeroom_id=store.pk, quantity=Decimal(2))
    assert available(seal, store) == 1  # issued: no longer reserved, and no longer on hand


def test_fixed_monthly_from_the_31st_follows_month_ends_and_leap_years(schedule_for):
    schedule = schedule_for(starts_on=date(2028, 1, 31))
    run_through(schedule, date(2028, 1, 25), date(2028, 5, 31))
    assert due_dates(schedule) == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30),
                                   date(2028, 5, 31)]  # fmt: skip


def test_fixed_stays_on_the_calendar_floating_counts_from_a_late_completion(schedule_for, planner):
    fixed = schedule_for(name="fixed", starts_on=date(2026, 1, 10))
    floating = schedule_for(name="floating", starts_on=date(2026, 1, 10), mode="floating")
    generate_due_work_orders(now=at(date(2026, 1, 10)))
    for schedule in (fixed, floating):
        complete(schedule.occurrences.get().work_order, planner, date(2026, 1, 25))  # 15 days late
    run_through(fixed, date(2026, 1, 11), date(2026, 3, 1))
    assert due_dates(fixed) == [date(2026, 1, 10), date(2026, 2, 10)]
    assert due_dates(floating) == [date(2026, 1, 10), date(2026, 2, 25)]


def test_floating_waits_for_the_open_wo(schedule_for):
    schedule = schedule_for(starts_on=date(2026, 1, 10), mode="floating", interval=1, interval_unit="weeks")
    run_through(schedule, date(2026, 1, 10), date(2026, 3, 1))
    assert due_dates(schedule) == [date(2026, 1, 10)]  # never completed: no second one


def test_a_season_skips_the_months_outside_it(schedule_for):
    schedule = schedule_for(starts_on=date(2026, 1, 15), season_start_month=4, season_end_month=6)
    run_through(schedule, date(2026, 1, 1), date(2026, 12, 31))
    assert due_dates(schedule) == [date(2026, 4, 15), date(2026, 5, 15), date(2026, 6, 15)]


def test_a_schedule_that_fell_behind_catches_up_with_one_wo(schedule_for):
    schedule = schedule_for(starts_on=date(2025, 1, 31), interval=1, interval_unit="months")
    generate_due_work_orders(now=at(date(2026, 3, 5)))
    assert due_dates(schedule) == [date(2026, 2, 28)]  # not a WO for each month missed


def test_the_due_date_is_the_sites_local_date_across_a_dst_change(schedule_for, site):
    site.timezone = "America/New_York"
    site.save()
    schedule = schedule_for(starts_on=date(2026, 3, 8), interval=1, interval_unit="days")  # DST starts 8 March
    generate_due_work_orders(now=datetime(2026, 3, 8, 4, 30, tzinfo=UTC))  # 23:30 on the 7th in New York
    assert due_dates(schedule) == []
    generate_due_work_orders(now=datetime(2026, 3, 8, 5, 30, tzinfo=UTC))  # 00:30 EST on the 8th
    generate_due_work_orders(now=datetime(2026, 3, 9, 4, 30, tzinfo=UTC))  # 00:30 EDT on the 9th
    assert due_dates(schedule) == [date(2026, 3, 8), date(2026, 3, 9)]


def test_meter_schedule_estimates_from_irregular_readings(schedule_for, asset):
    meter = Meter.objects.create(asset=asset, code="run-h", name="Running hours", unit="h")
    schedule = schedule_for(trigger="meter", interval=None, meter=meter, meter_interval=Decimal(250),
                            meter_start=Decimal(1000), lead_days=7, starts_on=date(2026, 1, 1))  # fmt: skip
    t0 = datetime(2026, 1, 1, 8, tzinfo=UTC)
    for days, value in ((0, 1000), (3, 1030), (10, 1100)):  # irregular: 10 h a day on average
        MeterReading.objects.create(meter=meter, value=value, read_at=t0 + timedelta(days=days), source="t")
    generate_due_work_orders(now=t0 + timedelta(days=17))  # due at 1250 ≈ day 25; lead 7 → from day 18
    assert due_dates(schedule) == []
    generate_due_work_orders(now=t0 + timedelta(days=18, hours=1))
    occurrence = schedule.occurrences.get()
    assert occurrence.due_date == date(2026, 1, 26) and occurrence.due_meter == Decimal(1250)


def test_meter_already_past_its_due_value_is_due_today(schedule_for, asset):
    meter = Meter.objects.create(asset=asset, code="cycles", name="Cycles", unit="cycles")
    schedule = schedule_for(trigger="meter", interval=None, meter=meter, meter_interval=Decimal(500),
                            meter_start=Decimal(0), starts_on=date(2026, 1, 1))  # fmt: skip
    MeterReading.objects.create(meter=meter, value=620, read_at=datetime(2026, 2, 1, tzinfo=UTC), source="t")
    generate_due_work_orders(now=datetime(2026, 2, 2, 9, tzinfo=UTC))
    assert due_dates(schedule) == [date(2026, 2, 2)]
    generate_due_work_orders(now=datetime(2026, 2, 2, 10, tzinfo=UTC))
    assert len(due_dates(schedule)) == 1  # the next is due at 1,000


def test_whichever_comes_first(schedule_for, asset):
    meter = Meter.objects.create(asset=asset, code="run-h", name="Running hours", unit="h")
    schedule = schedule_for(trigger="either", interval=6, interval_unit="months", starts_on=date(2026, 7, 1),
                            meter=meter, meter_interval=Decimal(500), meter_start=Decimal(0))  # fmt: skip
    MeterReading.objects.create(meter=meter, value=0, read_at=datetime(2026, 1, 1, tzinfo=UTC), source="t")
    MeterReading.objects.create(meter=meter, value=510, read_at=datetime(2026, 3, 1, tzinfo=UTC), source="t")
    generate_due_work_orders(now=datetime(2026, 3, 2, 9, tzinfo=UTC))
    assert due_dates(schedule) == [date(2026, 3, 2)]  # the meter came first


@pytest.mark.django_db(transaction=True)
def test_two_generators_at_once_make_each_wo_once(site, asset):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter (SQLite serialises them)")
    from plantwright.pm.models import PmSchedule

    for n in range(5):
        PmSchedule.objects.create(site=site, asset=asset, name=f"weekly {n}", interval=1, interval_unit="weeks",
                                  starts_on=date(2026, 1, 5), lead_days=14)  # fmt: skip
    now = at(date(2026, 1, 5))
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            generate_due_work_orders(now=now)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # Due 5, 12 and 19 January are within 14 days of the 5th: three per schedule, each once.
    assert PmOccurrence.objects.count() == 15 and WorkOrder.objects.filter(origin="pm").count() == 15


def test_other_sites_schedules_are_theirs(other_site):
    asset = factories.AssetFactory(site=other_site, code="X-1")
    from plantwright.pm.models import PmSchedule

    PmSchedule.objects.create(site=other_site, asset=asset, name="x", interval=1, starts_on=date(2026, 1, 1))
    assert generate_due_work_orders(now=at(date(2026, 1, 1)), site=factories.SiteFactory(code="north")) == 0
