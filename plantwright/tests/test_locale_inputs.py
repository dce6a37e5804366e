"""Languages without loss (issue 20, first part): a form's date, time and number inputs carry
locale-neutral values whatever the reader's language, so a Turkish planner who saves a form unchanged
changes nothing; chart coordinates are numbers in every language."""

import re
from datetime import date

import pytest

from plantwright.accounts.roles import Role
from plantwright.maintenance.models import WorkOrder
from plantwright.pm.models import PmSchedule
from plantwright.testing import factories
from plantwright.testing.html_forms import NUMBER, not_locale_neutral, read_forms

pytestmark = pytest.mark.django_db


@pytest.fixture
def turkish(planner):
    planner.language = "tr"
    planner.save()
    return planner


def test_a_turkish_planner_saving_a_wo_unchanged_keeps_its_due_date(as_user, turkish, asset, technician):
    work_order = factories.WorkOrderFactory(asset=asset, due_date=date(2026, 12, 9), status="approved")
    client = as_user(turkish)
    forms = read_forms(client.get(f"/work-orders/{work_order.pk}/edit/").content.decode())
    assert not_locale_neutral(forms.inputs) == []
    form = next(f for f in forms.forms if "due_date" in f["data"])
    response = client.post(f"/work-orders/{work_order.pk}/edit/", form["data"])
    assert response.status_code == 302, response.content.decode()[:2000]
    assert WorkOrder.objects.get(pk=work_order.pk).due_date == date(2026, 12, 9)


def test_every_date_time_and_number_input_is_locale_neutral_in_turkish(as_user, turkish, asset, site):
    from plantwright.assets.models import Meter

    Meter.objects.create(asset=asset, code="run-h", name="Running hours", unit="h")
    work_order = factories.WorkOrderFactory(asset=asset, due_date=date(2026, 12, 9), status="in_progress")
    schedule = PmSchedule.objects.create(
        site=site, asset=asset, name="Monthly check", interval=1, starts_on=date(2026, 12, 9)
    )
    client = as_user(turkish)
    for path in (
        f"/work-orders/{work_order.pk}/",
        f"/work-orders/{work_order.pk}/edit/",
        f"/work-orders/{work_order.pk}/parts-requests/new/",
        f"/assets/{asset.pk}/",
        f"/pm/sites/{site.pk}/schedules/{schedule.pk}/",
        "/work-orders/new/",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert not_locale_neutral(read_forms(page.content.decode()).inputs) == [], path


def test_a_turkish_pm_schedule_saved_unchanged_keeps_its_start(as_user, site, asset):
    manager = factories.UserFactory(username="tr-manager", roles=[(site, Role.MANAGER)], language="tr")
    schedule = PmSchedule.objects.create(
        site=site, asset=asset, name="Monthly check", interval=1, starts_on=date(2026, 12, 9)
    )
    client = as_user(manager)
    path = f"/pm/sites/{site.pk}/schedules/{schedule.pk}/"
    form = next(f for f in read_forms(client.get(path).content.decode()).forms if "starts_on" in f["data"])
    response = client.post(path, form["data"])
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PmSchedule.objects.get(pk=schedule.pk).starts_on == date(2026, 12, 9)


def test_chart_coordinates_are_numbers_in_turkish(as_user, turkish, asset, site):
    from datetime import timedelta

    from django.utils import timezone

    from plantwright.downtime.models import DowntimeStop

    started = timezone.now() - timedelta(days=2, hours=3, minutes=17)
    DowntimeStop.objects.create(
        site=site, asset=asset, started_at=started, ended_at=started + timedelta(minutes=37), category="breakdown"
    )
    from decimal import Decimal

    from plantwright.maintenance.models import Craft
    from plantwright.pm.models import JobPlan, JobPlanTask

    plan = JobPlan.objects.create(site=site, code="W", name="Weekly round")
    craft = Craft.objects.get_or_create(code="mech", defaults={"name": "Mechanic"})[0]
    JobPlanTask.objects.create(plan=plan, position=10, description="Look", craft=craft, estimated_hours=Decimal("1.5"))
    PmSchedule.objects.create(
        site=site, asset=asset, job_plan=plan, name="Weekly", interval=1, interval_unit="weeks",
        starts_on=timezone.localdate(),
    )  # fmt: skip
    client = as_user(turkish)
    for path in (f"/assets/{asset.pk}/", f"/pm/forecast/?site={site.pk}"):
        page = client.get(path).content.decode()
        coordinates = re.findall(r'<(?:rect|line|circle|text)[^>]*?\b(?:x|y|width|height)="([^"]*)"', page)
        assert coordinates, path
        assert [value for value in coordinates if not NUMBER.match(value)] == [], path


def test_a_schedules_interval_reads_as_people_say_it_in_both_languages(as_user, planner, site, asset):
    for n, unit in ((1, "weeks"), (3, "weeks"), (1, "months"), (2, "days")):
        PmSchedule.objects.create(
            site=site, asset=asset, name=f"S-{n}-{unit}", interval=n, interval_unit=unit, starts_on=date(2026, 12, 9)
        )
    client = as_user(planner)
    page = client.get(f"/pm/?site={site.pk}").content.decode()
    for text in ("every 1 week, fixed", "every 3 weeks, fixed", "every 1 month, fixed", "every 2 days, fixed"):
        assert text in page
    assert "1 weeks" not in page and "1 months" not in page
    planner.language = "tr"
    planner.save()
    page = client.get(f"/pm/?site={site.pk}").content.decode()
    assert "her 1 haftada, sabit" in page and "her 3 haftada, sabit" in page and "her 2 günde, sabit" in page


def test_status_and_priority_badges_are_translated(as_user, planner, asset):
    factories.WorkOrderFactory(asset=asset, status="on_hold", priority="high", title="Belt")
    planner.language = "tr"
    planner.save()
    page = as_user(planner).get("/work-orders/").content.decode()
    badges = re.findall(r'<span class="badge badge-\w+">([^<]*)</span>', page)
    assert badges and "on hold" not in badges and "high" not in badges, badges
