"""In a real browser, the UI runs under its Content-Security-Policy without a single violation."""

import pytest

from plantwright.maintenance.tests.test_browser_journey import browser, sign_in  # noqa: F401 (fixture)
from plantwright.testing import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_main_pages_break_no_rule_of_the_policy(browser, live_server, planner, asset, other_site):  # noqa: F811
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)
    page = sign_in(browser, live_server, planner.username)
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    for path in [
        "/",
        "/work-orders/",
        f"/work-orders/{work_order.pk}/",
        f"/work-orders/{work_order.pk}/print/",
        f"/assets/{asset.pk}/",
        "/reliability/",
        "/pm/",
        "/notifications/",
        "/api/v1/docs",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == []
