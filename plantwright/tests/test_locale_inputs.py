"""Languages without loss (issue 20, first part): a form's date, time and number inputs carry
locale-neutral values whatever the reader's language, so a Turkish planner who saves a form unchanged
changes nothing; chart coordinates are numbers in every language."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from plantwright.accounts.roles import Role
from plantwright.maintenance.models import WorkOrder
from plantwright.pm.models import PmSchedule
from plantwright.testing import factories

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _sanitized(kind: str, value: str) -> str:
    """What the browser keeps of a value (HTML's value sanitization): a date, time or number it cannot
    read is dropped, shown empty and sent empty."""
    pattern = {"date": ISO_DATE, "datetime-local": ISO_DATETIME_LOCAL, "number": NUMBER}.get(kind)
    return "" if pattern and value and not pattern.match(value) else value


class _Forms(HTMLParser):
    """What a browser would send for each form of a page, as it stands (nothing typed)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.inputs: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "data": {}})
        if not self.forms:
            return
        data = self.forms[-1]["data"]
        if tag == "input" and attrs.get("name"):
            self.inputs.append(attrs)
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    data.setdefault(attrs["name"], []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                data.setdefault(attrs["name"], []).append(_sanitized(kind, attrs.get("value") or ""))
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            data.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            data.setdefault(self._textarea, []).append("")

    def handle_data(self, text):
        if self._textarea and self.forms:
            self.forms[-1]["data"][self._textarea][-1] += text

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _read(page: str) -> _Forms:
    parser = _Forms()
    parser.feed(page)
    return parser


def _locale_neutral(inputs: list[dict]) -> list[str]:
    wrong = []
    for attrs in inputs:
        value, kind = attrs.get("value") or "", attrs.get("type", "text")
        pattern = {"date": ISO_DATE, "datetime-local": ISO_DATETIME_LOCAL, "number": NUMBER}.get(kind)
        if pattern and value and not pattern.match(value):
            wrong.append(f"{attrs.get('name')}={value!r} ({kind})")
    return wrong


@pytest.fixture
def turkish(planner):
    planner.language = "tr"
    planner.save()
    return planner


def test_a_turkish_planner_saving_a_wo_unchanged_keeps_its_due_date(as_user, turkish, asset, technician):
    work_order = factories.WorkOrderFactory(asset=asset, due_date=date(2026, 12, 9), status="approved")
    client = as_user(turkish)
    forms = _read(client.get(f"/work-orders/{work_order.pk}/edit/").content.decode())
    assert _locale_neutral(forms.inputs) == []
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
        assert _locale_neutral(_read(page.content.decode()).inputs) == [], path


def test_a_turkish_pm_schedule_saved_unchanged_keeps_its_start(as_user, site, asset):
    manager = factories.UserFactory(username="tr-manager", roles=[(site, Role.MANAGER)], language="tr")
    schedule = PmSchedule.objects.create(
        site=site, asset=asset, name="Monthly check", interval=1, starts_on=date(2026, 12, 9)
    )
    client = as_user(manager)
    path = f"/pm/sites/{site.pk}/schedules/{schedule.pk}/"
    form = next(f for f in _read(client.get(path).content.decode()).forms if "starts_on" in f["data"])
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
