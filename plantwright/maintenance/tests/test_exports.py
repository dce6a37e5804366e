"""The WO history and an asset's cost ledger download as CSV, streamed, at the user's sites (XLSX is
an export job: reliability/tests/test_export_jobs.py)."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.urls import reverse

from plantwright.maintenance import services
from plantwright.maintenance.models import WorkOrder
from plantwright.testing import factories


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _worked(asset, planner, technician, site):
    if not technician.labor_rates.exists():
        factories.labor_rate(site, technician=technician, rate="40")
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress", type="emergency", title="=HYPERLINK(1)")
    services.log_labor(technician, work_order, technician_id=technician.pk, hours=Decimal("2.5"),
                       work_date=date(2026, 11, 2))  # fmt: skip
    return work_order


def test_the_wo_history_as_filtered_with_hours_and_cost(as_user, planner, technician, asset, site):
    work_order = _worked(asset, planner, technician, site)
    factories.WorkOrderFactory(asset=asset, status="closed", title="Old job")
    client = as_user(planner)
    rows = _csv(client.get(reverse("work-order-list"), {"status": "in_progress", "format": "csv"}))
    assert rows[0][:4] == ["number", "asset", "type", "planned"]
    (row,) = rows[1:]
    values = dict(zip(rows[0], row, strict=True))
    assert values["number"] == work_order.number and values["planned"] == "False"
    assert values["title"] == "'=HYPERLINK(1)"  # user text never becomes a formula
    assert values["labor_hours"] == "2.5" and values["labor_cost"] == "100" and values["total_cost"] == "100"
    page = client.get(reverse("work-order-list"), {"status": "in_progress"}).content.decode()
    assert 'name="kind" value="work_orders"' in page and 'name="query" value="status=in_progress"' in page


def test_the_wo_history_holds_only_my_sites(as_user, planner, asset, other_site):
    factories.WorkOrderFactory(asset=factories.AssetFactory(site=other_site), title="Theirs")
    factories.WorkOrderFactory(asset=asset, title="Ours")
    rows = _csv(as_user(planner).get(reverse("work-order-list"), {"format": "csv"}))
    assert [row[7] for row in rows[1:]] == ["Ours"]


def test_an_assets_ledger_with_its_components(as_user, planner, technician, asset, site, outsider):
    _worked(asset, planner, technician, site)
    pump = factories.AssetFactory(site=site, parent=asset, code="PUMP-1")
    _worked(pump, planner, technician, site)
    client = as_user(planner)
    url = reverse("asset-cost-ledger", args=[asset.pk])
    rows = _csv(client.get(url, {"format": "csv"}))
    assert rows[0][:6] == ["cost_date", "work_order", "asset", "kind", "category", "amount"]
    assert sorted(row[2] for row in rows[1:]) == sorted([asset.code, "PUMP-1"])
    assert len(_csv(client.get(url, {"rollup": "0"}))) == 2  # its own line only
    assert len(_csv(client.get(url, {"from": "2026-12-01"}))) == 1  # the header
    assert client.get(url, {"from": "soon"}).status_code == 422
    assert as_user(outsider).get(url).status_code == 404
    assert WorkOrder.objects.count() == 2
