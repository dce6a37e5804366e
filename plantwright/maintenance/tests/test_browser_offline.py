"""A technician's job without a connection (issue 19 §6): the installed app keeps My work and the WO
pages; hours and status moves made offline wait on the phone and are sent, in order and once each,
when the connection returns; a change the WO no longer allows is shown with what was kept."""

from decimal import Decimal

import pytest

from plantwright.maintenance import services
from plantwright.maintenance.models import LaborEntry, WorkOrder
from plantwright.maintenance.tests.test_browser_journey import browser, sign_in  # noqa: F401 (fixture)
from plantwright.maintenance.tests.test_browser_phone import breakdown  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Waits (in the page) until the service worker controls it and has kept every one of these pages.
KEPT = """async (paths) => {
  const kept = async (path) => {
    for (const name of await caches.keys()) if (await (await caches.open(name)).match(path)) return true;
    return false;
  };
  while (!navigator.serviceWorker.controller || !(await Promise.all(paths.map(kept))).every(Boolean)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}"""


def _book(phone, hours: str):
    form = phone.locator("form[action$='/labor/']")
    form.get_by_label("Hours").fill(hours)
    form.get_by_role("button", name="Book hours").click()


def test_offline_work_is_sent_once_on_reconnect(browser, live_server, technician, manager, breakdown):  # noqa: F811
    work_order, _seal, _room = breakdown
    services.transition_work_order(manager, work_order, to="in_progress")
    phone = sign_in(browser, live_server, technician.username, phone=True)
    job = f"/work-orders/{work_order.pk}/"
    phone.evaluate(KEPT, ["/", job])  # My work is kept by the service worker

    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/")  # from what the phone kept
    phone.get_by_role("link", name="Pump seal leaking").click()
    phone.wait_for_url(f"{live_server.url}{job}")
    _book(phone, "1")
    phone.locator("#pw-outbox", has_text="Waiting to send (1)").wait_for()
    _book(phone, "0.5")
    phone.locator("#pw-outbox", has_text="Waiting to send (2)").wait_for()
    assert "waiting for the connection" in phone.locator("#pw-outbox").inner_text()
    assert not LaborEntry.objects.exists()

    phone.context.set_offline(False)
    phone.locator("#pw-outbox").wait_for(state="hidden")
    hours = list(LaborEntry.objects.filter(work_order=work_order).order_by("id").values_list("hours", flat=True))
    assert hours == [Decimal(1), Decimal("0.5")]  # each once, in the order booked
    phone.locator("#job", has_text="1.50").wait_for()  # the page shows them now

    # Offline again: the technician pauses; meanwhile the planner has put the WO on hold (and so
    # decided otherwise about it): the pause is refused, and shown with what was kept.
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Pause", exact=True).click()
    phone.get_by_role("textbox", name="Note for Pause").fill("waiting for a seal")
    phone.locator("form:has([value=on_hold]) [type=submit]").click()
    phone.locator("#pw-outbox", has_text="Waiting to send (1)").wait_for()
    services.transition_work_order(manager, WorkOrder.objects.get(pk=work_order.pk), to="on_hold", note="no seal")
    phone.context.set_offline(False)
    phone.locator("#pw-outbox", has_text="was changed meanwhile").wait_for()
    assert "waiting for a seal" in phone.locator("#pw-outbox").inner_text()  # what was kept
    assert WorkOrder.objects.get(pk=work_order.pk).status == "on_hold"
    phone.locator("#pw-outbox").get_by_role("button", name="Discard").click()
    phone.locator("#pw-outbox").wait_for(state="hidden")


def test_a_change_whose_answer_was_lost_is_done_once(browser, live_server, technician, manager, breakdown):  # noqa: F811
    work_order, _seal, _room = breakdown
    services.transition_work_order(manager, work_order, to="in_progress")
    phone = sign_in(browser, live_server, technician.username, phone=True)
    phone.goto(f"{live_server.url}/work-orders/{work_order.pk}/")

    def lose_the_answer(route):
        route.fetch()  # the server books it ...
        route.abort("connectionreset")  # ... and the phone never hears back

    phone.route("**/labor/", lose_the_answer)
    _book(phone, "2")
    phone.locator("#pw-outbox", has_text="Waiting to send (1)").wait_for()
    assert LaborEntry.objects.count() == 1
    phone.unroute("**/labor/")
    phone.locator("#pw-outbox").get_by_role("button", name="Send now").click()
    phone.locator("#pw-outbox").wait_for(state="hidden")
    assert LaborEntry.objects.get().hours == Decimal(2)  # sent twice, booked once
