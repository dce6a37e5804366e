"""Hours and cost over HTTP: decimal strings in, decimal strings out, 4xx for bad input."""

from decimal import Decimal

import pytest
from django.utils import timezone

from plantwright.maintenance import services
from plantwright.maintenance.models import CostLine, LaborEntry
from plantwright.testing import factories


@pytest.fixture
def work_order(planner, asset):
    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Seal")
    return services.transition_work_order(planner, wo, to="approved")


def test_book_labor_and_read_the_cost(api_as, technician, planner, site, work_order):
    factories.labor_rate(site, technician=technician, rate="50")
    today = timezone.localdate().isoformat()
    status, entry = api_as(technician).post(
        f"/work-orders/{work_order.pk}/labor", {"technician": technician.pk, "hours": "2.50", "work_date": today}
    )
    assert status == 201, entry
    assert (entry["hours"], entry["amount"], entry["hourly_rate"]) == ("2.50", "125.0000", "50.0000")
    status, cost = api_as(planner).get(f"/work-orders/{work_order.pk}/cost")
    assert status == 200
    assert (cost["labor"], cost["parts"], cost["contractor"], cost["total"]) == (
        "125.0000",
        "0.0000",
        "0.0000",
        "125.0000",
    )
    assert cost["labor_hours"] == "2.50"
    (line,) = cost["lines"]
    assert line["kind"] == "labor" and line["source"] == f"labor_entry:{entry['id']}"
    assert line["cost_date"] == today and line["after_close"] is False and line["running_total"] == "125.0000"

    status, reversal = api_as(planner).post(f"/labor/{entry['id']}/reverse", {"reason": "wrong WO"})
    assert status == 201 and reversal["hours"] == "-2.50"
    assert api_as(planner).post(f"/labor/{entry['id']}/reverse", {"reason": "again"})[0] == 409
    assert api_as(planner).get(f"/work-orders/{work_order.pk}/cost")[1]["total"] == "0.0000"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"hours": "-1"}, 422),
        ({"hours": "30"}, 422),
        ({"hours": 2}, 422),  # hours are decimal strings, not numbers
        ({"hours": "NaN"}, 422),
        ({"hours": "2", "work_date": "2026-02-30"}, 422),
        ({"hours": "2", "technician": "1"}, 422),
    ],
)
def test_bad_labor_input_is_refused_and_nothing_is_written(api_as, technician, site, work_order, payload, status):
    factories.labor_rate(site, technician=technician)
    body = {"technician": technician.pk, "hours": "1", "work_date": timezone.localdate().isoformat(), **payload}
    assert api_as(technician).post(f"/work-orders/{work_order.pk}/labor", body)[0] == status
    assert not LaborEntry.objects.exists() and not CostLine.objects.exists()


def test_contractor_hours_over_http(api_as, technician, work_order):
    vendor = factories.vendor()
    status, entry = api_as(technician).post(
        f"/work-orders/{work_order.pk}/contractor-hours",
        {
            "contractor": vendor.pk,
            "person": "Ali",
            "hours": "3",
            "work_date": timezone.localdate().isoformat(),
            "po_number": "PO-77",
            "po_line": 1,
        },
    )
    assert status == 201 and entry["amount"] is None and entry["contractor"]["code"] == "ACME"
    _, listed = api_as(technician).get(f"/work-orders/{work_order.pk}/contractor-hours")
    assert [e["person"] for e in listed] == ["Ali"]


def test_other_sites_cost_is_not_found(api_as, outsider, work_order, asset):
    assert api_as(outsider).get(f"/work-orders/{work_order.pk}/cost")[0] == 404
    assert api_as(outsider).get(f"/assets/{asset.pk}/cost")[0] == 404


def test_asset_cost_endpoint_with_period_and_rollup(api_as, planner, site, asset):
    child = factories.AssetFactory(site=site, parent=asset)
    for target, amount, key in [(asset, "10", "a"), (child, "5", "b")]:
        services.post_cost_line(
            factories.WorkOrderFactory(asset=target),
            kind="po_receipt",
            category="parts",
            amount=Decimal(amount),
            cost_date=timezone.localdate(),
            source_type="t",
            source_id=key,
            idempotency_key=key,
        )
    api = api_as(planner)
    assert api.get(f"/assets/{asset.pk}/cost")[1]["total"] == "15.0000"
    assert api.get(f"/assets/{asset.pk}/cost", rollup="false")[1]["total"] == "10.0000"
    assert api.get(f"/assets/{asset.pk}/cost", **{"from": "2000-01-01", "to": "2000-02-01"})[1]["total"] == "0.0000"
    assert api.get(f"/assets/{asset.pk}/cost", **{"from": "2026-02-01", "to": "2026-01-01"})[0] == 422
