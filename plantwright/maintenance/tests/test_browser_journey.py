"""The main journey in a real browser: operator reports → planner approves → technician works it."""

import os
import shutil

import pytest
from django.db import connections

from plantwright.maintenance.models import WorkOrder, WorkRequest
from plantwright.testing import factories

CHROMIUM = "/usr/bin/chromium"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; `make test` installs it with apt.")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()
        # Inside Playwright's event loop the ORM used its own context-local connection: close it
        # here, or it outlives the test and blocks dropping the test database.
        connections.close_all()


def sign_in(browser, live_server, username, phone=False, size=None):
    width, height = size or ((390, 844) if phone else (1280, 900))
    viewport = {"width": width, "height": height}
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("secret-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_request_approve_start_complete(browser, live_server, requester, planner, technician, asset):
    factories.AssetFactory(site=asset.site, code="CMP-01", name="Air compressor")

    operator = sign_in(browser, live_server, requester.username, phone=True)
    operator.goto(f"{live_server.url}/requests/new/")
    operator.get_by_label("Asset").select_option(label=f"P-101 · Feed pump ({asset.site.code})")
    operator.get_by_label("What is wrong?").fill("Seal leaking on feed pump")
    operator.get_by_label("Details").fill("Puddle under the pump since the night shift")
    operator.get_by_role("button", name="Send to maintenance").click()
    operator.get_by_text("sent to maintenance").wait_for()
    request = WorkRequest.objects.get()
    assert request.requested_by == requester and request.status == "new"

    desk = sign_in(browser, live_server, planner.username)
    desk.goto(f"{live_server.url}/requests/?status=new")
    desk.get_by_role("link", name=request.number).click()
    desk.get_by_label("Type").select_option("corrective")
    desk.get_by_label(technician.display_name).check()
    desk.get_by_role("button", name="Approve", exact=True).click()
    desk.get_by_text("Approved:").wait_for()
    work_order = WorkOrder.objects.get()
    assert work_order.status == "approved" and list(work_order.assigned_to.all()) == [technician]

    tech = sign_in(browser, live_server, technician.username, phone=True)
    tech.get_by_role("link", name=work_order.number).click()
    tech.get_by_role("button", name="Start").click()
    tech.get_by_text("is now in progress").wait_for()
    tech.get_by_role("button", name="Complete").click()
    tech.get_by_text("is now completed").wait_for()

    work_order.refresh_from_db()
    assert work_order.status == "completed" and work_order.completed_at is not None
    assert list(work_order.transitions.values_list("to_status", flat=True)) == ["approved", "in_progress", "completed"]

    operator.goto(f"{live_server.url}/requests/{request.pk}/")
    assert work_order.number in operator.content()
