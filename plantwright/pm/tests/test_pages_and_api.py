"""PM pages and API: schedules, forecast, generating now, compliance; the WO's plan section."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from plantwright.maintenance.models import WorkOrder, WorkOrderStatus
from plantwright.pm.models import PmOccurrence
from plantwright.pm.selectors import compliance, forecast
from plantwright.pm.services import generate_due_work_orders, set_grace_days

pytestmark = pytest.mark.django_db


def test_forecast_adds_up_craft_hours_per_week(schedule_for, job_plan, site):
    schedule_for(job_plan=job_plan, interval=2, interval_unit="weeks", starts_on=date(2026, 12, 2))
    data = forecast(site, today=date(2026, 11, 30), days=28)  # a Monday
    assert [day for day, _ in data.occurrences] == [date(2026, 12, 2), date(2026, 12, 16)]
    assert data.crafts == ["Electrician", "Mechanic"]
    assert data.hours["Mechanic"][:4] == [Decimal("1.5"), 0, Decimal("1.5"), 0]
    assert data.peak == Decimal("2.0") and not PmOccurrence.objects.exists()  # nothing created


def test_the_forecast_reads_the_same_number_of_queries_for_any_number_of_schedules(schedule_for, job_plan, site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            forecast(site, today=date(2026, 11, 30), days=28)
        return len(captured.captured_queries)

    for _ in range(2):
        schedule_for(job_plan=job_plan, interval=1, interval_unit="weeks", starts_on=date(2026, 11, 1))
    generate_due_work_orders(now=datetime(2026, 11, 30, 8, tzinfo=UTC), site=site)  # occurrences (and WOs) now
    few = queries()
    for _ in range(6):
        schedule_for(job_plan=job_plan, interval=1, interval_unit="weeks", starts_on=date(2026, 11, 1))
    assert queries() == few


def test_the_forecast_page_draws_the_load(as_user, planner, schedule_for, job_plan, site):
    schedule_for(job_plan=job_plan, interval=1, interval_unit="weeks", starts_on=timezone.now().date())
    page = as_user(planner).get(f"/pm/forecast/?site={site.pk}")
    assert page.status_code == 200 and b"<rect" in page.content and b"Mechanic" in page.content


def test_schedules_page_and_generate_now(
    as_user, planner, technician, schedule_for, site, django_assert_max_num_queries
):
    for n in range(3):
        schedule_for(name=f"check {n}", starts_on=timezone.now().date())
    client = as_user(planner)
    assert client.post(f"/pm/sites/{site.pk}/generate/").status_code == 302
    assert WorkOrder.objects.filter(origin="pm").count() == 3
    with django_assert_max_num_queries(12):  # not a query per schedule
        page = client.get(f"/pm/?site={site.pk}")
    assert page.status_code == 200 and page.content.count(b"check ") == 3
    assert as_user(technician).post(f"/pm/sites/{site.pk}/generate/").status_code == 403


def test_grace_is_set_by_planners_within_bounds(as_user, planner, technician, site):
    assert as_user(planner).post(f"/pm/sites/{site.pk}/grace/", {"grace_days": "5"}).status_code == 302
    assert compliance(site, start=date(2026, 1, 1), end=date(2027, 1, 1)).grace_days == 5
    as_user(planner).post(f"/pm/sites/{site.pk}/grace/", {"grace_days": "500"})
    assert compliance(site, start=date(2026, 1, 1), end=date(2027, 1, 1)).grace_days == 5
    assert as_user(technician).post(f"/pm/sites/{site.pk}/grace/", {"grace_days": "1"}).status_code == 403


def test_pm_wos_made_by_hand_count_in_compliance_by_their_due_date(site, planner, asset, api_as):
    """Preventive and inspection WOs with a due date count whoever made them (hand, API, import)."""
    from plantwright.reliability.kpis import kpis
    from plantwright.reliability.periods import Period, Scope
    from plantwright.testing import factories

    set_grace_days(planner, site, 3)

    def wo(type_, due, done=None, status=None):
        completed = datetime(done.year, done.month, done.day, 15, tzinfo=UTC) if done else None
        return factories.WorkOrderFactory(
            asset=asset, type=type_, due_date=due, completed_at=completed,
            status=status or ("completed" if done else "approved"),
        )  # fmt: skip

    wo("preventive", date(2026, 3, 2), done=date(2026, 3, 5))  # last day of grace: on time
    wo("inspection", date(2026, 3, 9), done=date(2026, 3, 13))  # a day late
    wo("preventive", date(2026, 3, 20))  # open, overdue
    wo("preventive", date(2026, 3, 21), status="cancelled")  # not counted
    wo("corrective", date(2026, 3, 22), done=date(2026, 3, 22))  # not PM work
    wo("preventive", None, done=date(2026, 3, 22))  # no due date: nothing to be on time for
    wo("inspection", date(2026, 4, 1), done=date(2026, 4, 1))  # another month

    result = compliance(site, start=date(2026, 3, 1), end=date(2026, 4, 1))
    assert (result.due, result.on_time) == (3, 1)
    status, body = api_as(planner).get(f"/pm/compliance?site={site.pk}&from=2026-03-01&to=2026-04-01")
    third = Decimal(1) / Decimal(3)
    assert status == 200 and Decimal(body["pm_compliance"]) == third  # 28 significant digits, not 0.3333
    figures = kpis(Scope((site.pk,)), Period.of(date(2026, 3, 1), date(2026, 4, 1)))
    assert figures.pm_compliance == third  # the reliability KPI counts the same WOs


def test_compliance_counts_completion_by_due_date_plus_grace(schedule_for, site, planner, api_as):
    set_grace_days(planner, site, 3)
    schedule_for(starts_on=date(2026, 1, 10))
    for month in range(1, 6):
        generate_due_work_orders(now=datetime(2026, month, 10, 12, tzinfo=UTC))
    occurrences = list(PmOccurrence.objects.order_by("sequence").select_related("work_order"))
    done = {1: date(2026, 1, 10), 2: date(2026, 2, 13), 3: date(2026, 3, 14)}  # on time, last day of grace, late
    for occurrence in occurrences:
        if occurrence.sequence in done:
            day = done[occurrence.sequence]
            WorkOrder.objects.filter(pk=occurrence.work_order_id).update(
                status=WorkOrderStatus.COMPLETED, completed_at=datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
            )
    WorkOrder.objects.filter(pk=occurrences[4].work_order_id).update(status=WorkOrderStatus.CANCELLED)
    result = compliance(site, start=date(2026, 1, 1), end=date(2026, 6, 1))
    assert (result.due, result.on_time) == (4, 2)  # #4 open and overdue, #5 cancelled: not counted
    status, body = api_as(planner).get(f"/pm/compliance?site={site.pk}&from=2026-01-01&to=2026-06-01")
    assert status == 200 and Decimal(body["pm_compliance"]) == Decimal("0.5") and body["due"] == 4
    assert (
        api_as(planner).get(f"/pm/compliance?site={site.pk}&from=2026-07-01&to=2026-08-01")[1]["pm_compliance"] is None
    )
    assert api_as(planner).get(f"/pm/compliance?site={site.pk}&from=2026-07-01&to=2026-06-01")[0] == 422


def test_api_lists_forecasts_and_generates(api_as, planner, technician, schedule_for, job_plan, site, other_site):
    schedule_for(job_plan=job_plan, starts_on=timezone.now().date())
    api = api_as(planner)
    status, body = api.get(f"/pm/forecast?site={site.pk}&days=30")
    assert status == 200 and body["occurrences"] and "Mechanic" in body["weeks"][0]["hours"] | body["weeks"][1]["hours"]
    assert api.post("/pm/generate", {"site": site.pk}) == (200, {"created": 1})
    status, body = api.get(f"/pm/schedules?site={site.pk}")
    assert body["items"][0]["open_count"] == 1 and body["items"][0]["last_status"] == "approved"
    assert api_as(technician).post("/pm/generate", {"site": site.pk})[0] == 403
    assert api.post("/pm/generate", {"site": other_site.pk})[0] == 404
    assert api.post("/pm/generate", {"site": "1"})[0] == 422
    assert api.get(f"/pm/forecast?site={other_site.pk}")[0] == 404


def test_the_wo_page_records_the_checklist_with_htmx(as_user, technician, requester, schedule_for, job_plan, site):
    schedule_for(job_plan=job_plan, starts_on=timezone.now().date())
    generate_due_work_orders()
    work_order = WorkOrder.objects.get(origin="pm")
    WorkOrder.objects.filter(pk=work_order.pk).update(status="in_progress")
    client = as_user(technician)
    page = client.get(f"/work-orders/{work_order.pk}/")
    assert b"Inspection checklist" in page.content and b"Megger the motor" in page.content
    temperature = work_order.checks.get(position=20)
    answer = client.post(
        f"/work-orders/{work_order.pk}/checks/{temperature.pk}/", {"value": "91,5"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and b"follow-up WO-" in answer.content
    bad = client.post(
        f"/work-orders/{work_order.pk}/checks/{temperature.pk}/", {"value": "hot"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 422 and b"not a number" in bad.content
    task = work_order.tasks.first()
    assert client.post(f"/work-orders/{work_order.pk}/tasks/{task.pk}/", {"done": "1"}).status_code == 302
    task.refresh_from_db()
    assert task.done
    denied = as_user(requester).post(
        f"/work-orders/{work_order.pk}/tasks/{task.pk}/", {"done": "0"}, HTTP_HX_REQUEST="true"
    )
    assert denied.status_code == 403


def _schedule_post(asset, **fields):
    data = {"name": "Weekly greasing", "asset": asset.pk, "trigger": "calendar", "mode": "fixed", "interval": "1",
            "interval_unit": "weeks", "starts_on": "2026-12-01", "lead_days": "3", "priority": "medium",
            "work_order_type": "preventive", "active": "on"}  # fmt: skip
    return {**data, **fields}


def test_planners_create_and_change_schedules(as_user, planner, technician, site, asset, other_site):
    from plantwright.assets.models import Meter
    from plantwright.pm.models import PmSchedule
    from plantwright.testing import factories

    client = as_user(planner)
    assert client.get(f"/pm/sites/{site.pk}/schedules/new/").status_code == 200
    assert client.post(f"/pm/sites/{site.pk}/schedules/new/", _schedule_post(asset)).status_code == 302
    schedule = PmSchedule.objects.get()
    assert (schedule.interval, schedule.interval_unit, schedule.lead_days) == (1, "weeks", 3)
    changed = client.post(f"/pm/sites/{site.pk}/schedules/{schedule.pk}/", _schedule_post(asset, lead_days="5"))
    assert changed.status_code == 302 and PmSchedule.objects.get().lead_days == 5

    no_interval = client.post(f"/pm/sites/{site.pk}/schedules/new/", _schedule_post(asset, interval=""))
    assert no_interval.status_code == 422 and b"needs its interval" in no_interval.content
    other_machine = factories.AssetFactory(site=site, code="P-102")
    wrong_meter = Meter.objects.create(asset=other_machine, code="run-h", name="h", unit="h")
    bad = client.post(f"/pm/sites/{site.pk}/schedules/new/",
                      _schedule_post(asset, trigger="meter", meter=wrong_meter.pk, meter_interval="500"))  # fmt: skip
    assert bad.status_code == 422 and b"meter of the asset" in bad.content
    half_season = client.post(f"/pm/sites/{site.pk}/schedules/new/", _schedule_post(asset, season_start_month="4"))
    assert half_season.status_code == 422
    assert PmSchedule.objects.count() == 1
    assert as_user(technician).get(f"/pm/sites/{site.pk}/schedules/new/").status_code == 403
    assert client.get(f"/pm/sites/{other_site.pk}/schedules/new/").status_code == 404
