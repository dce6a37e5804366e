"""Time the CSV asset-register import on its own fresh database.

    .venv/bin/python -m bench.asset_import                     # SQLite: var/bench-import.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_bench_import .venv/bin/python -m bench.asset_import

Figures for a register of --rows assets (a four-level tree, parents listed after their children, with
locations, classes, dates and OEE ids): the check (a dry run), the first import (every asset new),
and the same file again (every asset unchanged) and with every name changed (every asset updated).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-import.sqlite3'}")

from bench.fresh import fresh_database  # noqa: E402


def register(rows: int, suffix: str = "") -> bytes:
    lines = ["code,name,parent_code,location_code,asset_class,criticality,commissioned_at,oee_machine_id"]
    for n in reversed(range(rows)):  # children first: the import orders parents itself
        parent = f"A-{(n - 1) // 4:05d}" if n else ""
        oee = f"m-{n}" if n % 10 == 0 else ""
        lines.append(f"A-{n:05d},Asset {n}{suffix},{parent},L{n % 20},pump,high,2024-03-01,{oee}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    fresh_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from plantwright.accounts.roles import Role
    from plantwright.assets.imports import import_assets
    from plantwright.assets.models import Asset, AssetClass, Location
    from plantwright.testing import factories

    site = factories.SiteFactory(code="bench", timezone="Europe/Istanbul")
    planner = factories.UserFactory(username="bench-planner", roles=[(site, Role.PLANNER)])
    Location.objects.bulk_create(Location(site=site, code=f"L{n}", name=f"Line {n}") for n in range(20))
    AssetClass.objects.create(code="pump", name="Pump")
    first, renamed = register(args.rows), register(args.rows, " (renamed)")

    def run(label: str, data: bytes, *, apply: bool, expect: str) -> None:
        started = time.perf_counter()
        report = import_assets(planner, site, data, apply=apply)
        took = time.perf_counter() - started
        counts = {"new": len(report.created), "changed": len(report.updated), "unchanged": report.unchanged}
        assert counts[expect] == args.rows, counts
        print(f"{label:<40} {took * 1000:9.0f} ms   {args.rows / took:8.0f} rows/s   {counts}")

    print(f"{os.environ['DATABASE_URL'].split(':', 1)[0]}, {args.rows} rows ({len(first) / 1e6:.2f} MB)")
    run("check (dry run), every asset new", first, apply=False, expect="new")
    run("import, every asset new", first, apply=True, expect="new")
    run("the same file again (unchanged)", first, apply=True, expect="unchanged")
    run("every name changed", renamed, apply=True, expect="changed")
    assert Asset.objects.filter(site=site).count() == args.rows


if __name__ == "__main__":
    main()
