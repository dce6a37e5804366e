"""The journeys that lost data in Turkish, in a real browser, in Turkish and in German: a WO edited
and saved unchanged keeps its due date, hours are booked with the default work date, a PM schedule
saved unchanged keeps its start, and the downtime timeline and the PM forecast draw their bars."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from plantwright.downtime.models import DowntimeStop
from plantwright.maintenance.models import LaborEntry, WorkOrder
from plantwright.maintenance.tests.test_browser_journey import browser, sign_in  # noqa: F401  (a fixture)
from plantwright.pm.models import PmSchedule
from plantwright.testing import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _drawn(page, selector: str) -> list[float]:
    """The widths the browser gives the bars (0 or nothing: not drawn)."""
    page.locator(selector).first.wait_for()
    return [box["width"] for box in (bar.bounding_box() for bar in page.locator(selector).all()) if box]


@pytest.mark.parametrize("language", ["tr", "de"])
def test_nothing_is_lost_and_charts_draw_in_the_readers_language(
    browser,  # noqa: F811
    live_server,
    planner,
    site,
    asset,
    language,
):
    planner.language = language
    planner.save()
    factories.labor_rate(site, technician=planner, rate="40")
    work_order = factories.WorkOrderFactory(asset=asset, created_by=planner, status="in_progress",
                                            due_date=date(2026, 12, 9))  # fmt: skip
    schedule = PmSchedule.objects.create(site=site, asset=asset, name="Monthly check", interval=1,
                                         interval_unit="months", starts_on=date(2026, 12, 9))  # fmt: skip
    started = timezone.now() - timedelta(days=2, hours=3)
    DowntimeStop.objects.create(site=site, asset=asset, started_at=started,
                                ended_at=started + timedelta(minutes=37), category="breakdown")  # fmt: skip
    page = sign_in(browser, live_server, planner.username)
    assert page.locator("html").get_attribute("lang") == language

    page.goto(f"{live_server.url}/work-orders/{work_order.pk}/edit/")
    page.locator("form:has([name=due_date]) [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/work-orders/{work_order.pk}/")
    assert WorkOrder.objects.get(pk=work_order.pk).due_date == date(2026, 12, 9)

    # Book hours stands open on a job in progress: the technician's next step.
    form = page.locator("form[action$='/labor/']")
    form.locator("[name=hours]").fill("1.5")
    form.locator("[type=submit]").click()
    page.locator("#pw-messages.pw-toast .pw-message").wait_for()  # saved in place: the toast confirms it
    entry = LaborEntry.objects.get(work_order=work_order)
    assert entry.hours == Decimal("1.5") and entry.work_date == site.local_date()

    page.goto(f"{live_server.url}/pm/sites/{site.pk}/schedules/{schedule.pk}/")
    page.locator("form:has([name=starts_on]) [type=submit]").first.click()
    page.wait_for_load_state()
    assert PmSchedule.objects.get(pk=schedule.pk).starts_on == date(2026, 12, 9)

    page.goto(f"{live_server.url}/assets/{asset.pk}/")
    assert all(width > 0 for width in _drawn(page, "svg rect.pw-stop-breakdown"))
    page.goto(f"{live_server.url}/pm/forecast/?site={site.pk}")
    assert page.locator("svg").count() >= 1
