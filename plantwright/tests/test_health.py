"""/healthz and /readyz for load balancers: alive without touching anything; ready only with the
database answering and every migration applied; unready while PostgreSQL is down, ready again after
(a real gunicorn behind a TCP proxy that refuses connections, as a stopped server does)."""

import httpx
import pytest
from django.db import connection

from plantwright.testing.processes import kill, start_web, wait_for
from plantwright.testing.proxy import TcpProxy

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_a_query_or_a_session(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "alive"}
    assert "no-cache" in response["Cache-Control"] and "Set-Cookie" not in response.headers


def test_readyz_checks_the_database_and_the_migrations(client, settings, monkeypatch):
    from plantwright import health

    settings.MQTT_URL = "mqtt://127.0.0.1:9"  # nothing listens there
    body = client.get("/readyz").json()
    assert body["status"] == "ready" and body["checks"] == {"database": "ok", "migrations": "ok", "broker": "down"}
    monkeypatch.setattr(health, "_on_disk", health._migrations_on_disk() | {("maintenance", "9999_next_release")})
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["migrations"] == "1 not applied"


def test_readyz_may_require_the_broker(client, settings):
    settings.MQTT_URL = "mqtt://127.0.0.1:9"
    settings.READYZ_REQUIRE_BROKER = True
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unready"


@pytest.mark.django_db(transaction=True)
def test_readyz_turns_unready_while_postgresql_is_down_and_ready_after():
    if connection.vendor != "postgresql":
        pytest.skip("stops PostgreSQL (behind a proxy): runs in the PostgreSQL pass")
    db = connection.settings_dict
    proxy = TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))).start()
    url = f"postgres://{db.get('USER') or 'postgres'}@127.0.0.1:{proxy.port}/{db['NAME']}"
    web, base = start_web(env={"DATABASE_URL": url, "DB_CONN_MAX_AGE": "60"})
    try:
        assert httpx.get(f"{base}/readyz", timeout=10).json()["status"] == "ready"
        proxy.down()  # connections refused, and the open ones cut
        down = httpx.get(f"{base}/readyz", timeout=10)
        assert down.status_code == 503 and down.json()["checks"]["database"] == "down"
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200  # alive: do not restart it
        proxy.up()
        wait_for(lambda: httpx.get(f"{base}/readyz", timeout=10).status_code == 200, timeout=20, what="ready again")
    finally:
        kill(web)
        proxy.close()
