"""KPIs against a hand-computed plant, the same on SQLite and PostgreSQL (docs/reliability.md)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from plantwright.accounts.roles import Role
from plantwright.maintenance.models import ContractorEntry, WorkOrder
from plantwright.maintenance.services import log_labor
from plantwright.reliability.kpis import Period, Scope, kpis
from plantwright.testing import factories

pytestmark = pytest.mark.django_db

P = Period.of(date(2026, 1, 1), date(2026, 2, 1))  # 744 h


def t(day: int, hour: int = 0, month: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def plant(site, planner):
    a = factories.AssetFactory(site=site, code="A", commissioned_at=t(1, 0, 1, 2020))
    b = factories.AssetFactory(site=site, code="B", commissioned_at=t(16))  # commissioned mid-period
    failure = {"asset": a, "type": "emergency", "is_failure": True, "created_by": planner}
    f1 = factories.WorkOrderFactory(**failure, down_since=t(5), restored_at=t(5, 10), status="completed",
                                    completed_at=t(5, 12))  # fmt: skip
    factories.WorkOrderFactory(**failure, down_since=t(10), restored_at=t(10, 6), status="in_progress")
    factories.WorkOrderFactory(**failure, down_since=t(10, 4), restored_at=t(10, 8), status="in_progress")  # overlaps
    factories.WorkOrderFactory(**failure, down_since=t(31, 20, 12, 2025), restored_at=t(1, 2), status="closed")
    factories.WorkOrderFactory(**failure, down_since=t(31, 22), status="in_progress")  # still down at the end
    factories.WorkOrderFactory(**failure, down_since=t(20), restored_at=t(20, 5), status="cancelled")
    pm = factories.WorkOrderFactory(asset=a, type="preventive", created_by=planner, status="completed",
                                    completed_at=t(12, 15))  # fmt: skip
    tech = factories.UserFactory(username="kpi-tech", roles=[(site, Role.TECHNICIAN)])
    factories.labor_rate(site, technician=tech, rate="50")
    for work_order, hours in ((f1, 4), (pm, 3)):  # through the service: the ledger gets the cost
        WorkOrder.objects.filter(pk=work_order.pk).update(status="in_progress")
        work_order.refresh_from_db()
        log_labor(tech, work_order, technician_id=tech.pk, hours=Decimal(hours), work_date=date(2026, 1, 5))
        WorkOrder.objects.filter(pk=work_order.pk).update(status="completed")
    ContractorEntry.objects.create(work_order=f1, vendor=factories.vendor(), person="Ali", work_date=date(2026, 1, 5),
                                   hours=2, entered_by=tech)  # fmt: skip
    return a, b


def test_one_asset_by_the_definitions(plant):
    a, _ = plant
    k = kpis(Scope.of_assets([a.pk]), P)
    assert k.failures == 4  # the cancelled one and the one that began in December do not count
    # 10 h + union of 6 h and 4 h overlapping by 2 h (8 h) + 2 h clipped at the start + 2 h still down.
    assert k.downtime_hours == Decimal(22)
    assert k.time_in_service_hours == Decimal(744)
    assert k.mtbf_hours == Decimal("180.5")  # (744 − 22) / 4
    assert k.availability == Decimal(722) / Decimal(744)  # full precision: pages round
    assert k.restored_failures == 3 and k.mttr_hours == Decimal("6.6667")  # (10 + 6 + 4) / 3, open one excluded
    assert k.mean_active_repair_hours == Decimal(2)  # (4 h labor + 2 h contractor) / 3
    assert k.planned_hours_ratio == Decimal(3) / Decimal(9)  # 3 PM hours of 9
    assert k.planned_count_ratio == Decimal("0.5")  # the PM and F1 completed in P
    assert k.cost["labor"] == Decimal(350) and k.cost["total"] == Decimal(350)
    assert k.pm_compliance is None  # no PM schedule: nothing due


def test_no_failures_is_none_not_zero_or_infinity(plant):
    _, b = plant
    k = kpis(Scope.of_assets([b.pk]), P)
    assert (k.failures, k.mtbf_hours, k.mttr_hours, k.mean_active_repair_hours) == (0, None, None, None)
    assert k.time_in_service_hours == Decimal(384)  # from commissioning on 16 January
    assert k.availability == Decimal(1)


def test_a_roll_up_adds_the_parts_then_divides(plant):
    a, b = plant
    k = kpis(Scope.of_assets([a.pk, b.pk]), P)
    assert k.time_in_service_hours == Decimal(1128) and k.downtime_hours == Decimal(22)
    assert k.mtbf_hours == Decimal("276.5")  # (1128 − 22) / 4, not the mean of the two MTBFs
    assert k.availability == Decimal(1128 - 22) / Decimal(1128)  # 0.98049645390070921985815602


def test_the_api_scopes_and_refuses_bad_input(api_as, planner, plant, site, other_site):
    a, _ = plant
    api = api_as(planner)
    status, body = api.get(f"/reliability/kpis?asset={a.pk}&from=2026-01-01&to=2026-02-01")
    assert status == 200 and body["failures"] == 4 and body["mtbf_hours"] == "180.5000"
    status, body = api.get(f"/reliability/kpis?site={site.pk}&from=2026-01-01&to=2026-02-01")
    assert status == 200 and body["assets"] == 2 and body["mtbf_hours"] == "276.5000"
    assert api.get(f"/reliability/kpis?site={site.pk}&asset={a.pk}&from=2026-01-01&to=2026-02-01")[0] == 422
    assert api.get(f"/reliability/kpis?site={site.pk}&from=2026-02-01&to=2026-01-01")[0] == 422
    assert api.get(f"/reliability/kpis?site={other_site.pk}&from=2026-01-01&to=2026-02-01")[0] == 404


def test_pm_compliance_of_the_scope(plant, site, as_user, planner):
    from plantwright.pm.models import PmSchedule
    from plantwright.pm.services import generate_due_work_orders

    a, b = plant
    PmSchedule.objects.create(site=site, asset=a, name="weekly", interval=1, interval_unit="weeks",
                              starts_on=date(2026, 1, 5), lead_days=0)  # fmt: skip
    for day in (5, 12, 19, 26):
        generate_due_work_orders(now=t(day, 6))
    first = WorkOrder.objects.filter(origin="pm").order_by("due_date").first()
    WorkOrder.objects.filter(pk=first.pk).update(status="completed", completed_at=t(6, 9))
    assert kpis(Scope.of_assets([a.pk]), P).pm_compliance == Decimal("0.25")  # 1 of 4 on time
    html = as_user(planner).get(f"/reliability/behind/pm/?site={site.pk}&from=2026-01-01&to=2026-02-01").content
    assert html.decode().count(">on time<") == 1 and html.decode().count(">late or open<") == 3
    assert kpis(Scope.of_assets([b.pk]), P).pm_compliance is None


def test_the_dashboard_shows_the_figures_and_the_worst_assets(
    as_user, planner, plant, site, django_assert_max_num_queries
):
    client = as_user(planner)
    url = f"/reliability/?site={site.pk}&from=2026-01-01&to=2026-02-01"
    with django_assert_max_num_queries(56):  # the first view builds the site's months: as many, whatever the assets
        client.get(url)
    with django_assert_max_num_queries(20):  # then a fixed number, however many assets
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "180.5" not in html  # the site tile shows the roll-up
    assert "276.5 h" in html and 'id="worst"' in html and ">A</a>" in html
    assert client.get(f"/reliability/?site={site.pk}&from=nonsense").status_code == 200


def test_the_failures_behind_the_figures(as_user, planner, plant, site):
    page = as_user(planner).get(f"/reliability/behind/failures/?site={site.pk}&from=2026-01-01&to=2026-02-01")
    html = page.content.decode()
    # 4 failures of the period plus the December one whose downtime reaches into January; not the cancelled.
    assert html.count(">failure<") == 4 and html.count(">downtime only<") == 1


def test_the_period_runs_from_local_midnight_to_local_midnight(site, planner):
    site.timezone = "Europe/Istanbul"  # UTC+3
    site.save()
    asset = factories.AssetFactory(site=site, code="TZ")
    failure = {"asset": asset, "type": "emergency", "is_failure": True, "created_by": planner, "status": "in_progress"}
    factories.WorkOrderFactory(**failure, down_since=t(31, 22, 12, 2025), restored_at=t(31, 23, 12, 2025))  # 1 Jan
    factories.WorkOrderFactory(**failure, down_since=t(31, 22), restored_at=t(31, 23))  # 1 February, local
    january = Period.of(date(2026, 1, 1), date(2026, 2, 1), site.timezone)
    assert january.start == t(31, 21, 12, 2025)
    k = kpis(Scope((site.pk,)), january)
    assert k.failures == 1 and k.downtime_hours == Decimal(1)


def test_the_report_rows_add_up_to_the_scope(plant, site):
    from plantwright.reliability.kpis import asset_report

    a, b = plant
    rows, whole = asset_report(Scope((site.pk,)), P)
    assert [row.asset.code for row in rows] == ["A", "B"]
    assert whole == kpis(Scope.of_assets([a.pk, b.pk]), P)
    assert rows[0].kpis == kpis(Scope.of_assets([a.pk]), P) and rows[1].kpis == kpis(Scope.of_assets([b.pk]), P)


def test_months_add_up_to_the_period(plant, site):
    from plantwright.reliability.kpis import monthly_trend

    period = Period.of(date(2025, 12, 15), date(2026, 2, 10))
    months = monthly_trend(Scope((site.pk,)), period)
    assert [m.period.day_from for m in months] == [date(2025, 12, 15), date(2026, 1, 1), date(2026, 2, 1)]
    whole = kpis(Scope((site.pk,)), period)
    assert sum(m.failures for m in months) == whole.failures == 5  # the December one too
    assert sum(m.downtime_hours for m in months) == whole.downtime_hours
    assert sum(m.planned_hours + m.reactive_hours for m in months) == Decimal(9)
    assert months[1].planned_hours == Decimal(3) and months[1].labor == Decimal(350)
    assert sum(m.completed for m in months) == 2  # F1 and the PM; the closed December one has no completion time


def test_pareto_ranks_the_worst_with_their_cumulative_share(plant, site):
    from plantwright.reliability.kpis import pareto, parts_by_asset

    rows = parts_by_asset(Scope((site.pk,)), P)
    worst, whole = pareto(rows, "downtime", limit=5)
    assert [(r.asset.code, r.value, r.cumulative) for r in worst] == [("A", Decimal(22), Decimal(1))]
    assert whole == Decimal(22)
    by_cost, _ = pareto(rows, "cost", limit=5)
    assert [r.asset.code for r in by_cost] == ["A"]  # B has no cost: not ranked


def test_location_and_asset_class_narrow_the_scope(plant, site, planner, as_user, api_as):
    from plantwright.assets.models import AssetClass

    a, b = plant
    pumps = AssetClass.objects.create(code="pump", name="Pumps")
    hall = factories.LocationFactory(site=site, code="HALL")
    type(b).objects.filter(pk=b.pk).update(asset_class=pumps, location=hall)
    api = api_as(planner)
    status, body = api.get(f"/reliability/kpis?site={site.pk}&asset_class=pump&from=2026-01-01&to=2026-02-01")
    assert status == 200 and body["assets"] == 1 and body["failures"] == 0
    status, body = api.get(f"/reliability/kpis?location={hall.pk}&from=2026-01-01&to=2026-02-01")
    assert status == 200 and body["assets"] == 1 and body["time_in_service_hours"] == "384.0000"
    assert api.get(f"/reliability/kpis?site={site.pk}&asset_class=nope&from=2026-01-01&to=2026-02-01")[0] == 404
    assert api.get(f"/reliability/kpis?asset={a.pk}&asset_class=pump&from=2026-01-01&to=2026-02-01")[0] == 422
    page = as_user(planner).get(f"/reliability/?site={site.pk}&class={pumps.pk}&from=2026-01-01&to=2026-02-01")
    assert "1 asset in service<" in page.content.decode() and ">no failures<" in page.content.decode()


def test_the_dashboard_draws_trends_and_pareto(as_user, planner, plant, site, django_assert_max_num_queries):
    client = as_user(planner)
    url = f"/reliability/?site={site.pk}&from=2025-12-01&to=2026-02-01&pareto=cost"
    client.get(url)  # builds the site's months
    with django_assert_max_num_queries(20):
        html = client.get(url).content.decode()
    assert html.count('<figure class="pw-chart">') == 6
    assert "Jan 26 Failures: 4" in html  # a bar's tooltip
    assert "pw-pareto-dot" in html and "Worst assets by maintenance cost" in html
    assert 'href="/reliability/behind/pm/?site=' in html
    assert '<td class="pw-num">350</td></tr>' in html[html.index('id="asset-cost"') :]  # each asset's total


@pytest.mark.parametrize(
    ("figure", "rows"),
    [("failures", 5), ("completed", 2), ("hours", 2), ("cost", 2), ("pm", 0)],
)
def test_the_wos_behind_each_figure(as_user, planner, plant, site, figure, rows, django_assert_max_num_queries):
    client = as_user(planner)
    with django_assert_max_num_queries(14):
        page = client.get(f"/reliability/behind/{figure}/?site={site.pk}&from=2026-01-01&to=2026-02-01")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<tr><td><a href="/work-orders/') == rows
    assert client.get(f"/reliability/behind/nonsense/?site={site.pk}").status_code == 404


def test_the_asset_table_and_its_exports(as_user, planner, plant, site):
    import csv
    import io

    client = as_user(planner)
    query = f"site={site.pk}&from=2026-01-01&to=2026-02-01"
    html = client.get(f"/reliability/assets/?{query}").content.decode()
    assert 'id="asset-kpis"' in html and ">All (2)<" in html
    response = client.get(f"/reliability/assets/?{query}&format=csv")
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["asset", "name", "location", "failures"]
    assert [row[0] for row in rows[1:]] == ["A", "B", "ALL"]
    assert rows[1][6] == "180.5" and rows[3][6] == "276.5" and rows[2][6] == ""  # MTBF; B: no failures
    assert 'name="kind" value="kpis"' in html  # XLSX: an export job (test_export_jobs)


def test_the_default_period_is_the_last_twelve_whole_months(as_user, planner, site):
    from plantwright.reliability.filters import _months_back, filters_for

    month = site.local_date().replace(day=1)
    period = filters_for(planner, {}).period
    assert (period.day_from, period.day_to) == (_months_back(month, 12), month)
    assert filters_for(planner, {"to": "2026-03-15"}).period.day_from == date(2025, 3, 15)  # any day: 365 days back
    html = as_user(planner).get("/reliability/").content.decode()
    assert "<strong>Last 12 months</strong>" in html and ">This month</a>" in html


def test_ratios_leave_the_api_at_full_precision(api_as, planner, plant, site):
    """2140.5 / 2160 is 0.99097…, not 0.9910: a client must be able to recompute and add (issue 21)."""
    a, _b = plant
    status, body = api_as(planner).get("/reliability/kpis", asset=a.pk, **{"from": "2026-01-01", "to": "2026-02-01"})
    assert status == 200
    for name in ("availability", "planned_hours_ratio"):
        digits = body[name].replace("0.", "", 1).lstrip("0")
        assert len(digits) >= 10, (name, body[name])
