"""A minute-and-a-half benchmark run for `make test`: the hot paths at small scale, each held against its
floor of the same design measured in the same run, failing when a ratio falls below its margin.

    SMOKE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_smoke .venv/bin/python bench/smoke.py
    make bench-smoke                           # the same; `make test` runs it last

The margins hold for PostgreSQL (SQLite's floors are other designs' floors: without
SMOKE_DATABASE_URL the run uses SQLite files and only reports).

Why ratios, and why these margins: a 2-core machine shared with other work makes every absolute
figure move by half, but the product and its floor suffer the same load side by side, so their ratio
moves much less. Each margin is about half the ratio this scale gives on an idle machine (the
"usual" column below, from docs/benchmarks.md §Benchmark smoke run): what a regression of the kind
issue 25 found (a per-message query on a batched path: the ERP events fell to a third) falls below,
and what load alone has not. The deterministic guards are the query budgets (tests/test_query_budgets.py
and the page tests); this catches the Python that no query count sees.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Check:
    name: str
    script: list[str]
    product: str  # a regex whose group 1 is the product's figure
    floor: str  # a regex whose group 1 is the floor's figure
    usual: float  # product / floor at this scale, idle machine
    margin: float  # fail below this
    setup: tuple[str, ...] = ()  # run first, on the same database (bench.generate)
    times: bool = False  # the figures are times (less is better): the ratio is floor / product
    postgres_only: bool = False  # its floor is written for PostgreSQL

    def ratio(self, output: str) -> float:
        product, floor = _figure(self.product, output), _figure(self.floor, output)
        return floor / product if self.times else product / floor


def _figure(pattern: str, output: str) -> float:
    found = re.search(pattern, output, re.M)
    if found is None:
        raise SystemExit(f"bench smoke: no figure matching {pattern!r} in:\n{output}")
    return float(found.group(1))


PROCUREMENT = ["bench/procurement.py", "--messages", "600", "--requests", "200"]
DOWNTIME = ["bench/downtime.py", "--events", "2000"]
CHECKS = [
    Check("outbox, 1 worker / bare signed POSTs", PROCUREMENT,
          r"outbox delivery, 1 worker.* = +(\d+) messages/s", r"by 1 process\(es\): +(\d+)", 0.38, 0.18),
    Check("outbox, 2 workers / bare signed POSTs", PROCUREMENT,
          r"outbox delivery, 2 worker.* = +(\d+) messages/s", r"by 2 process\(es\): +(\d+)", 0.41, 0.20),
    Check("ERP events / cost lines inserted by hand", PROCUREMENT,
          r"inbound events via the API.* = +(\d+) events/s", r"bulk-inserted by hand: +(\d+)", 0.10, 0.04),
    Check("MQTT ingest, 1 process / bare subscriber", DOWNTIME,
          r"mqtt_ingest, 1 process.*: +(\d+) events/s", r"^floor .*: +(\d+) events/s", 0.38, 0.15),
    # PostgreSQL only: its floor is one psycopg statement over the monthly rows.
    Check("KPI report / SQL over the monthly rows", ["bench/reliability.py", "--report-only"],
          r"^full KPI report, every asset.*median +([\d.]+) ms", r"^floor of the same design.*median +([\d.]+) ms",
          0.48, 0.24, setup=("-m", "bench.generate", "--assets", "1000", "--work-orders", "50000"), times=True,
          postgres_only=True),
]  # fmt: skip


def _database(name: str) -> str:
    base = os.environ.get("SMOKE_DATABASE_URL", "")
    return f"{base.rstrip('/')}_{name}" if base else f"sqlite:///{ROOT / 'var' / f'bench-smoke-{name}.sqlite3'}"


def _reachable(url: str) -> bool:
    """PostgreSQL at `url`'s host and Mosquitto: what the hot paths run against."""
    from urllib.parse import urlsplit

    from plantwright.testing.processes import broker_reachable  # a TCP probe, whatever listens

    places = [("127.0.0.1", 1883)]
    if url.startswith("postgres"):
        parts = urlsplit(url)
        places.append((parts.hostname or "127.0.0.1", parts.port or 5432))
    return all(broker_reachable(host, port) for host, port in places)


def main() -> int:
    if not _reachable(os.environ.get("SMOKE_DATABASE_URL", "")):
        if os.environ.get("CI") == "true":
            print("bench smoke: PostgreSQL or Mosquitto is not reachable (CI=true: that is a failure)")
            return 1
        print("bench smoke: skipped, PostgreSQL or Mosquitto is not reachable")
        return 0
    outputs: dict[tuple[str, ...], str] = {}
    failed = []
    gated = os.environ.get("SMOKE_DATABASE_URL", "").startswith("postgres")
    for check in CHECKS:
        if check.postgres_only and not gated:
            print(f"{check.name:45s} (PostgreSQL only: skipped on SQLite)")
            continue
        key = tuple(check.script)
        if key not in outputs:
            env = {**os.environ, "DATABASE_URL": _database(Path(check.script[0]).stem)}
            for command in (check.setup, check.script) if check.setup else (check.script,):
                done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True,
                                      text=True, timeout=600)  # fmt: skip
                if done.returncode:
                    raise SystemExit(f"bench smoke: {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
            outputs[key] = done.stdout
        ratio = check.ratio(outputs[key])
        verdict = ("ok" if ratio >= check.margin else "BELOW ITS MARGIN") if gated else "(SQLite: reported only)"
        print(
            f"{check.name:45s} {ratio:6.1%} of its floor (usual {check.usual:.0%}, margin {check.margin:.0%}) {verdict}"
        )
        if gated and ratio < check.margin:
            failed.append(check.name)
    if failed:
        print(f"bench smoke: {', '.join(failed)} fell below the margin; see docs/benchmarks.md §Benchmark smoke run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
