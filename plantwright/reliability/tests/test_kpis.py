"""KPIs against a hand-computed plant, the same on SQLite and PostgreSQL (DESIGN.md §3)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from plantwright.accounts.roles import Role
from plantwright.maintenance.models import ContractorEntry, WorkOrder
from plantwright.maintenance.services import log_labor
from plantwright.reliability.kpis import kpis
from plantwright.testing import factories

pytestmark = pytest.mark.django_db

P = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))  # 744 h


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
    k = kpis([a.pk], start=P[0], end=P[1])
    assert k.failures == 4  # the cancelled one and the one that began in December do not count
    # 10 h + union of 6 h and 4 h overlapping by 2 h (8 h) + 2 h clipped at the start + 2 h still down.
    assert k.downtime_hours == Decimal(22)
    assert k.time_in_service_hours == Decimal(744)
    assert k.mtbf_hours == Decimal("180.5")  # (744 − 22) / 4
    assert k.availability == Decimal("0.9704")  # 722 / 744
    assert k.restored_failures == 3 and k.mttr_hours == Decimal("6.6667")  # (10 + 6 + 4) / 3, open one excluded
    assert k.mean_active_repair_hours == Decimal(2)  # (4 h labor + 2 h contractor) / 3
    assert k.planned_hours_ratio == Decimal("0.3333")  # 3 PM hours of 9
    assert k.planned_count_ratio == Decimal("0.5")  # the PM and F1 completed in P
    assert k.cost["labor"] == Decimal(350) and k.cost["total"] == Decimal(350)
    assert k.pm_compliance is None  # no PM schedule: nothing due


def test_no_failures_is_none_not_zero_or_infinity(plant):
    _, b = plant
    k = kpis([b.pk], start=P[0], end=P[1])
    assert (k.failures, k.mtbf_hours, k.mttr_hours, k.mean_active_repair_hours) == (0, None, None, None)
    assert k.time_in_service_hours == Decimal(384)  # from commissioning on 16 January
    assert k.availability == Decimal(1)


def test_a_roll_up_adds_the_parts_then_divides(plant):
    a, b = plant
    k = kpis([a.pk, b.pk], start=P[0], end=P[1])
    assert k.time_in_service_hours == Decimal(1128) and k.downtime_hours == Decimal(22)
    assert k.mtbf_hours == Decimal("276.5")  # (1128 − 22) / 4, not the mean of the two MTBFs
    assert k.availability == Decimal("0.9805")


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


def test_pm_compliance_of_the_scope(plant, site):
    from plantwright.pm.models import PmSchedule
    from plantwright.pm.services import generate_due_work_orders

    a, b = plant
    PmSchedule.objects.create(site=site, asset=a, name="weekly", interval=1, interval_unit="weeks",
                              starts_on=date(2026, 1, 5), lead_days=0)  # fmt: skip
    for day in (5, 12, 19, 26):
        generate_due_work_orders(now=t(day, 6))
    first = WorkOrder.objects.filter(origin="pm").order_by("due_date").first()
    WorkOrder.objects.filter(pk=first.pk).update(status="completed", completed_at=t(6, 9))
    assert kpis([a.pk], start=P[0], end=P[1]).pm_compliance == Decimal("0.25")  # 1 of 4 on time
    assert kpis([b.pk], start=P[0], end=P[1]).pm_compliance is None


def test_the_dashboard_shows_the_figures_and_the_worst_assets(
    as_user, planner, plant, site, django_assert_max_num_queries
):
    client = as_user(planner)
    with django_assert_max_num_queries(30):  # a fixed number, however many assets
        page = client.get(f"/reliability/?site={site.pk}&from=2026-01-01&to=2026-02-01")
    html = page.content.decode()
    assert page.status_code == 200 and "180.5" not in html  # the site tile shows the roll-up
    assert "276.5 h" in html and 'id="worst"' in html and ">A</a>" in html
    assert client.get(f"/reliability/?site={site.pk}&from=nonsense").status_code == 200


def test_the_failures_behind_the_figures(as_user, planner, plant, site):
    page = as_user(planner).get(f"/reliability/failures/?site={site.pk}&from=2026-01-01&to=2026-02-01")
    html = page.content.decode()
    # 4 failures of the period plus the December one whose downtime reaches into January; not the cancelled.
    assert html.count(">failure<") == 4 and html.count(">downtime only<") == 1
