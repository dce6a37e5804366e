"""A load test on loopback: the production layout of docs/deploy.md, shrunk to one machine, under a
realistic mix of users, at rising concurrency; then the counts checked for exactly-once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_bench .venv/bin/python -m bench.load

- 2 gunicorn web processes (2 workers × 4 threads each, the client spreads requests over both as a
  reverse proxy would), 2 outbox workers and 2 MQTT ingest processes (one shared subscription) on
  the benchmark database (`python -m bench.generate`), and the ERP stand-in for the outbox.
- Virtual users, each a loop without think time: technicians logging labor on in-progress WOs and
  reading them (35 %), planners browsing the WO list, WO pages and the dashboard (35 %), the OEE
  platform posting downtime events over HTTP (15 %) and publishing them over MQTT (15 %).
- For each level of concurrency: requests/s, p50/p95 per kind, errors. The answer is the highest
  rate whose p95 over all requests stays ≤ 200 ms.
- Afterwards: every labor entry the API acknowledged is in the database once; every downtime event
  published or posted is stored once (MQTT ones within 60 s).

Standard library threads and httpx: no load-testing framework to install, and the numbers are the
client's own (the time from sending a request to its last byte).
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")  # the ERP stand-in listens on loopback

import django

django.setup()

import httpx  # noqa: E402
import paho.mqtt.client as mqtt  # noqa: E402
from django.db import connection  # noqa: E402

from plantwright.accounts.models import Membership, Site, User  # noqa: E402
from plantwright.accounts.roles import Role  # noqa: E402
from plantwright.accounts.services import create_token  # noqa: E402
from plantwright.assets.models import Asset  # noqa: E402
from plantwright.downtime.models import DowntimeEvent  # noqa: E402
from plantwright.downtime.mqtt import end_session  # noqa: E402
from plantwright.maintenance.models import LaborEntry, LaborRate, WorkOrder  # noqa: E402
from plantwright.testing.processes import (  # noqa: E402
    FakeErp,
    kill,
    start_mqtt_ingest,
    start_outbox_worker,
    start_scheduler_and_task_worker,
    start_web,
)

P95_TARGET_MS = 200
# Who the n-th virtual user is: 35 % technicians, 35 % planners, 15 % and 15 % the OEE platform's feeds.
MIX = [{"T": "technician", "P": "planner", "H": "oee-http", "M": "oee-mqtt"}[c] for c in "TPHTPMTPTPHTPMTPTPHM"]


class Run:
    """One level of concurrency: its samples, errors and what the server acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}  # server errors (5xx) and broken connections
        self.refused: dict[str, int] = {}  # 4xx: the data said no (a day's hours full, say)
        self.labor_ids: list[int] = []
        self.http_events: set[str] = set()
        self.mqtt_events: set[str] = set()

    def record(self, kind: str, started: float, status: int) -> None:
        with self.lock:
            self.samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            if status >= 500 or status == 0:
                self.errors[kind] = self.errors.get(kind, 0) + 1
            elif status >= 400:
                self.refused[kind] = self.refused.get(kind, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="4,8,16,32", help="Concurrent virtual users, one run each")
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("the load test runs on PostgreSQL (DATABASE_URL)")
    site = Site.objects.get(code="bench")
    oee, _ = User.objects.get_or_create(username="oee")
    Membership.objects.get_or_create(user=oee, site=site, role=Role.INTEGRATION)
    planner = User.objects.get(username="bench")
    technicians = list(User.objects.filter(username__startswith="tech").order_by("username")[:20])
    for technician in technicians:  # what their hour costs
        LaborRate.objects.get_or_create(
            site=site, technician=technician, effective_from=date(2020, 1, 1), defaults={"hourly_rate": Decimal(48)}
        )
    tokens = {user.pk: create_token(user, "load").secret for user in [oee, planner, *technicians]}
    in_progress = list(WorkOrder.objects.filter(site=site, status="in_progress").values_list("pk", flat=True)[:500])
    browse = list(WorkOrder.objects.filter(site=site).order_by("?").values_list("pk", flat=True)[:500])
    machines = list(
        Asset.objects.filter(site=site, oee_machine_id__isnull=False).values_list("oee_machine_id", flat=True)[:200]
    )
    if not machines:  # the generator gives machines no OEE ids: lend some
        for n, asset in enumerate(Asset.objects.filter(site=site, code__startswith="M-")[:200]):
            asset.oee_machine_id = f"load-m{n}"
            asset.save(update_fields=["oee_machine_id"])
        machines = [f"load-m{n}" for n in range(200)]
    prefix = f"pwload-{uuid.uuid4().hex[:8]}"
    env = {"MQTT_TOPIC_PREFIX": prefix, "DOWNTIME_INGEST_USER": "oee", "DATABASE_URL": os.environ["DATABASE_URL"]}
    erp = FakeErp("whsec_load").start()
    webs = [start_web(workers=2), start_web(workers=2)]
    processes = [process for process, _url in webs]
    processes += [start_outbox_worker(env={"DATABASE_URL": os.environ["DATABASE_URL"]}) for _ in range(2)]
    processes += start_scheduler_and_task_worker(env={"DATABASE_URL": os.environ["DATABASE_URL"]})
    ingest_ids = [f"{prefix}-ingest-{n}" for n in range(2)]
    processes += [start_mqtt_ingest(env=env, client_id=client_id) for client_id in ingest_ids]
    urls = [url for _process, url in webs]
    print(
        f"database: {DowntimeEvent.objects.count():,} downtime events, {LaborEntry.objects.count():,} labor entries; "
        f"2 web × 2 workers × 4 threads, 2 outbox workers, a scheduler and a task worker, 2 ingest; "
        f"{args.seconds:.0f} s per level"
    )
    try:
        time.sleep(3)  # the ingest processes subscribe
        results = []
        for users in [int(level) for level in args.levels.split(",")]:
            results.append(
                (
                    users,
                    run_level(
                        users,
                        args.seconds,
                        urls,
                        tokens,
                        oee,
                        planner,
                        technicians,
                        in_progress,
                        browse,
                        machines,
                        prefix,
                    ),
                )
            )
        best = max((r for r in results if r[1]["p95"] <= P95_TARGET_MS), key=lambda r: r[1]["rate"], default=None)
        print(
            f"\nhighest rate with p95 ≤ {P95_TARGET_MS} ms: "
            + (f"{best[1]['rate']:.0f} requests/s at {best[0]} users" if best else "none of the levels")
        )
    finally:
        for process in processes:
            kill(process)
        for client_id in ingest_ids:
            end_session(client_id)
        erp.stop()


def run_level(users, seconds, urls, tokens, oee, planner, technicians, in_progress, browse, machines, prefix) -> dict:
    run = Run()
    labor_before = LaborEntry.objects.count()
    deadline = time.monotonic() + seconds
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{prefix}-pub-{users}")
    publisher.connect("127.0.0.1", 1883)
    publisher.loop_start()

    def user_loop(n: int) -> None:
        rng = random.Random(n)
        client = httpx.Client(timeout=30)
        page = httpx.Client(timeout=30)
        technician = technicians[n % len(technicians)]
        logged_in = False
        role = MIX[n % len(MIX)]
        while time.monotonic() < deadline:
            url = urls[rng.randrange(len(urls))]
            started = time.perf_counter()
            try:
                if role == "technician":  # a technician logs an hour on a WO, then reads it
                    wo = rng.choice(in_progress)
                    headers = {"Authorization": f"Bearer {tokens[technician.pk]}"}
                    # After the generated history (whose technicians are booked far past 24 h a day, which
                    # the API refuses), 3 minutes at a time.
                    day = date(2026, 11, 21) + timedelta(days=rng.randrange(6))
                    body = {"technician": technician.pk, "hours": "0.05", "work_date": str(day)}
                    answer = client.post(f"{url}/api/v1/work-orders/{wo}/labor", json=body, headers=headers)
                    run.record("technician: log labor (API)", started, answer.status_code)
                    if answer.status_code == 201:
                        with run.lock:
                            run.labor_ids.append(answer.json()["id"])
                    started = time.perf_counter()
                    answer = client.get(f"{url}/api/v1/work-orders/{wo}", headers=headers)
                    run.record("technician: read the WO (API)", started, answer.status_code)
                elif role == "planner":  # a planner browses pages
                    if not logged_in:
                        for base in urls:
                            page.get(f"{base}/login/")
                            page.post(
                                f"{base}/login/",
                                data={
                                    "username": "bench",
                                    "password": "bench",
                                    "csrfmiddlewaretoken": page.cookies.get("csrftoken", ""),
                                },
                                headers={"Referer": f"{base}/login/"},
                            )
                        logged_in = True
                        started = time.perf_counter()
                    choice = rng.random()
                    if choice < 0.5:
                        number = rng.randint(1, 500)
                        answer = page.get(f"{url}/work-orders/", params={"status": "closed", "page": number})
                        run.record("planner: WO list page", started, answer.status_code)
                    elif choice < 0.9:
                        answer = page.get(f"{url}/work-orders/{rng.choice(browse)}/")
                        run.record("planner: WO page", started, answer.status_code)
                    else:
                        answer = page.get(f"{url}/reliability/")
                        run.record("planner: Reliability page", started, answer.status_code)
                elif role == "oee-http":  # the OEE platform posts a stop
                    event_id = f"{prefix}-h{users}-{n}-{uuid.uuid4().hex[:8]}"
                    body = {
                        "event_id": event_id,
                        "machine_id": rng.choice(machines),
                        "started_at": "2026-11-20T06:00:00Z",
                        "ended_at": "2026-11-20T06:01:00Z",
                        "category": "minor_stop",
                    }
                    answer = client.post(
                        f"{url}/api/v1/downtime-events",
                        json=body,
                        headers={"Authorization": f"Bearer {tokens[oee.pk]}"},
                    )
                    run.record("OEE: downtime event (HTTP)", started, answer.status_code)
                    if answer.status_code in (200, 201):
                        with run.lock:
                            run.http_events.add(event_id)
                else:  # the OEE platform publishes a stop over MQTT (QoS 1, acknowledged by the broker)
                    machine = rng.choice(machines)
                    event_id = f"{prefix}-m{users}-{n}-{uuid.uuid4().hex[:8]}"
                    body = {
                        "event_id": event_id,
                        "machine_id": machine,
                        "started_at": "2026-11-20T06:00:00Z",
                        "ended_at": "2026-11-20T06:01:00Z",
                        "category": "minor_stop",
                    }
                    info = publisher.publish(f"{prefix}/bench/downtime/{machine}", json.dumps(body), qos=1)
                    info.wait_for_publish(timeout=10)
                    with run.lock:
                        run.mqtt_events.add(event_id)
                    time.sleep(0.02)  # a feed, not a flood: Mosquitto keeps 1,000 messages per slow client
            except httpx.HTTPError:
                run.record("connection errors", started, 0)

    threads = [threading.Thread(target=user_loop, args=(n,)) for n in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    publisher.loop_stop()
    publisher.disconnect()
    every = sorted(sample for samples in run.samples.values() for sample in samples)
    p95 = every[round(0.95 * (len(every) - 1))] if every else 0
    rate = len(every) / elapsed
    print(
        f"\n{users} users: {len(every):,} requests in {elapsed:.0f} s = {rate:.0f} requests/s, "
        f"p95 {p95:.0f} ms, errors {sum(run.errors.values())}; MQTT: {len(run.mqtt_events):,} published"
    )
    for kind, samples in sorted(run.samples.items()):
        samples.sort()
        print(
            f"  {kind:<34} {len(samples):6,}  p50 {statistics.median(samples):6.0f} ms   "
            f"p95 {samples[round(0.95 * (len(samples) - 1))]:6.0f} ms   errors {run.errors.get(kind, 0)}   "
            f"refused {run.refused.get(kind, 0)}"
        )
    # Exactly once: what was acknowledged is there, once.
    assert LaborEntry.objects.count() - labor_before == len(run.labor_ids) == len(set(run.labor_ids))
    assert DowntimeEvent.objects.filter(event_id__in=run.http_events).count() == len(run.http_events)
    waited = time.monotonic()
    while DowntimeEvent.objects.filter(event_id__in=run.mqtt_events).count() < len(run.mqtt_events):
        if time.monotonic() - waited > 60:
            raise AssertionError("MQTT events missing after 60 s")
        time.sleep(0.5)
    print(
        f"  exactly once: {len(run.labor_ids):,} labor entries, {len(run.http_events):,} HTTP and "
        f"{len(run.mqtt_events):,} MQTT downtime events stored once each"
    )
    return {"rate": rate, "p95": p95}


if __name__ == "__main__":
    main()
