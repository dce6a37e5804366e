"""How many taps each shop-floor journey takes on a phone (390×844), counted as a person taps:
a button or link is 1, a text field is 1 (the typing is not tapping), a native picker is 2 (open,
choose), a photo is 2 (open the camera, take it). The targets are issue 19's; the measured figures
are in docs/shop-floor.md §Taps per journey."""

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from plantwright.accounts.roles import Role
from plantwright.inventory.models import StockMovement
from plantwright.maintenance.models import Attachment, LaborEntry, WorkOrder, WorkRequest
from plantwright.maintenance.tests.test_browser_journey import browser, sign_in  # noqa: F401 (fixture)
from plantwright.maintenance.tests.test_browser_phone import breakdown  # noqa: F401 (fixture)
from plantwright.testing import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Each journey on a phone and on a laptop: the same taps, nothing wider than the screen.
SIZES = pytest.mark.parametrize("size", [(390, 844), (1366, 768)], ids=["phone", "desktop"])


class Taps:
    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, locator):
        locator.click()
        self.count += 1

    def type(self, locator, text: str):
        locator.fill(text)
        self.count += 1

    def photo(self, locator, path):
        locator.set_input_files(str(path))
        self.count += 2


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, page.url


@SIZES
def test_operator_request_with_photo_in_6_taps(browser, live_server, size, requester, asset, tmp_path, settings):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    picture = tmp_path / "leak.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), "navy").save(out, "JPEG")
    picture.write_bytes(out.getvalue())
    factories.AssetFactory(site=asset.site, code="CMP-09", name="Spare compressor")
    phone = sign_in(browser, live_server, requester.username, size=size)
    taps = Taps(phone)
    taps.tap(phone.get_by_role("button", name="Report a problem"))
    taps.type(phone.get_by_placeholder("Search: code, name or place"), asset.code)
    taps.type(phone.get_by_label("What is wrong?"), "Oil dripping from the gearbox")
    taps.photo(phone.get_by_label("A photo (optional)"), picture)
    _no_sideways_scroll(phone)
    taps.tap(phone.get_by_role("button", name="Send to maintenance"))
    phone.get_by_text("sent to maintenance").wait_for()
    request = WorkRequest.objects.get()
    assert request.asset == asset and Attachment.objects.get().work_request == request
    assert taps.count <= 6, taps.count
    print(f"\ntaps at {size}: operator request with photo = {taps.count}")


@SIZES
def test_planner_triage_into_a_wo_in_4_taps(browser, live_server, size, planner, technician, asset):  # noqa: F811
    request = factories.WorkRequestFactory(asset=asset, title="Belt squeals")
    phone = sign_in(browser, live_server, planner.username, size=size)
    taps = Taps(phone)
    taps.tap(phone.get_by_role("link", name="Belt squeals"))
    taps.tap(phone.get_by_label(technician.display_name))
    _no_sideways_scroll(phone)
    taps.tap(phone.get_by_role("button", name="Approve", exact=True))
    phone.get_by_text("Approved:").wait_for()
    work_order = WorkOrder.objects.get()
    assert WorkRequest.objects.get(pk=request.pk).work_order == work_order
    assert list(work_order.assigned_to.all()) == [technician] and work_order.status == "approved"
    assert taps.count <= 4, taps.count
    print(f"\ntaps at {size}: planner triage into an assigned WO = {taps.count}")


@SIZES
def test_technician_job_to_complete_in_12_taps(browser, live_server, size, technician, breakdown, site):  # noqa: F811
    work_order, _seal, _room = breakdown
    factories.UserFactory(username="colleague", roles=[(site, Role.TECHNICIAN)])

    phone = sign_in(browser, live_server, technician.username, size=size)
    taps = Taps(phone)
    taps.tap(phone.get_by_role("link", name="Pump seal leaking"))
    taps.tap(phone.get_by_role("button", name="Start", exact=True))
    phone.get_by_text("is now in progress").wait_for()
    form = phone.locator("form[action$='/labor/']")
    taps.type(form.get_by_label("Hours"), "1")
    taps.tap(form.get_by_role("button", name="Book hours"))
    phone.get_by_text("h booked for").wait_for()
    taps.tap(phone.get_by_text("Issue parts"))
    taps.type(phone.get_by_placeholder("Search: part number or name"), "seal")
    taps.tap(phone.get_by_role("button", name="Issue to this WO"))
    phone.get_by_role("link", name="SEAL-40").wait_for()
    taps.tap(phone.get_by_role("button", name="Complete", exact=True))
    for name, code in (("problem", "LEAK"), ("cause", "WEAR"), ("remedy", "REPLACE")):
        taps.type(phone.locator(f"#complete-form input[name={name}]"), code)
    _no_sideways_scroll(phone)
    taps.tap(phone.get_by_role("button", name="Complete the work order"))
    phone.get_by_text("is now completed").wait_for()

    work_order.refresh_from_db()
    assert work_order.status == "completed" and work_order.problem_code.code == "LEAK"
    assert abs((work_order.restored_at - timezone.now()).total_seconds()) < 180  # "now", as the step offered
    assert LaborEntry.objects.get(work_order=work_order).hours == Decimal(1)
    assert StockMovement.objects.filter(work_order=work_order, kind="issue").count() == 1
    assert taps.count <= 12, taps.count
    print(f"\ntaps at {size}: technician job start → complete = {taps.count}")
