"""Time the WO history import on its own fresh database, next to a floor of the same design by hand.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_bench_history .venv/bin/python -m bench.history_import
    .venv/bin/python -m bench.history_import --rows 20000      # SQLite: var/bench-history.sqlite3

A file of --rows WOs over three years on 200 assets (a quarter failures with times and codes, PM with
due dates, corrective work): the check (a dry run), the import, and the same file again (every WO
already there). The floor reads the same CSV with the csv module and inserts the same WO rows with
the raw DB-API cursor in batches (executemany), with no checks, history or transitions: what the
import costs beyond its writes is its checks, the history rows and the transitions.
"""

import argparse
import csv
import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-history.sqlite3'}")

from bench.fresh import fresh_database  # noqa: E402

START = datetime(2023, 1, 2, 6, 0, tzinfo=UTC)
HEADER = ["number", "asset", "type", "status", "title", "is_failure", "problem", "cause", "remedy",
          "down_since", "restored_at", "due_date", "created_at", "completed_at"]  # fmt: skip


def history(rows: int, prefix: str = "OLD") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    step = timedelta(days=3 * 365) / rows
    for n in range(rows):
        start = START + step * n
        kind = ("emergency", "preventive", "corrective", "inspection")[n % 4]
        row = [f"{prefix}-{n:07d}", f"A-{n % 200:03d}", kind, "closed", f"Job {n}", "", "", "", "", "", "", "",
               start.isoformat(), (start + timedelta(hours=5)).isoformat()]  # fmt: skip
        if kind == "emergency":
            row[5:11] = ["true", "LEAK", "WEAR", "REPLACE", start.isoformat(), (start + timedelta(hours=3)).isoformat()]
        elif kind != "corrective":
            row[11] = (start + timedelta(days=2)).date().isoformat()
        writer.writerow(row)
    return out.getvalue().encode()


def floor(data: bytes, site_id: int, user_id: int, assets: dict[str, int]) -> int:
    """The same rows read and written by hand: csv module, raw cursor, executemany per 2,000."""
    from django.db import connection

    cursor = connection.connection.cursor()
    mark = "%s" if connection.vendor == "postgresql" else "?"
    columns = ("number", "external_ref", "site_id", "asset_id", "type", "priority", "title", "description",
               "status", "origin", "is_failure", "down_since", "restored_at", "due_date", "completed_at",
               "created_by_id", "created_at", "updated_at")  # fmt: skip
    sql = f"INSERT INTO maintenance_workorder ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    now = datetime.now(UTC)
    batch, written = [], 0
    for n, row in enumerate(csv.DictReader(io.StringIO(data.decode()))):
        batch.append((f"FL-{n:07d}", row["number"], site_id, assets[row["asset"]], row["type"], "medium",
                      row["title"], "", row["status"], "import", row["is_failure"] == "true",
                      row["down_since"] or None, row["restored_at"] or None, row["due_date"] or None,
                      row["completed_at"], user_id, row["created_at"], now))  # fmt: skip
        if len(batch) == 2000:
            cursor.executemany(sql, batch)
            written, batch = written + len(batch), []
    if batch:
        cursor.executemany(sql, batch)
        written += len(batch)
    connection.connection.commit()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    fresh_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from plantwright.accounts.roles import Role
    from plantwright.assets.models import Asset
    from plantwright.maintenance.history_import import import_history
    from plantwright.maintenance.models import WorkOrder
    from plantwright.testing import factories

    site = factories.SiteFactory(code="bench", timezone="Europe/Istanbul")
    planner = factories.UserFactory(username="bench-planner", roles=[(site, Role.PLANNER)])
    Asset.objects.bulk_create(Asset(site=site, code=f"A-{n:03d}", name=f"Asset {n}") for n in range(200))
    for kind, code in (("problem", "LEAK"), ("cause", "WEAR"), ("remedy", "REPLACE")):
        factories.failure_code(kind, code)
    data = history(args.rows)
    print(f"{os.environ['DATABASE_URL'].split(':', 1)[0]}, {args.rows} WO rows ({len(data) / 1e6:.1f} MB), "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip

    def run(label: str, *, apply: bool, expect_new: int) -> None:
        started = time.perf_counter()
        report = import_history(planner, site, data, apply=apply)
        took = time.perf_counter() - started
        assert report.created == expect_new, report.created
        print(f"{label:<44} {took:7.1f} s   {args.rows / took:8.0f} rows/s")

    run("check (dry run)", apply=False, expect_new=args.rows)
    run("import (every WO new)", apply=True, expect_new=args.rows)
    run("the same file again (every WO there)", apply=True, expect_new=0)
    assert WorkOrder.objects.filter(site=site).count() == args.rows
    assets = dict(Asset.objects.filter(site=site).values_list("code", "pk"))
    started = time.perf_counter()
    written = floor(history(args.rows, "FLOOR"), site.pk, planner.pk, assets)
    took = time.perf_counter() - started
    print(f"{'floor: csv module + raw executemany, no checks':<44} {took:7.1f} s   {written / took:8.0f} rows/s")


if __name__ == "__main__":
    main()
