"""The first-hour guides (docs/first-hour/) are followed by their scripts (clients/first_hour/), run
here against a live server with the real worker processes: each script makes exactly the guide's API
calls, in the guide's order, and ends at the first cost on a WO."""

import itertools
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from plantwright.accounts.roles import Role
from plantwright.accounts.services import create_token
from plantwright.testing import factories
from plantwright.testing.processes import kill, start_outbox_worker

pytestmark = pytest.mark.django_db(transaction=True)
REPO = Path(settings.BASE_DIR)
_STEP = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) /api/v1(\S+)", re.M)


def guide_calls(name: str) -> list[str]:
    """The API calls of a guide's ```http blocks, in order, without their query strings."""
    text = (REPO / "docs" / "first-hour" / f"{name}.md").read_text()
    blocks = re.findall(r"```http\n(.*?)```", text, re.S)
    calls = [f"{method} {path.split('?')[0]}" for block in blocks for method, path in _STEP.findall(block)]
    return _once(calls)


def _once(calls: list[str]) -> list[str]:
    """A call made again right after itself counts once, on both sides: a script asks again while it
    waits (for a poll, a worker), a guide may show one call twice in a row."""
    return [call for call, _repeats in itertools.groupby(calls)]


def run_script(name: str, *arguments: str, env: dict | None = None) -> tuple[list[str], list[str]]:
    """Run a guide's script; its output, and the calls it made in the guide's words."""
    done = subprocess.run(
        [sys.executable, str(REPO / "clients" / "first_hour" / f"{name}.py"), *arguments],
        capture_output=True, text=True, timeout=180, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    calls = [line.split("→ ", 1)[1].split("?")[0].replace("/api/v1", "", 1)
             for line in done.stdout.splitlines() if "→ " in line]  # fmt: skip
    return [line for line in done.stdout.splitlines() if "→ " not in line], _once(calls)


@pytest.fixture
def site_admin(site):
    factories.AssetFactory(site=site, code="P-101", name="Feed pump")
    admin = factories.UserFactory(username="siteadmin", roles=[(site, Role.ADMIN)])
    return create_token(admin, "first hour").secret


def test_the_erp_webhook_guide_reaches_the_first_po_cost(live_server, site, site_admin):
    worker = start_outbox_worker()
    try:
        said, calls = run_script("erp_webhook", "--url", live_server.url, "--token", site_admin, "--site", site.code)
    finally:
        kill(worker)
    assert calls == guide_calls("erp-webhook")
    assert said[-1].startswith("Done: WO-") and "cost 160.0000" in said[-1]


def test_the_oee_guide_turns_a_stop_on_mqtt_into_a_wo_and_its_first_cost(live_server, site, site_admin):
    from plantwright.downtime.mqtt import end_session
    from plantwright.testing.processes import broker_reachable, log_of, start_mqtt_ingest, wait_for

    if not broker_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Mosquitto at 127.0.0.1:1883 is not reachable (under CI=true that is a failure).")
        pytest.skip("Mosquitto at 127.0.0.1:1883 is not running")
    factories.UserFactory(username="oee", roles=[(site, Role.INTEGRATION)])
    prefix = f"pwfirst-{uuid.uuid4().hex[:8]}"
    client_id = f"ingest-{prefix}"
    env = {"MQTT_TOPIC_PREFIX": prefix}
    ingest = start_mqtt_ingest(env={**env, "DOWNTIME_INGEST_USER": "oee"}, client_id=client_id)
    worker = start_outbox_worker(env=env)
    try:
        wait_for(lambda: "subscribed" in log_of(ingest), what="the ingest to subscribe")
        said, calls = run_script("oee_mqtt", "--url", live_server.url, "--token", site_admin, "--site", site.code,
                                 "--prefix", prefix)  # fmt: skip
    finally:
        kill(ingest)
        kill(worker)
        end_session(client_id)
    assert calls == guide_calls("oee-mqtt")
    assert said[-1].startswith("Done: a stop of line3-filler-") and "labor 67.5000" in said[-1]


def test_the_tryton_guide_reaches_the_first_invoiced_cost(live_server, site, site_admin):
    from plantwright.testing.processes import start_scheduler_and_task_worker
    from plantwright.testing.tryton import ADMIN_PASSWORD, API_PASSWORD, TrytonServer, TrytonUnavailable, template

    try:
        tryton_template = template()
    except (TrytonUnavailable, OSError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Tryton could not be set up (CI must run this test): {exc}")
        pytest.skip(f"Tryton could not be set up here: {exc}")
    site.currency = "TRY"
    site.save()
    factories.part("SEAL-MS-35", "Mechanical seal 35 mm")
    factories.vendor("BEARCO", "Bearco Bearings", is_contractor=False, erp_id="V-2001")
    with tempfile.TemporaryDirectory() as directory, TrytonServer(tryton_template, Path(directory)) as tryton:
        workers = [start_outbox_worker(), *start_scheduler_and_task_worker()]
        try:
            said, calls = run_script(
                "tryton", "--url", live_server.url, "--token", site_admin, "--site", site.code, "--tryton", tryton.url,
                "--database", tryton.database, "--connector-password", API_PASSWORD, "--admin-password", ADMIN_PASSWORD,
            )  # fmt: skip
        finally:
            for worker in workers:
                kill(worker)
    assert calls == guide_calls("tryton")
    assert said[-1].startswith("Done: WO-") and "cost 160.0000" in said[-1]
