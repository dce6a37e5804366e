"""A parts request on a phone: one line to start with, "+ Add a line" for more, "Remove this line"."""

import pytest

from plantwright.maintenance.tests.test_browser_journey import browser, sign_in  # noqa: F401 (fixture)
from plantwright.procurement.models import PartsRequest
from plantwright.testing import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lines_are_added_and_removed_on_the_request_form(browser, live_server, planner, asset):  # noqa: F811
    work_order = factories.WorkOrderFactory(asset=asset, status="approved")
    phone = sign_in(browser, live_server, planner.username, phone=True)
    phone.goto(f"{live_server.url}/work-orders/{work_order.pk}/parts-requests/new/")
    lines = phone.locator("fieldset.pw-line")
    assert lines.count() == 1
    for _ in range(2):
        phone.get_by_role("button", name="+ Add a line").click()
    assert lines.count() == 3 and "Line 3" in lines.nth(2).inner_text()
    for n, text in enumerate(("V-belt SPA 1250", "Wrong part", "Grease 400 g")):
        lines.nth(n).get_by_label("Description").fill(text)
        lines.nth(n).get_by_label("Quantity").fill("2")
    lines.nth(1).get_by_label("Remove this line").check()
    phone.get_by_role("button", name="Submit to purchasing").click()
    phone.wait_for_url(f"{live_server.url}/work-orders/{work_order.pk}/")
    request = PartsRequest.objects.get()
    assert sorted(request.lines.values_list("description", flat=True)) == ["Grease 400 g", "V-belt SPA 1250"]
