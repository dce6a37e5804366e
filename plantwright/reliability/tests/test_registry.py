"""The KPI registry: what the change triggers must watch, the definition stamp of the stored months,
and mean time to respond / to complete end to end (the figure added through the registry)."""

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from plantwright.maintenance.models import WorkOrder, WorkOrderTransition
from plantwright.reliability import registry
from plantwright.reliability.models import AggregatedMonths, AssetMonth
from plantwright.reliability.monthly import parts_by_asset
from plantwright.reliability.periods import Period, Scope
from plantwright.testing import factories

pytestmark = pytest.mark.django_db

JANUARY = Period.of(date(2026, 1, 1), date(2026, 2, 1))
QUERY = "from=2026-01-01&to=2026-02-01"


def t(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def installed_triggers(table: str) -> list[tuple[set[str], str]]:
    """The reliability change triggers on a table: (their events, their SQL), as the database has them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        else:
            cursor.execute(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        found = [sql for (sql,) in cursor.fetchall() if "reliability" in sql.lower()]
    head = lambda sql: sql.upper().split(" ON ")[0]  # noqa: E731  (the events come before the table)
    return [({e for e in ("INSERT", "DELETE", "UPDATE") if e in head(sql)}, sql.lower()) for sql in found]


def unwatched(watches: dict[str, set[str]]) -> list[str]:
    """`table.column` (or `table` for inserts and deletes) that no reliability trigger watches."""
    missing = []
    for table, columns in sorted(watches.items()):
        triggers = installed_triggers(table)
        events = set().union(*(events for events, _sql in triggers)) if triggers else set()
        missing += [f"{table} on {event.lower()}" for event in ("INSERT", "DELETE") if event not in events]
        updates = " ".join(sql for events, sql in triggers if "UPDATE" in events)
        missing += [f"{table}.{column}" for column in sorted(columns) if not re.search(rf"\bold\.{column}\b", updates)]
    return missing


def test_the_triggers_watch_every_column_the_sources_read():
    watches = registry.watched()
    assert {"maintenance_workorder", "maintenance_workordertransition", "pm_pmoccurrence"} <= watches.keys()
    assert unwatched(watches) == []


def test_a_source_reading_an_unwatched_column_is_caught():
    planted = {"maintenance_workorder": {"priority", "status"}, "maintenance_workrequest": {"title"}}
    assert unwatched(planted) == [
        "maintenance_workorder.priority",
        "maintenance_workrequest on insert",
        "maintenance_workrequest on delete",
        "maintenance_workrequest.title",
    ]


def test_a_changed_definition_rebuilds_the_stored_months(monkeypatch, site, planner, asset):
    factories.WorkOrderFactory(asset=asset, created_by=planner, type="emergency", is_failure=True,
                               down_since=t(5), restored_at=t(5, 4), status="completed")  # fmt: skip
    scope, months = Scope((site.pk,)), Period.of(date(2026, 1, 1), date(2026, 3, 1))
    assert parts_by_asset(scope, months)[asset.pk].failures == 1
    before = AggregatedMonths.objects.get(site=site).definitions
    assert before == registry.stamp()
    AssetMonth.objects.filter(site=site).update(failures=99)  # what a changed definition would leave behind
    assert parts_by_asset(scope, months)[asset.pk].failures == 99  # stale: same stamp, read as stored

    changed = [replace(p, version=2) if p.name == "failures" else p for p in registry.PARTS]
    monkeypatch.setattr(registry, "PARTS", changed)
    assert registry.stamp() != before
    assert parts_by_asset(scope, months)[asset.pk].failures == 1  # rebuilt from the history
    assert AggregatedMonths.objects.get(site=site).definitions == registry.stamp()


def test_every_kpi_is_declared_once_with_what_its_pages_need():
    names = [kpi.name for kpi in registry.KPIS]
    assert len(names) == len(set(names))
    for kpi in registry.KPIS:
        assert kpi.drill is None or kpi.drill in registry.DRILLS, kpi.name
        assert not kpi.tile or kpi.help, f"{kpi.name}: a tile says how it is computed"
    sourced = {name for source in registry.SOURCES for name in source.parts}
    assert sourced == {p.name for p in registry.stored_parts()}  # time in service is computed per period


@pytest.fixture
def responses(site, planner, asset):
    """Three reactive WOs started 2 h, 6 h and 10 h after they were raised (the second started twice:
    its first start counts), one completed 30 h after it was raised; and what must not count: a PM
    WO, a cancelled WO, a WO first started in December."""

    def raised(when, **fields):
        work_order = factories.WorkOrderFactory(asset=asset, created_by=planner, **fields)
        WorkOrder.objects.filter(pk=work_order.pk).update(created_at=when)
        return work_order

    def start(work_order, at):
        WorkOrderTransition.objects.create(work_order=work_order, from_status="approved", to_status="in_progress",
                                           actor=planner, at=at)  # fmt: skip

    quick = raised(t(3, 8), type="corrective", status="completed", completed_at=t(4, 14))
    start(quick, t(3, 10))
    twice = raised(t(10), type="emergency", status="in_progress")
    start(twice, t(10, 6))
    start(twice, t(11, 9))
    start(raised(t(20), type="corrective", status="in_progress"), t(20, 10))
    start(raised(t(5), type="preventive", status="in_progress"), t(25))
    start(raised(t(6), type="corrective", status="cancelled"), t(6, 1))
    start(raised(datetime(2025, 12, 30, tzinfo=UTC), type="corrective", status="in_progress"),
          datetime(2025, 12, 31, tzinfo=UTC))  # fmt: skip
    return quick


def test_mean_time_to_respond_and_to_complete(responses, site):
    figures = parts_by_asset(Scope((site.pk,)), JANUARY).total().kpis()
    assert figures.responded == 3
    assert figures.mean_time_to_respond_hours == Decimal(6)  # (2 + 6 + 10) / 3
    assert figures.mean_time_to_complete_hours == Decimal(30)  # raised Jan 3 08:00, done Jan 4 14:00


def test_time_to_respond_from_stored_months_follows_a_back_dated_creation(responses, site):
    scope, months = Scope((site.pk,)), Period.of(date(2026, 1, 1), date(2026, 3, 1))
    first = parts_by_asset(scope, months)
    assert sum(p.responded for p in first.values()) == 3
    WorkOrder.objects.filter(pk=responses.pk).update(created_at=t(3, 4))  # 6 h before its start, not 2
    again = parts_by_asset(scope, months)
    assert sum(p.response_seconds for p in again.values()) == Decimal((6 + 6 + 10) * 3600)
    assert sum(p.completion_seconds for p in again.values()) == Decimal(34 * 3600)


def test_time_to_respond_through_the_api_the_page_the_drill_down_and_the_export(
    responses, site, planner, api_as, as_user
):
    status, body = api_as(planner).get(f"/reliability/kpis?site={site.pk}&{QUERY}")
    assert status == 200
    assert Decimal(body["mean_time_to_respond_hours"]) == 6 and body["responded"] == 3
    assert Decimal(body["mean_time_to_complete_hours"]) == 30

    client = as_user(planner)
    page = client.get(f"/reliability/?site={site.pk}&{QUERY}").content.decode()
    tile = page[page.index('id="tile-mean_time_to_respond_hours"') :].split("</article>")[0]
    assert "6.0 h" in tile and "mean of first start − created, over 3 WOs" in tile
    assert f'href="/reliability/behind/responded/?site={site.pk}' in tile

    behind = client.get(f"/reliability/behind/responded/?site={site.pk}&{QUERY}").content.decode()
    table = behind[behind.index('id="behind"') :]
    assert table.count("<tr>") == 1 + 3 and "10.00" in table and "2.00" in table  # header + the three

    export = client.get(f"/reliability/assets/?site={site.pk}&{QUERY}&format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert Decimal(rows[-1]["mean_time_to_respond_hours"]) == 6 and rows[-1]["asset"] == "ALL"
    assert Decimal(rows[-1]["mean_time_to_complete_hours"]) == 30


def test_time_to_respond_in_turkish(responses, site, planner, as_user):
    planner.language = "tr"
    planner.save()
    page = as_user(planner).get(f"/reliability/?site={site.pk}&{QUERY}").content.decode()
    tile = page[page.index('id="tile-mean_time_to_respond_hours"') :].split("</article>")[0]
    assert "Müdahale süresi" in tile and "6,0 sa" in tile and "3 iş emri üzerinden" in tile
    assert "Tamamlama süresi" in page


def test_a_start_before_the_wo_was_raised_counts_as_no_wait(site, planner, asset):
    work_order = factories.WorkOrderFactory(asset=asset, created_by=planner, type="corrective", status="in_progress")
    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=t(9))
    WorkOrderTransition.objects.create(work_order=work_order, from_status="approved", to_status="in_progress",
                                       actor=planner, at=t(9) - timedelta(hours=3))  # fmt: skip
    parts = parts_by_asset(Scope((site.pk,)), JANUARY)[asset.pk]
    assert parts.responded == 1 and parts.response_seconds == 0
