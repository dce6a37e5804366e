"""`make bench-smoke` (bench/smoke.py) reads the benchmarks' own lines and fails a run whose ratio
to its floor falls below the margin; these feed it the lines of a real run and of a regressed one."""

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bench_smoke", ROOT / "bench" / "smoke.py")
smoke = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smoke)

PROCUREMENT = """database: postgresql
outbox delivery, 1 worker(s): 550 messages in   0.85 s =     {outbox} messages/s (each a signed POST; none lost, none twice)
  floor, the same bodies signed and POSTed in a bare loop by 1 process(es):    1700 messages/s (38% of it)
outbox delivery, 2 worker(s): 550 messages in   0.53 s =    1042 messages/s (each a signed POST; none lost, none twice)
  floor, the same bodies signed and POSTed in a bare loop by 2 process(es):    2561 messages/s (41% of it)
inbound events via the API, batches of 100: 600 events in   0.40 s =    {events} events/s (400 cost lines posted)
  floor, the same cost lines bulk-inserted by hand:   14466 events/s
the same events replayed (duplicates, no-ops):    7013 events/s
"""  # noqa: E501
DOWNTIME = """database: postgresql; 2000 events over 200 machines
floor (bare subscriber, one INSERT per message):    2348 events/s
mqtt_ingest, 1 process(es), rules and dedupe:     887 events/s
mqtt_ingest, 2 process(es), rules and dedupe:    2648 events/s
"""
RELIABILITY = """database: postgresql; 1000 assets, 50000 WOs; period 2025-11-01 – 2026-11-01 (Europe/Istanbul)
full KPI report, every asset, one year (asset_report)              median     {report} ms   p95      9.1 ms   max      9.8 ms
  the floor over the months returns the same sums for all 1000 assets
floor of the same design: one statement over the monthly running totals, tuples median      4.1 ms   p95      4.5 ms   max      4.9 ms
  report / floor of the same design = 2.10  (target <= 1.5)
"""  # noqa: E501


def _lines(command: list[str], lines: dict) -> str:
    """What the benchmark `command` (without the interpreter) prints."""
    text = " ".join(command)
    if "downtime" in text:
        return DOWNTIME
    if "reliability" in text or "bench.generate" in text:
        return RELIABILITY.format(**lines)
    return PROCUREMENT.format(**lines)


@pytest.fixture
def runs(monkeypatch):
    """bench/smoke.py with the benchmarks answering `lines` instead of running."""
    lines = {"outbox": 647, "events": 1490, "report": 8.6}

    def run(command, **kwargs):
        return subprocess.CompletedProcess(command, 0, stdout=_lines(command[1:], lines), stderr="")

    monkeypatch.setattr(smoke.subprocess, "run", run)
    monkeypatch.setattr(smoke, "_reachable", lambda url: True)
    monkeypatch.setenv("SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/plantwright_smoke")
    return lines


def test_every_check_finds_its_figures_in_a_real_runs_lines():
    lines = {"outbox": 647, "events": 1490, "report": 8.6}
    ratios = [check.ratio(_lines(check.script, lines)) for check in smoke.CHECKS]
    assert ratios == pytest.approx([647 / 1700, 1042 / 2561, 1490 / 14466, 887 / 2348, 4.1 / 8.6])
    assert all(check.margin < check.usual / 1.8 for check in smoke.CHECKS)  # room for load, not for a regression


def test_a_run_as_usual_passes(runs, capsys):
    assert smoke.main() == 0
    assert "BELOW" not in capsys.readouterr().out


def test_a_path_three_times_slower_fails_the_run(runs, capsys):
    runs["events"] = 1490 // 3  # issue 25's regression: a notification per receipt
    assert smoke.main() == 1
    assert "ERP events / cost lines inserted by hand" in capsys.readouterr().out


def test_a_kpi_report_three_times_slower_fails_the_run(runs, capsys):
    runs["report"] = 8.6 * 3
    assert smoke.main() == 1
    assert "KPI report / SQL over the monthly rows" in capsys.readouterr().out


def test_on_sqlite_the_report_is_not_held_to_a_postgresql_floor(runs, monkeypatch, capsys):
    monkeypatch.setenv("SMOKE_DATABASE_URL", "")
    runs["report"] = 8.6 * 3
    assert smoke.main() == 0
    assert "PostgreSQL only: skipped on SQLite" in capsys.readouterr().out


def test_without_its_services_it_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.setattr(smoke, "_reachable", lambda url: False)
    monkeypatch.delenv("CI", raising=False)
    assert smoke.main() == 0
    monkeypatch.setenv("CI", "true")
    assert smoke.main() == 1
