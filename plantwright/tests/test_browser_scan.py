"""Scanning an asset's QR label with the phone's camera, in Chromium with a fake camera that films
the printed label: from the request form (the asset is picked) and from the asset search (the asset
opens). Linux Chromium has no BarcodeDetector, so this reads the code with the vendored jsQR."""

import os
import shutil

import pytest
import segno
from django.db import connections
from django.urls import reverse
from PIL import Image

from plantwright.maintenance.models import WorkRequest
from plantwright.maintenance.tests.test_browser_journey import CHROMIUM, sign_in
from plantwright.portal.services import code_for
from plantwright.testing import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _film_of(text: str, path) -> None:
    """A few frames of a camera looking at a QR label (Y4M, the format Chromium's fake camera plays)."""
    width, height = 640, 480
    frame = Image.new("L", (width, height), 235)
    modules = segno.make(text, error="m").matrix
    side = len(modules) + 8  # a quiet zone of 4 modules each side
    code = Image.new("L", (side, side), 255)
    code.putdata([0 if 4 <= y < side - 4 and 4 <= x < side - 4 and modules[y - 4][x - 4] else 255
                  for y in range(side) for x in range(side)])  # fmt: skip
    code = code.resize((side * 8, side * 8), Image.NEAREST)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    with open(path, "wb") as film:
        film.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            film.write(b"FRAME\n" + frame.tobytes() + bytes([128]) * (width * height // 2))


@pytest.fixture
def camera_pointed_at(monkeypatch, tmp_path):
    """A Chromium whose camera films the given text's QR code."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; `make test` installs it with apt.")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    browsers = []

    def launch(text: str):
        film = tmp_path / "label.y4m"
        _film_of(text, film)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={film}",
            ],
        )  # fmt: skip
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()
    playwright.stop()
    connections.close_all()


def _label_of(live_server, asset) -> str:
    return live_server.url + reverse("portal-scan", args=[code_for(asset).code])


def test_scanning_the_label_on_the_request_form_picks_the_asset(camera_pointed_at, live_server, requester, asset):
    factories.AssetFactory(site=asset.site, code="CMP-09", name="Spare compressor")
    phone = sign_in(camera_pointed_at(_label_of(live_server, asset)), live_server, requester.username, phone=True)
    phone.goto(f"{live_server.url}/requests/new/")
    phone.get_by_role("button", name="Scan QR label").click()
    phone.wait_for_function(f"() => document.querySelector('select[name=asset]').value === '{asset.pk}'")
    assert phone.locator("dialog.pw-scan").count() == 0  # the camera closed by itself
    phone.get_by_label("What is wrong?").fill("Oil dripping")
    phone.get_by_role("button", name="Send to maintenance").click()
    phone.get_by_text("sent to maintenance").wait_for()
    assert WorkRequest.objects.get().asset == asset


def test_scanning_a_label_from_the_asset_search_opens_the_asset(camera_pointed_at, live_server, planner, asset):
    phone = sign_in(camera_pointed_at(_label_of(live_server, asset)), live_server, planner.username, phone=True)
    phone.goto(f"{live_server.url}/assets/")
    phone.get_by_role("button", name="Scan QR label").click()
    phone.wait_for_url(f"{live_server.url}/assets/{asset.pk}/")
