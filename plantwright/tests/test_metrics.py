"""/metrics: Prometheus text, readable only with the token or from an allowed address; its series
move with what happens (requests, outbox backlog and dead letters, ERP and downtime events), and under
gunicorn's several processes any process answers for all of them."""

import tempfile

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from plantwright.testing import factories
from plantwright.testing.processes import kill, start_web

pytestmark = pytest.mark.django_db


def scrape(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value}."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}  # fmt: skip


def _get(client, **headers) -> dict:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return scrape(response.content.decode())


def test_only_the_token_or_an_allowed_address_reads_it(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]  # the test client comes from 127.0.0.1
    settings.METRICS_TOKEN = "m3trics-t0ken"
    response = client.get("/metrics")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer m3trics-t0ken"}).status_code == 200


def test_the_series_move_with_what_happens(client, site, planner, asset):
    from plantwright.downtime.services import ingest as ingest_downtime
    from plantwright.downtime.tests.test_services import event
    from plantwright.outbox.services import enqueue, run_once
    from plantwright.procurement.events import ingest as ingest_erp

    before = _get(client)
    client.get("/api/v1/sites")
    enqueue("no.such.topic", {}, idempotency_key="m-1", site=site)
    enqueue("no.such.topic", {}, idempotency_key="m-2", site=site)
    ingest_erp(site, "api:north", [{"event_id": "bad-1", "type": "po.created"}])  # refused: no fields
    oee = factories.UserFactory(username="oee", roles=[(site, "integration")])
    ingest_downtime(oee, [event("d-1", 0, 30, machine=asset.oee_machine_id or "x")], source="mqtt:test/topic")
    middle = _get(client)
    route = (("method", "GET"), ("route", "/api/v1/sites"), ("status", "4xx"))  # no token: 401
    assert middle[("plantwright_http_request_duration_seconds_count", route)] == (
        before.get(("plantwright_http_request_duration_seconds_count", route), 0) + 1
    )
    assert middle[("plantwright_outbox_backlog", ())] == before[("plantwright_outbox_backlog", ())] + 2
    assert middle[("plantwright_outbox_oldest_age_seconds", ())] >= 0
    assert middle[("plantwright_erp_events_total", (("status", "rejected"),))] >= 1
    assert sum(v for (name, labels), v in middle.items()
               if name == "plantwright_downtime_events_total" and ("door", "mqtt") in labels) == 1  # fmt: skip
    assert 0 <= middle[("plantwright_mqtt_last_event_age_seconds", ())] < 60
    run_once()  # no handler: both dead at once
    after = _get(client)
    assert after[("plantwright_outbox_backlog", ())] == before[("plantwright_outbox_backlog", ())]
    assert after[("plantwright_outbox_dead_letters", ())] == before[("plantwright_outbox_dead_letters", ())] + 2


@pytest.mark.django_db(transaction=True)
def test_under_several_gunicorn_processes_any_one_answers_for_all(site):
    with tempfile.TemporaryDirectory() as shared:
        web, base = start_web(env={"PROMETHEUS_MULTIPROC_DIR": shared}, workers=2, threads=1)
        try:
            for _ in range(20):
                assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
            counts = {scrape(httpx.get(f"{base}/metrics", timeout=10).text)[
                ("plantwright_http_request_duration_seconds_count",
                 (("method", "GET"), ("route", "/healthz"), ("status", "2xx")))] for _ in range(6)}  # fmt: skip
        finally:
            kill(web)
    assert counts == {20.0}  # whichever process answered, it counted the other's requests too
