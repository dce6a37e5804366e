"""The technician's day on a phone, in a real browser at 390 px: start the job, run the clock, issue
a part, record the failure, complete; and an operator reporting through the QR portal with a photo."""

import io
import time
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from plantwright.inventory.models import StockMovement
from plantwright.inventory.services import receive_stock
from plantwright.maintenance.models import Attachment, LaborEntry, LaborTimer, WorkRequest
from plantwright.maintenance.tests.test_browser_journey import browser, sign_in  # noqa: F401 (fixture)
from plantwright.testing import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def breakdown(technician, manager, asset, site):
    """A breakdown WO assigned to the technician, with failure codes, a labour rate and 4 seals in
    the site's only storeroom: (the WO, the seal, the storeroom)."""
    for kind, code in (("problem", "LEAK"), ("cause", "WEAR"), ("remedy", "REPLACE")):
        factories.failure_code(kind, code)
    factories.labor_rate(site, technician=technician, rate="40")
    seal, room = factories.part("SEAL-40", "Shaft seal 40 mm"), factories.storeroom(site)
    receive_stock(manager, part_id=seal.pk, storeroom_id=room.pk, quantity=Decimal(4), unit_cost=Decimal(9))
    work_order = factories.WorkOrderFactory(
        asset=asset, type="emergency", is_failure=True, status="approved", title="Pump seal leaking",
        down_since=timezone.now() - timedelta(hours=3),
    )  # fmt: skip
    work_order.assigned_to.add(technician)
    return work_order, seal, room


def test_a_technicians_breakdown_on_a_phone(browser, live_server, technician, breakdown, site):  # noqa: F811
    work_order, seal, room = breakdown
    phone = sign_in(browser, live_server, technician.username, phone=True)
    phone.goto(f"{live_server.url}/work-orders/{work_order.pk}/")
    phone.get_by_role("button", name="Start").click()
    phone.get_by_text("is now in progress").wait_for()

    phone.goto(f"{live_server.url}/my-time/")
    phone.get_by_role("button", name="▶ Start clock").click()
    phone.get_by_text(f"Clock started on {work_order.number}").wait_for()
    LaborTimer.objects.update(started_at=timezone.now() - timedelta(minutes=90))
    phone.get_by_role("button", name="■ Stop and book the time").click()
    phone.get_by_text(f"booked on {work_order.number}").wait_for()

    phone.goto(f"{live_server.url}/work-orders/{work_order.pk}/")
    phone.get_by_text("Issue parts").click()
    phone.get_by_placeholder("Search: part number or name").fill("seal 40")  # type-ahead picks it
    assert phone.locator("select[name=part]").input_value() == str(seal.pk)
    assert "4 on hand" in phone.locator("select[name=part] option:checked").inner_text()
    assert phone.locator("select[name=storeroom]").input_value() == str(room.pk)  # the only one
    phone.get_by_role("button", name="Issue to this WO").click()
    phone.get_by_role("link", name="SEAL-40").wait_for()

    # Complete asks, in one step, for what the failure lacks: the restore time starts at now.
    phone.get_by_role("button", name="Complete", exact=True).click()
    restored = phone.get_by_label("It ran again at").input_value()
    now = timezone.now().astimezone(zoneinfo.ZoneInfo(site.timezone))  # as the page shows
    assert abs((now.replace(tzinfo=None) - datetime.fromisoformat(restored)).total_seconds()) < 120
    for name, code in (("problem", "LEAK"), ("cause", "WEAR"), ("remedy", "REPLACE")):
        phone.locator(f"#complete-form input[name={name}]").fill(code)
    phone.get_by_role("button", name="Complete the work order").click()
    phone.get_by_text("is now completed").wait_for()

    work_order.refresh_from_db()
    assert work_order.status == "completed" and work_order.problem_code.code == "LEAK"
    assert work_order.restored_at is not None
    assert Decimal("1.50") <= LaborEntry.objects.get(work_order=work_order).hours <= Decimal("1.55")  # 90 min + clicks
    assert StockMovement.objects.filter(work_order=work_order, kind="issue").count() == 1


def test_an_operator_reports_through_the_qr_portal_with_a_photo(browser, live_server, asset, settings, tmp_path):  # noqa: F811
    from plantwright.portal.services import code_for

    settings.MEDIA_ROOT = tmp_path
    photo = tmp_path / "leak.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), "navy").save(out, "JPEG")
    photo.write_bytes(out.getvalue())
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/q/{code_for(asset).code}/")
    page.get_by_label("Your name").fill("Mehmet, line 1")
    page.get_by_label("What is wrong?").fill("Oil dripping from the gearbox")
    page.get_by_label("A photo (optional)").set_input_files(str(photo))
    time.sleep(3.2)  # a person takes a few seconds; the portal refuses faster forms
    page.get_by_role("button", name="Send to maintenance").click()
    page.get_by_text("Maintenance has your report").wait_for()
    request = WorkRequest.objects.get()
    assert request.origin == "portal" and request.reporter_name == "Mehmet, line 1"
    assert Attachment.objects.get().work_request == request
