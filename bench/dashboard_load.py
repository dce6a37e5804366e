"""The Reliability page while technicians book labor, on the data `python -m bench.generate` made.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_bench \\
      .venv/bin/python bench/dashboard_load.py [--rate 20] [--repeat 40]

Three measurements of the page (the bench site, a year read from the monthly aggregates, in-process
through Django's test client): idle; under `--rate` labor entries a second booked by another process
(through `log_labor`, on in-progress WOs of random assets, today or the last two weeks: each notes its
asset for the months) while a third process does the worker's job every 3 s (`refresh_changed`),
with the page reading the months as the worker left them (RELIABILITY_STALE_SECONDS=10, the default);
and the same load with RELIABILITY_STALE_SECONDS=0, where every page first rebuilds what changed (the
behaviour before).
Prints median, p95 and max, and the queries of one page.
"""

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

import plantwright.wsgi  # noqa: E402, F401  (pages run here as in a web process: its startup frozen)
from plantwright.accounts.models import Site, User  # noqa: E402
from plantwright.maintenance.models import WorkOrder  # noqa: E402

YEAR = {"from": "2025-11-01", "to": "2026-11-01"}


def _book(rate: float, stop) -> None:
    """Another process: `rate` labor entries a second on in-progress WOs, as technicians do."""
    from django.db import connection as own

    from plantwright.core.errors import ValidationFailed
    from plantwright.maintenance.services import log_labor

    own.close()
    site = Site.objects.get(code="bench")
    technicians = list(User.objects.filter(username__startswith="tech"))
    orders = list(WorkOrder.objects.filter(site=site, status="in_progress").order_by("?")[:2000])
    rng = random.Random(11)
    today = timezone.localdate()
    booked, started = 0, time.monotonic()
    while not stop.is_set():  # a booking that fails stops the run: its figures would not be under load
        tech = rng.choice(technicians)
        # Today or the last two weeks, as technicians book their days: a day holds 24 h a person,
        # and the runs of one day would fill today alone.
        day = today - timedelta(days=rng.randrange(14))
        try:
            log_labor(tech, rng.choice(orders), technician_id=tech.pk, hours=Decimal("0.25"), work_date=day)
        except ValidationFailed as refused:
            if refused.code != "daily_hours_exceeded":
                raise
            continue  # that person's day is full: another person, another day
        booked += 1
        time.sleep(max(0.0, started + booked / rate - time.monotonic()))


def _refresh(stop) -> None:
    """Another process: the worker's job, every 3 s."""
    from django.db import connection as own

    from plantwright.reliability.monthly import refresh_changed

    own.close()
    while not stop.wait(3):
        refresh_changed()


def _page_times(client: Client, site: Site, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert client.get("/reliability/", {"site": site.pk, **YEAR}).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.1)
    return times


def _report(name: str, times: list[float], queries: int) -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{name:60s} median {statistics.median(ordered):6.0f} ms  p95 {p95:6.0f} ms  max {ordered[-1]:6.0f} ms"
          f"  ({queries} queries)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    site = Site.objects.get(code="bench")
    client = Client()
    client.force_login(User.objects.get(username="bench"))
    from plantwright.maintenance.models import LaborRate
    from plantwright.reliability.monthly import refresh_all

    technicians = User.objects.filter(username__startswith="tech").exclude(labor_rates__site=site)
    LaborRate.objects.bulk_create(  # what their bookings cost
        LaborRate(site=site, technician=tech, hourly_rate=Decimal("45"), effective_from=date(2000, 1, 1))
        for tech in technicians
    )
    refresh_all()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"database: {connection.vendor}; {WorkOrder.objects.filter(site=site).count()} WOs; load {load}")
    _page_times(client, site, 3)  # warm
    _report("Reliability page, idle", _page_times(client, site, args.repeat), _queries(client, site))
    for window in (10, 0):
        settings.RELIABILITY_STALE_SECONDS = window
        context = multiprocessing.get_context("fork")
        stop = context.Event()
        connection.close()
        workers = [
            context.Process(target=_book, args=(args.rate, stop)),
            context.Process(target=_refresh, args=(stop,)),
        ]
        for worker in workers:
            worker.start()
        try:
            time.sleep(5)  # the bookings and the worker's rhythm set in
            times = _page_times(client, site, args.repeat)
            queries = _queries(client, site)
        finally:
            stop.set()
            for worker in workers:
                worker.join(30)
        what = "reads the worker's months" if window else "rebuilds them first (before)"
        _report(f"under {args.rate:g} labor entries/s, page {what}", times, queries)


def _queries(client: Client, site: Site) -> int:
    with CaptureQueriesContext(connection) as seen:
        client.get("/reliability/", {"site": site.pk, **YEAR})
    return len(seen.captured_queries)


if __name__ == "__main__":
    main()
