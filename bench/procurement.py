"""Procurement throughput: outbox delivery to a local ERP stand-in, and inbound ERP events applied.

    .venv/bin/python bench/procurement.py [--messages 3000] [--requests 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_bench_proc .venv/bin/python bench/procurement.py

It builds its own database from scratch (drops the PostgreSQL database named in DATABASE_URL, or the
SQLite file var/bench-proc.sqlite3), then prints:
  - outbox: messages delivered per second by 1 and by 2 `outbox_worker` processes, each message a
    signed HTTP POST of a real parts request to the fake ERP process;
  - events: ERP events applied per second through `POST /api/v1/erp/events` (batches of 100:
    po.created, receipt.posted, invoice.posted for every request line; each posts cost to a WO).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")  # the ERP stand-in listens on loopback
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-proc.sqlite3'}")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


from bench.fresh import fresh_database  # noqa: E402

fresh_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

import json  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from plantwright.accounts.models import Site, User  # noqa: E402
from plantwright.accounts.roles import Role  # noqa: E402
from plantwright.accounts.services import create_token, grant_role  # noqa: E402
from plantwright.assets.models import Asset  # noqa: E402
from plantwright.erp import services as erp_services  # noqa: E402
from plantwright.erp.models import WebhookEndpoint  # noqa: E402
from plantwright.maintenance.models import CostLine, WorkOrder  # noqa: E402
from plantwright.outbox.models import OutboxMessage, OutboxStatus  # noqa: E402
from plantwright.procurement.models import PartsRequest, PartsRequestLine  # noqa: E402
from plantwright.procurement.services import SUBMIT_TOPIC  # noqa: E402
from plantwright.testing.processes import FakeErp, kill, start_outbox_worker  # noqa: E402

SECRET = "whsec_bench"


def _requests(site: Site, user: User, count: int, prefix: str) -> list[PartsRequestLine]:
    """`count` submitted one-line requests on WOs of one asset (bulk: setup is not what we time)."""
    asset = Asset.objects.create(site=site, code=f"{prefix}-A", name="Bench pump")
    orders = WorkOrder.objects.bulk_create(
        WorkOrder(
            site=site,
            asset=asset,
            number=f"WO-{prefix}{n:06d}",
            type="corrective",
            title="Bench",
            status="in_progress",
            created_by=user,
        )
        for n in range(count)
    )
    requests = PartsRequest.objects.bulk_create(
        PartsRequest(
            number=f"PR-{prefix}{n:06d}",
            work_order=wo,
            site=site,
            status="submitted",
            requested_by=user,
            submitted_at=timezone.now(),
        )
        for n, wo in enumerate(orders)
    )
    return PartsRequestLine.objects.bulk_create(
        PartsRequestLine(
            request=request,
            line_no=1,
            description="Mechanical seal 35 mm",
            quantity=Decimal(2),
            estimated_unit_cost=Decimal("85.00"),
            cost_center="CC-1",
        )
        for request in requests
    )


def bench_outbox(user: User, messages: int) -> None:
    site = Site.objects.create(code="out", name="Outbox bench", currency="EUR")
    grant_role(user, site, Role.ADMIN)
    erp = FakeErp(SECRET).start()
    try:
        erp_services.configure_site(user, site, connector="webhook", webhook_url=erp.url)
        WebhookEndpoint.objects.filter(site=site).update(secret=SECRET)
        lines = _requests(site, user, messages, "O")
        OutboxMessage.objects.bulk_create(
            OutboxMessage(
                topic=SUBMIT_TOPIC,
                site=site,
                payload={"parts_request": line.request_id},
                idempotency_key=f"parts_request:{line.request_id}:submit",
                next_attempt_at=timezone.now(),
            )
            for line in lines
        )
        delivered = OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED)
        for workers in (1, 2):
            OutboxMessage.objects.update(
                status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), leased_until=None, leased_by=""
            )
            erp.stop()
            erp.start()
            processes = [start_outbox_worker(batch=50) for _ in range(workers)]
            try:
                # The clock starts at the first delivery: the workers' start (Django's import, ~1 s)
                # is not delivery.
                first = _wait(lambda: delivered.count() or None)
                started = time.perf_counter()
                _wait(lambda: delivered.count() >= messages)
                elapsed = time.perf_counter() - started
            finally:
                for process in processes:
                    kill(process)
            received = erp.received()
            assert len(received) == messages and all(r["attempts"] == 1 for r in received), "lost or doubled"
            rate = (messages - first) / elapsed
            print(
                f"outbox delivery, {workers} worker(s): {messages - first} messages in {elapsed:6.2f} s"
                f" = {rate:7.0f} messages/s (each a signed POST; none lost, none twice)"
            )
            bodies = [(f"floor:{r['key']}", json.dumps(r["body"], separators=(",", ":"), sort_keys=True).encode())
                      for r in received]  # fmt: skip
            floor = _outbox_floor(erp.url, bodies, workers)
            print(f"  floor, the same bodies signed and POSTed in a bare loop by {workers} process(es):"
                  f" {floor:7.0f} messages/s ({rate / floor:.0%} of it)")  # fmt: skip
    finally:
        erp.stop()


def _wait(condition, timeout: float = 600):
    deadline = time.perf_counter() + timeout
    while not (result := condition()):
        if time.perf_counter() > deadline:
            raise SystemExit("the outbox benchmark did not finish in 10 minutes")
        time.sleep(0.02)
    return result


def _post_bare(arguments) -> None:
    """A floor process: sign and POST each body over one kept-alive connection, nothing else."""
    import httpx

    from plantwright.outbox.webhooks import sign

    url, bodies, start_at = arguments
    with httpx.Client() as client:
        client.get(url + "_received")  # the connection is open before the clock
        time.sleep(max(0.0, start_at - time.time()))
        for key, body in bodies:
            headers = {"Content-Type": "application/json", "Idempotency-Key": key,
                       "X-Plantwright-Event": "parts_request.submitted", **sign([SECRET], body)}  # fmt: skip
            assert client.post(url, content=body, headers=headers).is_success


def _outbox_floor(url: str, bodies: list[tuple[str, bytes]], processes: int) -> float:
    """The outbox's floor of the same design: the same signed POSTs to the same receiver from as many
    processes, without the database (no claim, no lease, no outcome recorded)."""
    import multiprocessing

    connection.close()  # the forked processes must not share it
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        start_at = time.time() + 0.5
        pool.map(_post_bare, [(url, bodies[n::processes], start_at) for n in range(processes)])
        return len(bodies) / (time.time() - start_at)


def bench_events(user: User, count: int) -> None:
    site = Site.objects.create(code="evt", name="Event bench", currency="EUR")
    grant_role(user, site, Role.ADMIN)
    lines = _requests(site, user, count, "E")
    events = []
    for n, line in enumerate(lines):
        po = f"45{n:08d}"
        head = {"occurred_at": "2026-11-20T09:00:00Z", "po_number": po}
        created = {"po_line": 10, "request_line": line.pk, "quantity": "2", "unit_price": "80.00"}
        invoiced = {"po_line": 10, "quantity": "2", "amount": "164.00"}
        events += [
            {**head, "event_id": f"c-{n}", "type": "po.created", "currency": "EUR", "lines": [created]},
            {
                **head,
                "event_id": f"r-{n}",
                "type": "receipt.posted",
                "receipt_number": f"GR{n}",
                "lines": [{"po_line": 10, "quantity": "2"}],
            },
            {
                **head,
                "event_id": f"i-{n}",
                "type": "invoice.posted",
                "invoice_number": f"INV{n}",
                "currency": "EUR",
                "lines": [invoiced],
            },
        ]
    client = Client(headers={"Authorization": f"Bearer {create_token(user, 'bench').secret}"})
    client.get("/api/v1/sites")  # loads the URLconf, untimed
    started = time.perf_counter()
    for offset in range(0, len(events), 100):
        response = client.post(
            "/api/v1/erp/events?site=evt", json.dumps(events[offset : offset + 100]), content_type="application/json"
        )
        assert response.status_code == 200, response.content[:500]
    elapsed = time.perf_counter() - started
    assert CostLine.objects.filter(work_order__site=site).count() == 2 * count
    print(
        f"inbound events via the API, batches of 100: {len(events)} events in {elapsed:6.2f} s"
        f" = {len(events) / elapsed:7.0f} events/s ({2 * count} cost lines posted)"
    )
    print(f"  floor, the same cost lines bulk-inserted by hand: {_floor(site, len(events)):7.0f} events/s")
    started = time.perf_counter()
    for offset in range(0, len(events), 100):
        client.post(
            "/api/v1/erp/events?site=evt", json.dumps(events[offset : offset + 100]), content_type="application/json"
        )
    elapsed = time.perf_counter() - started
    print(f"the same events replayed (duplicates, no-ops): {len(events) / elapsed:7.0f} events/s")


def _floor(site: Site, events: int) -> float:
    """The same design by hand: each batch of 100 events is one transaction that inserts its cost lines
    with one executemany (no parsing, no checks, no PO lines or postings): what the events/s figure is
    held against. The copies stay (the ledger is append-only; this database is the bench's own)."""
    from django.db import transaction

    columns = ["work_order_id", "kind", "category", "amount", "currency", "quantity", "description", "source_type",
               "source_id", "idempotency_key", "cost_date", "posted_at", "after_close"]  # fmt: skip
    rows = list(CostLine.objects.filter(work_order__site=site).order_by("pk").values_list(*columns))
    per_batch = max(1, len(rows) * 100 // events)
    sql = f"INSERT INTO {CostLine._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    started = time.perf_counter()
    for offset in range(0, len(rows), per_batch):
        batch = [(*row[:9], f"floor:{row[9]}", *row[10:]) for row in rows[offset : offset + per_batch]]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    return events / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=1000, help="request lines; 3 events each")
    parser.add_argument("--only", choices=["outbox", "events"], help="run one of the two")
    args = parser.parse_args()
    user = User.objects.create_superuser("bench", "bench@example.com", "bench")
    print(f"database: {connection.vendor}")
    if args.only != "events":
        bench_outbox(user, args.messages)
    if args.only != "outbox":
        bench_events(user, args.requests)


if __name__ == "__main__":
    main()
