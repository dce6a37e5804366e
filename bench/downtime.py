"""Downtime ingest over MQTT into the database, next to a floor measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_bench_dt .venv/bin/python bench/downtime.py
    [--events 20000] [--machines 200]

Builds its own database (drops the PostgreSQL database in DATABASE_URL, or var/bench-dt.sqlite3),
then prints:
  - floor: a bare paho-mqtt subscriber doing one INSERT per message with psycopg (autocommit), for
    the same messages: what the broker, the client library and one write per event cost here;
  - ingest with 1 and 2 `mqtt_ingest` processes (shared subscription): events per second from the
    first publish until every event is stored, with the site's rules applied and WOs opened;
  - latency: publish → WO created, p50/p95 over breakdowns published one at a time.
Needs Mosquitto at MQTT_URL (default mqtt://127.0.0.1:1883).
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-dt.sqlite3'}")
PREFIX = f"bench-{uuid.uuid4().hex[:8]}"
os.environ["MQTT_TOPIC_PREFIX"] = PREFIX
os.environ["DOWNTIME_INGEST_USER"] = "bench-oee"


from bench.fresh import fresh_database  # noqa: E402

fresh_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

import paho.mqtt.client as mqtt  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from plantwright.accounts.models import Site, User  # noqa: E402
from plantwright.accounts.roles import Role  # noqa: E402
from plantwright.accounts.services import grant_role  # noqa: E402
from plantwright.assets.models import Asset  # noqa: E402
from plantwright.downtime.models import DowntimeEvent, DowntimeRule, DowntimeStop  # noqa: E402
from plantwright.downtime.mqtt import end_session  # noqa: E402
from plantwright.maintenance.models import WorkOrder  # noqa: E402
from plantwright.testing.processes import kill, start_mqtt_ingest  # noqa: E402


def _setup(machines: int) -> Site:
    site = Site.objects.create(code="dt", name="Downtime bench", currency="EUR")
    oee = User.objects.create_user("bench-oee", "oee@example.com", "x")
    grant_role(oee, site, Role.INTEGRATION)
    Asset.objects.bulk_create(
        Asset(site=site, code=f"M{n:04d}", name=f"Machine {n}", oee_machine_id=f"dt-m{n:04d}") for n in range(machines)
    )
    DowntimeRule.objects.create(site=site, position=10, name="ignore", action="ignore", categories=["planned_stop"])
    DowntimeRule.objects.create(
        site=site, position=20, name="breakdown", action="open_wo", categories=["breakdown"], min_duration_minutes=5
    )
    DowntimeRule.objects.create(
        site=site, position=30, name="minor", action="repeated", categories=["minor_stop"], repeat_count=3,
        repeat_window_hours=8, work_order_type="inspection", is_failure=False,
    )  # fmt: skip
    return site


def _history(site: Site, stops_per_machine: int = 300) -> int:
    """Months of past stops and their events before the measured ones (a plant's ingest never starts
    empty), written in bulk, then the tables' statistics taken as autovacuum keeps them: the planner
    of a table it believes empty looks a batch's 200 event ids up by scanning every event."""
    from plantwright.core.db.bulk import insert_new

    oee = User.objects.get(username="bench-oee")
    end = timezone.now() - timezone.timedelta(days=31)
    stops, events = [], []
    for asset in Asset.objects.filter(site=site):
        for n in range(stops_per_machine):
            start = end - timezone.timedelta(hours=7 * (n + 1))
            category = ("minor_stop", "planned_stop", "changeover")[n % 3]
            stops.append(DowntimeStop(site=site, asset=asset, started_at=start, category=category,
                                      ended_at=start + timezone.timedelta(minutes=3)))  # fmt: skip
    insert_new(DowntimeStop, stops)
    for n, stop in enumerate(stops):
        body = {"event_id": f"h-{n}", "machine_id": stop.asset.oee_machine_id, "category": stop.category,
                "started_at": stop.started_at.isoformat(), "ended_at": stop.ended_at.isoformat()}  # fmt: skip
        events.append(DowntimeEvent(site=site, sender=oee, source="mqtt:history", event_id=f"h-{n}", payload=body,
                                    status=DowntimeEvent.Status.APPLIED, stop=stop))  # fmt: skip
    insert_new(DowntimeEvent, events)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(events)


def _events(count: int, machines: int, tag: str) -> list[tuple[str, bytes]]:
    """Realistic mix: mostly minor and planned stops, a few breakdowns, each stop as one event."""
    base = timezone.now() - timezone.timedelta(days=30)
    out = []
    for n in range(count):
        machine = f"dt-m{n % machines:04d}"
        category = ("minor_stop", "planned_stop", "minor_stop", "changeover", "breakdown")[n % 5]
        start = base + timezone.timedelta(minutes=n * 3 // machines * 7 + n % 7)
        body = {
            "event_id": f"{tag}-{n}",
            "machine_id": machine,
            "category": category,
            "started_at": start.isoformat(),
            "ended_at": (start + timezone.timedelta(minutes=12 if category == "breakdown" else 2)).isoformat(),
        }
        out.append((f"{PREFIX}/dt/downtime/{machine}", json.dumps(body).encode()))
    return out


def _publisher() -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    return client


# Mosquitto queues at most 1,000 QoS 1 messages per subscriber by default (max_queued_messages) and
# drops the rest: publish in chunks no further ahead of the consumer than that, as a steady stream would.
CHUNK = 500


def _publish_all(client: mqtt.Client, messages, consumed) -> None:
    for offset in range(0, len(messages), CHUNK):
        while offset - consumed() > CHUNK:
            time.sleep(0.02)
        infos = [client.publish(topic, body, qos=1) for topic, body in messages[offset : offset + CHUNK]]
        for info in infos:
            info.wait_for_publish(timeout=120)


def floor(messages) -> float:
    """A bare subscriber: one INSERT per message, autocommit, acknowledged by paho on receipt."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        db = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS bench_floor (topic text, body text)")

        def insert(topic, body):
            db.execute("INSERT INTO bench_floor VALUES (?, ?)", (topic, body))
    else:
        db = psycopg.connect(url, autocommit=True)
        db.execute("CREATE TABLE IF NOT EXISTS bench_floor (topic text, body text)")

        def insert(topic, body):
            db.execute("INSERT INTO bench_floor VALUES (%s, %s)", (topic, body))

    done = threading.Event()
    received = 0

    def on_message(client, userdata, message):
        nonlocal received
        insert(message.topic, message.payload.decode())
        received += 1
        if received == len(messages):
            done.set()

    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-floor-{uuid.uuid4().hex[:6]}")
    sub.on_message = on_message
    sub.connect("127.0.0.1", 1883)
    sub.subscribe(f"{PREFIX}/floor/#", qos=1)
    sub.loop_start()
    time.sleep(0.5)
    publisher = _publisher()
    started = time.perf_counter()
    _publish_all(publisher, [(topic.replace("/dt/", "/floor/"), body) for topic, body in messages], lambda: received)
    if not done.wait(timeout=120):
        raise SystemExit(f"floor: only {received} of {len(messages)} messages arrived")
    elapsed = time.perf_counter() - started
    sub.loop_stop()
    publisher.loop_stop()
    return len(messages) / elapsed


def _forget_sessions(processes) -> None:
    """A killed ingest's persistent session stays in the shared group and keeps getting its share
    (queued for it): end the sessions so the next measurement starts clean."""
    for process in processes:
        end_session(process.args[process.args.index("--client-id") + 1])


def ingest_rate(messages, workers: int) -> float:
    processes = [start_mqtt_ingest(env={"MQTT_TOPIC_PREFIX": PREFIX, "DOWNTIME_INGEST_USER": "bench-oee"},
                                   client_id=f"bench-ingest-{PREFIX}-{n}") for n in range(workers)]  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and sum("subscribed" in Path(p.log_path).read_text() for p in processes) < workers
        ):
            time.sleep(0.1)
        before = DowntimeEvent.objects.count()
        first_id = (DowntimeEvent.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        publisher = _publisher()
        started = time.perf_counter()
        # Pacing reads the newest id (an index probe; a count(*) every few ms would take a share of
        # the two cores the ingest and PostgreSQL are measured on); the end is an exact count.
        _publish_all(
            publisher, messages, lambda: (DowntimeEvent.objects.aggregate(last=Max("id"))["last"] or 0) - first_id
        )
        while DowntimeEvent.objects.count() - before < len(messages):
            if time.perf_counter() - started > 900:
                raise SystemExit("ingest did not finish in 15 minutes")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        publisher.loop_stop()
        return len(messages) / elapsed
    finally:
        for process in processes:
            kill(process)
        _forget_sessions(processes)


def _opened_a_work_order(event_id: str) -> bool:
    """Two index probes, not a join the planner may walk from every stop with a WO (~40 ms here)."""
    stop = DowntimeEvent.objects.filter(event_id=event_id).values_list("stop_id", flat=True).first()
    return stop is not None and DowntimeStop.objects.filter(pk=stop, work_order__isnull=False).exists()


def latency(machines: int, samples: int = 40) -> tuple[float, float]:
    processes = [start_mqtt_ingest(env={"MQTT_TOPIC_PREFIX": PREFIX, "DOWNTIME_INGEST_USER": "bench-oee"},
                                   client_id=f"bench-lat-{PREFIX}")]  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "subscribed" not in Path(processes[0].log_path).read_text():
            time.sleep(0.1)
        publisher = _publisher()
        delays = []
        for n in range(samples):
            machine = f"dt-m{(machines - 1 - n) % machines:04d}"
            WorkOrder.objects.filter(asset__oee_machine_id=machine).update(status="closed")
            start = timezone.now() - timezone.timedelta(minutes=30)
            body = {"event_id": f"lat-{n}", "machine_id": machine, "category": "breakdown",
                    "started_at": start.isoformat(), "ended_at": timezone.now().isoformat()}  # fmt: skip
            sent = time.perf_counter()
            publisher.publish(f"{PREFIX}/dt/downtime/{machine}", json.dumps(body).encode(), qos=1)
            while not _opened_a_work_order(f"lat-{n}"):
                if time.perf_counter() - sent > 10:
                    raise SystemExit(f"latency: event lat-{n} opened no WO within 10 s")
                time.sleep(0.002)
            delays.append((time.perf_counter() - sent) * 1000)
        delays.sort()
        return statistics.median(delays), delays[int(len(delays) * 0.95) - 1]
    finally:
        for process in processes:
            kill(process)
        _forget_sessions(processes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--machines", type=int, default=200)
    args = parser.parse_args()
    history = _history(_setup(args.machines))
    print(f"database: {connection.vendor}; {args.events} events over {args.machines} machines, {history} before them")
    rate = floor(_events(args.events, args.machines, "f"))
    print(f"floor (bare subscriber, one INSERT per message): {rate:7.0f} events/s")
    for workers in (1, 2):
        rate = ingest_rate(_events(args.events, args.machines, f"w{workers}"), workers)
        print(f"mqtt_ingest, {workers} process(es), rules and dedupe: {rate:7.0f} events/s")
    p50, p95 = latency(args.machines)
    print(f"publish -> WO created: p50 {p50:6.1f} ms, p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
