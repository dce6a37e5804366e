"""The data-integrity audit: each rule finds its planted breakage and stays silent on clean data."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from plantwright.downtime.models import DowntimeStop
from plantwright.inventory.models import MovementKind, StockMovement
from plantwright.inventory.services import issue_part, receive_stock
from plantwright.maintenance.models import ContractorEntry, WorkOrder
from plantwright.maintenance.services import log_contractor_hours, log_labor
from plantwright.procurement import services as procurement
from plantwright.procurement.events import ingest_one
from plantwright.procurement.models import PurchaseOrder, PurchaseOrderLine
from plantwright.reliability.audit import RULES, integrity_findings
from plantwright.testing import factories
from plantwright.testing.erp_events import invoice, po_created, receipt

pytestmark = pytest.mark.django_db

DOWN = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def found(site, rule: str) -> list[dict]:
    (result,) = integrity_findings([site.pk], rules=[rule])
    assert result.count == len(result.findings)
    return result.findings


def refs(findings: list[dict], kind: str) -> set[str]:
    return {record["ref"] for finding in findings for record in finding["records"] if record["type"] == kind}


def send(site, event):
    result = ingest_one(site, "api:test", event)
    assert result.status == "applied", result
    return result


def request_parts(planner, work_order, *, service: bool = True):
    lines = [{"part": factories.part().pk, "quantity": Decimal(4), "estimated_unit_cost": Decimal("12.50")}]
    if service:
        lines.append(
            {"kind": "service", "description": "Laser alignment", "quantity": Decimal(1), "estimated_unit_cost": 800}
        )
    request = procurement.create_parts_request(planner, work_order, lines=lines)
    return procurement.submit_parts_request(planner, request)


@pytest.fixture
def repaired(site, asset, planner, technician, manager):
    """A breakdown repaired the way Plantwright expects: downtime stop → failure WO with labor, a part
    from stock, a parts request bought, received and invoiced, contractor hours on the service line,
    failure codes and restore time, completed."""
    work_order = factories.WorkOrderFactory(
        asset=asset, type="emergency", is_failure=True, status="in_progress", created_by=planner, down_since=DOWN
    )
    DowntimeStop.objects.create(
        site=site, asset=asset, started_at=DOWN, ended_at=DOWN + timedelta(hours=5), category="breakdown",
        work_order=work_order,
    )  # fmt: skip
    factories.labor_rate(site, technician=technician, rate="50")
    log_labor(technician, work_order, technician_id=technician.pk, hours=Decimal(3), work_date=date(2026, 11, 2))
    seal = factories.part("SEAL-40", "Shaft seal 40 mm")
    room = factories.storeroom(site)
    receive_stock(manager, part_id=seal.pk, storeroom_id=room.pk, quantity=Decimal(5), unit_cost=Decimal(7))
    issue_part(technician, work_order, part_id=seal.pk, storeroom_id=room.pk, quantity=Decimal(2))
    request = request_parts(planner, work_order)
    send(site, po_created(request))
    send(site, receipt({10: "4", 20: "1"}))
    send(site, invoice({10: ("4", "50.00"), 20: ("1", "900.00")}))
    log_contractor_hours(
        planner, work_order, vendor_id=factories.vendor().pk, person="K. Weber", hours=Decimal(6),
        work_date=date(2026, 11, 2), po_number="4500001", po_line=20,
    )  # fmt: skip
    WorkOrder.objects.filter(pk=work_order.pk).update(
        status="completed",
        completed_at=DOWN + timedelta(hours=6),
        restored_at=DOWN + timedelta(hours=5),
        problem_code=factories.failure_code("problem", "LEAK"),
        cause_code=factories.failure_code("cause", "WEAR"),
        remedy_code=factories.failure_code("remedy", "REPLACE"),
    )
    return work_order


def test_a_complete_repair_with_its_purchase_gives_no_finding(site, repaired):
    results = integrity_findings([site.pk])
    assert [r.rule.code for r in results] == [rule.code for rule in RULES]
    assert {r.rule.code: r.count for r in results if r.count} == {}


def test_po_cost_with_no_wo(site, repaired):
    po = PurchaseOrder.objects.get()
    PurchaseOrderLine.objects.create(
        purchase_order=po, line_number=30, description="Freight", quantity=1, unit_price=40, received_quantity=1
    )
    (finding,) = found(site, "po_cost_without_wo")
    assert finding["severity"] == "error"
    assert refs([finding], "purchase_order_line") == {"4500001/30"}
    assert "40 EUR" in finding["message"] and "on no WO" in finding["message"]


def test_a_wo_holding_nothing_but_a_po(site, asset, planner, repaired):
    purchase = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner, title="Bearings")
    request = request_parts(planner, purchase, service=False)
    send(site, po_created(request, po="4500002"))
    send(site, receipt({10: "4"}, po="4500002"))
    WorkOrder.objects.filter(pk=purchase.pk).update(status="closed")
    (finding,) = found(site, "wo_only_po")
    assert refs([finding], "work_order") == {purchase.number}
    assert "48 EUR" in finding["message"]  # 4 received at the PO price of 12


def test_po_entered_as_wo_by_its_title_and_no_hours(site, asset, planner, repaired):
    titled = [
        factories.WorkOrderFactory(asset=asset, created_by=planner, title=title)
        for title in ("PO 4500123 bearings", "p.o.#77 grease", "Purchase order: 12 filters")
    ]
    for title in ("Pump 12 noisy", "Repo 4 valve", "Compo 3 check"):  # "po" inside words is no PO
        factories.WorkOrderFactory(asset=asset, created_by=planner, title=title)
    assert refs(found(site, "po_entered_as_wo"), "work_order") == {w.number for w in titled}


def test_contractor_invoice_without_hours(site, asset, planner, repaired):
    other = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)
    request = request_parts(planner, other)
    send(site, po_created(request, po="4500003"))
    send(site, invoice({20: ("1", "900.00")}, po="4500003"))
    (finding,) = found(site, "contractor_invoice_without_hours")
    assert refs([finding], "purchase_order_line") == {"4500003/20"}
    assert refs([finding], "work_order") == {other.number}


def test_contractor_hours_citing_a_po_line_of_no_request_of_their_wo(site, asset, planner, repaired):
    other = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)
    vendor = factories.vendor()
    stray = [
        ContractorEntry.objects.create(work_order=other, vendor=vendor, person="A", work_date=date(2026, 11, 3),
                                       hours=2, po_number=po, po_line=line, entered_by=planner)
        for po, line in (("4599999", 10), ("4500001", 20))  # no such PO; the PO line of another WO
    ]  # fmt: skip
    ContractorEntry.objects.create(
        work_order=other, vendor=vendor, person="B", work_date=date(2026, 11, 3), hours=1, entered_by=planner
    )  # no PO reference: contractor work need not be bought by PO
    assert refs(found(site, "contractor_hours_unlinked"), "contractor_entry") == {"4599999/10", "4500001/20"}
    assert len(stray) == 2


def test_received_goods_whose_cost_never_reached_the_wo(site, asset, planner, repaired):
    other = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)
    request = request_parts(planner, other, service=False)
    send(site, po_created(request, po="4500004"))
    PurchaseOrderLine.objects.filter(purchase_order__po_number="4500004").update(received_quantity=4)  # bypassed
    (finding,) = found(site, "po_cost_not_posted")
    assert refs([finding], "work_order") == {other.number}
    assert "should have cost" in finding["message"] and "48 EUR; its ledger holds 0" in finding["message"]
    (request_finding,) = found(site, "request_received_without_parts_cost")
    assert refs([request_finding], "parts_request") == {request.number}


def test_an_invoice_never_followed_by_its_receipt_is_found_after_the_sites_wait(site, asset, planner, repaired):
    from plantwright.procurement.models import ProcurementSettings

    other = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)
    request = request_parts(planner, other)
    send(site, po_created(request, po="4500005"))
    day = site.local_date()
    bill = invoice({20: ("1", "800.00")}, po="4500005")
    send(site, {**bill, "document_date": (day - timedelta(days=31)).isoformat()})
    (finding,) = found(site, "invoiced_never_posted")
    assert refs([finding], "work_order") == {other.number} and "1 invoiced" in finding["message"]
    ProcurementSettings.objects.create(site=site, invoice_without_receipt_days=45)
    assert found(site, "invoiced_never_posted") == []  # the site waits longer for receipts
    # Flagged as paid on the invoice alone, the invoice posted the cost: nothing to find.
    PurchaseOrderLine.objects.filter(purchase_order__po_number="4500005").update(invoice_only=True)
    ProcurementSettings.objects.filter(site=site).update(invoice_without_receipt_days=30)
    assert found(site, "invoiced_never_posted") == []


def test_a_stock_issue_without_its_cost_line(site, repaired, planner):
    room, seal = factories.storeroom(site), factories.part("SEAL-40")
    StockMovement.objects.create(
        kind=MovementKind.ISSUE, part=seal, storeroom=room, quantity=-1, unit_cost=7, value=-7,
        quantity_after=2, average_cost_after=7, work_order=repaired, created_by=planner,
    )  # fmt: skip
    (finding,) = found(site, "issue_without_cost")
    assert refs([finding], "work_order") == {repaired.number}


def test_failure_wo_done_without_restore_time_or_codes(site, asset, planner, repaired):
    broken = factories.WorkOrderFactory(
        asset=asset, type="emergency", is_failure=True, status="closed", created_by=planner, down_since=DOWN
    )
    (finding,) = found(site, "failure_wo_incomplete")
    assert refs([finding], "work_order") == {broken.number}
    assert "lacks: Restored at, Problem, Cause, Remedy." in finding["message"]


def test_breakdowns_linked_to_no_wo_from_half_an_hour(site, asset, repaired):
    long = DowntimeStop.objects.create(
        site=site, asset=asset, started_at=DOWN + timedelta(days=1), ended_at=DOWN + timedelta(days=1, hours=2),
        category="breakdown",
    )  # fmt: skip
    DowntimeStop.objects.create(  # a short one: the downtime rules decide
        site=site, asset=asset, started_at=DOWN + timedelta(days=2), ended_at=DOWN + timedelta(days=2, minutes=10),
        category="breakdown",
    )  # fmt: skip
    DowntimeStop.objects.create(  # not a breakdown
        site=site, asset=asset, started_at=DOWN + timedelta(days=3), ended_at=DOWN + timedelta(days=3, hours=2),
        category="changeover",
    )  # fmt: skip
    (finding,) = found(site, "downtime_without_wo")
    assert {r["id"] for r in finding["records"] if r["type"] == "downtime_stop"} == {long.pk}


def test_a_done_wo_with_po_lines_still_open(site, asset, planner, repaired):
    other = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)
    request = request_parts(planner, other)
    send(site, po_created(request, po="4500005"))
    send(site, receipt({10: "3", 20: "1"}, po="4500005"))
    WorkOrder.objects.filter(pk=other.pk).update(status="closed")
    (finding,) = found(site, "closed_with_open_po_lines")
    assert refs([finding], "purchase_order_line") == {"4500005/10"}
    assert "3 of 4 received" in finding["message"]


def test_findings_stay_at_their_site(site, other_site, asset, planner, repaired):
    factories.WorkOrderFactory(asset=asset, created_by=planner, title="PO 4500123 bearings")
    assert found(other_site, "po_entered_as_wo") == []
    assert len(found(site, "po_entered_as_wo")) == 1


# The API --------------------------------------------------------------------------------------------


def test_api_lists_findings_with_records_and_fix(api_as, planner, site, asset):
    for n in range(3):
        factories.WorkOrderFactory(asset=asset, created_by=planner, title=f"PO 45000{n} parts")
    status, body = api_as(planner).get("/audit/integrity", rule="po_entered_as_wo", limit=2)
    assert status == 200
    assert body["count"] == 3 and body["sites"] == [{"id": site.pk, "code": site.code}]
    (summary,) = body["rules"]
    assert summary["count"] == 3 and summary["shown"] == 2 and summary["severity"] == "warning"
    assert len(body["findings"]) == 2
    finding = body["findings"][0]
    assert finding["rule"] == "po_entered_as_wo" and finding["records"][0]["type"] == "work_order"
    assert "parts request" in finding["how_to_fix"]


def test_api_runs_every_rule_by_default_in_a_bounded_number_of_queries(
    api_as, planner, site, django_assert_max_num_queries
):
    client = api_as(planner)
    with django_assert_max_num_queries(2 * len(RULES) + 8):
        status, body = client.get("/audit/integrity", site=site.pk)
    assert status == 200 and len(body["rules"]) == len(RULES) and body["count"] == 0


def test_api_refuses_an_unknown_rule_and_another_sites_audit(api_as, planner, other_site):
    status, body = api_as(planner).get("/audit/integrity", rule="no_such_rule")
    assert status == 422 and body["error"]["code"] == "validation_failed"
    status, body = api_as(planner).get("/audit/integrity", site=other_site.pk)
    assert status == 404 and body["error"]["code"] == "not_found"
    status, _ = api_as(None).get("/audit/integrity")
    assert status == 401


# The page -------------------------------------------------------------------------------------------


def test_the_audit_page_shows_each_rule_its_findings_and_links(
    as_user, planner, site, asset, django_assert_max_num_queries
):
    planted = factories.WorkOrderFactory(asset=asset, created_by=planner, title="PO 4500123 bearings")
    client = as_user(planner)
    with django_assert_max_num_queries(2 * len(RULES) + 12):
        page = client.get(f"/reliability/audit/?site={site.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="audit-total">1 finding<' in html
    assert html.count('class="pw-audit-rule"') == len(RULES)
    assert f'href="/work-orders/{planted.pk}/">{planted.number}</a>' in html
    assert 'id="rule-po_entered_as_wo" open' in html and 'id="rule-wo_only_po">' in html  # open: those with findings
