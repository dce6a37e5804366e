"""Generate a plant at realistic scale into the configured database (default: var/bench.sqlite3).

    .venv/bin/python bench/generate.py --assets 5000 --work-orders 100000 --lines-per-wo 5

Rows are bulk-inserted (no services) so generation is quick; figures are deterministic (seeded).
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'bench.sqlite3'}")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from plantwright.accounts.models import Membership, Site, User  # noqa: E402
from plantwright.assets.models import Asset, Location  # noqa: E402
from plantwright.maintenance.models import CostLine, WorkOrder, WorkOrderType  # noqa: E402

BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=5000)
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--lines-per-wo", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    started = time.perf_counter()
    call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        site = Site.objects.create(code="bench", name="Bench plant", currency="EUR")
        user = User.objects.create_superuser("bench", "bench@example.com", "bench")
        Membership.objects.create(user=user, site=site, role="planner")
        areas = [Location.objects.create(site=site, code=f"AREA-{i}", name=f"Area {i}") for i in range(20)]
        lines = [
            Location.objects.create(site=site, code=f"LINE-{i}", name=f"Line {i}", parent=areas[i % 20])
            for i in range(100)
        ]
        # A forest: each top machine has components, some of which have sub-components.
        assets: list[Asset] = []
        tops = Asset.objects.bulk_create(
            Asset(site=site, code=f"M-{i:05d}", name=f"Machine {i}", location=lines[i % 100])
            for i in range(args.assets // 5)
        )
        assets += tops
        children = Asset.objects.bulk_create(
            Asset(site=site, code=f"C-{i:05d}", name=f"Component {i}", parent=tops[i % len(tops)])
            for i in range(args.assets * 2 // 5)
        )
        assets += children
        assets += Asset.objects.bulk_create(
            Asset(site=site, code=f"S-{i:05d}", name=f"Sub-component {i}", parent=children[i % len(children)])
            for i in range(args.assets - len(assets))
        )
    types = WorkOrderType.values
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for offset in range(0, args.work_orders, BATCH):
        with transaction.atomic():
            batch = WorkOrder.objects.bulk_create(
                WorkOrder(
                    number=f"WO-{offset + i + 1:07d}",
                    site=site,
                    asset=assets[rng.randrange(len(assets))],
                    type=types[rng.randrange(len(types))],
                    title="Bench job",
                    status=rng.choice(["closed", "closed", "closed", "completed", "in_progress", "approved"]),
                    created_by=user,
                )
                for i in range(min(BATCH, args.work_orders - offset))
            )
            CostLine.objects.bulk_create(
                CostLine(
                    work_order=wo,
                    kind="labor",
                    category=rng.choice(["labor", "parts", "contractor"]),
                    amount=Decimal(rng.randint(100, 500_000)) / 100,
                    currency="EUR",
                    source_type="bench",
                    source_id=f"{wo.pk}-{n}",
                    idempotency_key=f"bench:{wo.pk}:{n}",
                    cost_date=(start + timedelta(days=rng.randint(0, 1000))).date(),
                )
                for wo in batch
                for n in range(args.lines_per_wo)
            )
    print(
        f"generated {Asset.objects.count()} assets, {WorkOrder.objects.count()} work orders, "
        f"{CostLine.objects.count()} cost lines in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
