"""Server time of the shop-floor pages on the demo data (issue 19: ≤ 150 ms median for home, the WO
list and the WO page), for each desk. Next to each: the floor, the same page's SQL statements run
by hand on the raw DB-API cursor (no ORM, no templates), so what is left is Python's share.

.venv/bin/python -m bench.demo_pages [--repeat 30]     # builds var/bench-demo.sqlite3 on first run
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-demo.sqlite3'}")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import plantwright.wsgi  # noqa: E402, F401  (pages run here as in a web process: its startup frozen)
from bench.timing import timed  # noqa: E402


def _demo() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_demo", if_empty=True, verbosity=0)


def _floor(statements: list[str], repeat: int) -> float:
    raw = connection.connection
    cursor = raw.cursor()

    def run() -> None:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()

    return timed("    floor: its SQL by hand", run, repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    repeat = parser.parse_args().repeat
    _demo()
    # The pages' static URLs without a collectstatic run.
    plain_files = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": plain_files}
    from plantwright.accounts.models import Membership, User
    from plantwright.maintenance.models import WorkOrder

    # The busiest WO both the technician and the planner may open (the demo has two sites).
    shared = WorkOrder.objects.filter(site__in=Membership.objects.filter(user__username="tech").values("site")).filter(
        site__in=Membership.objects.filter(user__username="planner").values("site")
    )
    busiest = max(shared, key=lambda w: w.labor_entries.count() + w.transitions.count())
    pages = [
        ("tech", "/", "technician home (My work)"),
        ("operator", "/", "operator home (My requests)"),
        ("planner", "/", "planner home"),
        ("manager", "/", "manager home"),
        ("planner", "/work-orders/", "WO list, first page"),
        ("tech", f"/work-orders/{busiest.pk}/", f"WO page ({busiest.number}, the busiest)"),
        ("planner", f"/work-orders/{busiest.pk}/", f"WO page ({busiest.number}) as planner"),
    ]
    print(f"{connection.vendor}, {WorkOrder.objects.count()} WOs, repeat {repeat}, load {os.getloadavg()[0]:.2f}")
    for username, url, label in pages:
        client = Client()
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # Read now: the next request empties Django's query log.
        reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        timed(f"{label} ({len(queries)} queries)", lambda c=client, u=url: c.get(u), repeat)
        _floor(reads, repeat)


if __name__ == "__main__":
    main()
