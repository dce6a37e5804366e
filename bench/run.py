"""Time the reads that grow with history, on the data bench/generate.py made. Prints one line per figure.

.venv/bin/python bench/run.py [--repeat 20]
"""

import argparse
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402

from bench.timing import timed  # noqa: E402
from plantwright.accounts.models import User  # noqa: E402
from plantwright.accounts.services import create_token  # noqa: E402
from plantwright.assets.models import Asset, Location  # noqa: E402
from plantwright.maintenance import selectors  # noqa: E402
from plantwright.maintenance.models import WorkOrder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    user = User.objects.get(username="bench")
    token = create_token(user, "bench").secret
    client = Client(headers={"Authorization": f"Bearer {token}"})
    top = Asset.objects.filter(parent__isnull=True).order_by("id").first()
    area = Location.objects.filter(parent__isnull=True).order_by("id").first()
    wo = WorkOrder.objects.order_by("id").first()
    year = {"date_from": date(2025, 1, 1), "date_to": date(2026, 1, 1)}
    print(f"database: {connection.vendor}; {Asset.objects.count()} assets, {WorkOrder.objects.count()} WOs")
    timed("asset cost, one machine with components, one year", lambda: selectors.asset_cost(top.pk, **year), repeat)
    timed("asset cost by month, one machine with components", lambda: selectors.asset_cost_by_month(top.pk), repeat)
    timed(
        "location cost, one area (1/20 of the plant), one year",
        lambda: selectors.location_cost(area.pk, **year),
        repeat,
    )
    timed("WO cost ledger with running total", lambda: selectors.cost_lines(wo), repeat)
    timed("GET /api/v1/work-orders?limit=100", lambda: client.get("/api/v1/work-orders", {"limit": 100}), repeat)
    timed(
        "GET /api/v1/work-orders?status=in_progress&limit=100",
        lambda: client.get("/api/v1/work-orders", {"limit": 100, "status": "in_progress"}),
        repeat,
    )
    timed(f"GET /api/v1/assets/{top.pk}/cost", lambda: client.get(f"/api/v1/assets/{top.pk}/cost"), repeat)
    reset_queries()


if __name__ == "__main__":
    main()
