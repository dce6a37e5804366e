"""The WO page saves in place (htmx): no reload, no jump to the top, a toast that confirms, an
Idempotency-Key on every change, and a refusal shown where the person is."""

from decimal import Decimal

import pytest

from plantwright.accounts.models import Membership
from plantwright.maintenance.models import LaborEntry
from plantwright.maintenance.tests.test_browser_journey import browser, sign_in  # noqa: F401 (fixture)
from plantwright.maintenance.tests.test_browser_phone import breakdown  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_job(phone, live_server, work_order):
    phone.goto(f"{live_server.url}/work-orders/{work_order.pk}/")
    phone.get_by_role("button", name="Start", exact=True).click()
    phone.get_by_text("is now in progress").wait_for()
    phone.evaluate("window.sameDocument = true")  # gone if the page reloads


def test_booking_hours_saves_in_place_and_keeps_the_place(browser, live_server, technician, breakdown):  # noqa: F811
    work_order, _seal, _room = breakdown
    phone = sign_in(browser, live_server, technician.username, phone=True)
    _open_job(phone, live_server, work_order)
    keys = []
    phone.on("request", lambda r: r.method == "POST" and keys.append(r.headers.get("idempotency-key")))

    form = phone.locator("form[action$='/labor/']")
    form.scroll_into_view_if_needed()
    before = phone.evaluate("window.scrollY")
    assert before > 200
    form.get_by_label("Hours").fill("1")
    form.get_by_role("button", name="Book hours").click()
    phone.locator("#pw-messages.pw-toast", has_text="h booked for").wait_for()

    assert phone.evaluate("window.sameDocument") is True
    assert abs(phone.evaluate("window.scrollY") - before) < 120
    assert phone.url.endswith(f"/work-orders/{work_order.pk}/")
    assert LaborEntry.objects.get(work_order=work_order).hours == Decimal(1)
    assert len(keys) == 1 and keys[0] and len(keys[0]) == 32


def test_a_refused_save_shows_why_in_place(browser, live_server, technician, breakdown):  # noqa: F811
    work_order, _seal, _room = breakdown
    phone = sign_in(browser, live_server, technician.username, phone=True)
    _open_job(phone, live_server, work_order)

    form = phone.locator("form[action$='/labor/']")
    form.get_by_label("Hours").fill("30")
    form.get_by_label("Hours").evaluate("input => input.removeAttribute('max')")  # past the browser's check
    form.get_by_role("button", name="Book hours").click()
    phone.locator("form[action$='/labor/'] .errorlist").wait_for()  # the form again, with its error (422)
    assert phone.evaluate("window.sameDocument") is True
    assert not LaborEntry.objects.exists()

    # Signed out of the site meanwhile: the refusal page becomes a message; the job stays on screen.
    Membership.objects.filter(user=technician).delete()
    form = phone.locator("form[action$='/labor/']")
    form.get_by_label("Hours").fill("1")
    form.get_by_role("button", name="Book hours").click()
    phone.locator("#pw-messages [role=alert]", has_text="does not exist").wait_for()
    assert phone.locator("#job").count() == 1 and phone.evaluate("window.sameDocument") is True
    assert not LaborEntry.objects.exists()
