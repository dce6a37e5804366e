"""`/healthz` and `/readyz` for load balancers and monitoring (docs/deploy.md §Health).

- `/healthz`: the process answers (it touches nothing else: a database outage must not get healthy
  processes restarted).
- `/readyz`: this process can serve: the database answers and every migration on disk is applied
  (after a deploy, before `migrate`, it is not ready). The MQTT broker is checked and reported too;
  it makes the process unready only with `READYZ_REQUIRE_BROKER=1`, because the pages and the API work
  without it (downtime waits in the broker, WO status waits in the outbox).

Both answer JSON without signing in and say nothing an outsider could use (no versions, no hosts).
"""

import socket
import time
from urllib.parse import urlparse

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

_on_disk: set[tuple[str, str]] | None = None


def _migrations_on_disk() -> set[tuple[str, str]]:
    """The migrations this code ships: read once per process (the files do not change under it)."""
    global _on_disk
    if _on_disk is None:
        disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
        # A squashed migration is recorded through the ones it replaces (Django records those as
        # applied whichever way it ran), so it is not asked for itself.
        _on_disk = {key for key, migration in disk.items() if not migration.replaces}
    return _on_disk


def _database() -> tuple[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        applied = set(MigrationRecorder(connection).applied_migrations())
    except DatabaseError:
        connection.close()  # a broken connection must not be reused by the next request
        return "down", "unknown"
    missing = _migrations_on_disk() - applied
    return "ok", ("ok" if not missing else f"{len(missing)} not applied")


def _broker() -> str:
    url = urlparse(settings.MQTT_URL)
    if not url.hostname:
        return "not configured"
    try:
        with socket.create_connection((url.hostname, url.port or 1883), timeout=1.0):
            return "ok"
    except OSError:
        return "down"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    started = time.monotonic()
    database, migrations = _database()
    checks = {"database": database, "migrations": migrations, "broker": _broker()}
    required = ["database", "migrations"] + (["broker"] if settings.READYZ_REQUIRE_BROKER else [])
    ready = all(checks[name] == "ok" for name in required)
    body = {"status": "ready" if ready else "unready", "checks": checks,
            "took_ms": round((time.monotonic() - started) * 1000, 1)}  # fmt: skip
    return JsonResponse(body, status=200 if ready else 503)
