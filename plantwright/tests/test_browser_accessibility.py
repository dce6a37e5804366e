"""Every main page, in a real browser at a phone's size (390×844) and a desktop's (1366×768): no
serious or critical accessibility violation as axe-core finds them (forms labelled, contrast AA,
images named...), and nothing wider than the screen (no sideways scroll).

axe-core is the npm package, pinned and vendored for the tests only
(plantwright/testing/vendor/axe-core-4.14.1.min.js, MPL-2.0); it is never served by the app."""

from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from plantwright.accounts.roles import Role
from plantwright.maintenance.tests.test_browser_journey import browser  # noqa: F401  (a fixture)
from plantwright.testing import factories
from plantwright.tests.test_pseudo_locale import world  # noqa: F401  (the pages' records)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "testing" / "vendor" / "axe-core-4.14.1.min.js"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
# The pages people work in every day, each desk's; the rest follow the same templates.
MAIN_PAGES = [
    "home", "work-order-list", "work-order-detail", "work-order-new", "work-order-edit", "work-request-list",
    "work-request-detail", "work-request-new", "my-time", "asset-list", "asset-detail", "part-list", "part-detail",
    "parts-request-new", "purchasing-queue", "purchase-order-detail", "pm-schedules", "pm-forecast",
    "downtime-list", "reliability-dashboard", "reliability-assets", "reliability-audit", "notifications",
    "site-list",
]  # fmt: skip
SERIOUS = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter((v) => v.impact === "serious" || v.impact === "critical")
  .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`)"""


@pytest.mark.parametrize("size", list(SIZES))
def test_main_pages_have_no_serious_accessibility_violation_and_no_sideways_scroll(
    browser,  # noqa: F811
    live_server,
    world,  # noqa: F811
    site,
    size,
):
    if connection.vendor != "sqlite":
        pytest.skip("what a page draws does not depend on the database: checked once, on SQLite")
    admin = factories.UserFactory(username="axe-admin", roles=[(site, Role.ADMIN)], first_name="Ada")
    # axe is added as a script: the page's Content-Security-Policy would refuse it (the CSP has its own test).
    page = browser.new_context(viewport=SIZES[size], bypass_csp=True).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill("secret-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    found = {}
    for name in MAIN_PAGES:
        response = page.goto(live_server.url + reverse(name, kwargs=world.kwargs(name)))
        assert response.ok and "/login/" not in page.url, (name, response.status)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(SERIOUS)
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if violations or wider > 0:
            found[name] = {"violations": violations, "wider by px": wider}
    assert found == {}, found
