"""ERP events: the PO link, actual cost from receipts and invoices, parking, replays, refusals."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from plantwright.inventory.models import StockLevel
from plantwright.maintenance.models import CostLine
from plantwright.procurement import selectors
from plantwright.procurement.models import ErpEvent, PartsRequest, PurchaseOrder, PurchaseOrderLine
from plantwright.testing import factories
from plantwright.testing.erp_events import invoice, po_created, receipt


def ledger(work_order, **filters) -> Decimal:
    return CostLine.objects.filter(work_order=work_order, **filters).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def line_figures(request):
    lines = selectors.request_lines_with_figures(request.lines.all()).order_by("line_no")
    return [(line.committed, line.received_value, line.invoiced_amount, line.actual) for line in lines]


def test_po_created_links_po_lines_to_request_lines_and_commits_at_po_price(submitted, send, work_order):
    result = send(po_created(submitted))
    assert result.status == "applied"
    po = PurchaseOrder.objects.get(po_number="4500001")
    assert (po.status, po.vendor_name, po.source) == ("open", "Acme Bearings", "api:north")
    assert [(line.line_number, line.request_line.line_no) for line in po.lines.all()] == [(10, 1), (20, 2)]
    submitted.refresh_from_db()
    assert submitted.status == PartsRequest.Status.ORDERED
    assert set(submitted.lines.values_list("status", flat=True)) == {"ordered"}
    assert selectors.work_order_committed(work_order) == Decimal("898.0000")  # 4 × 12 + 850
    assert ledger(work_order) == 0  # committed is not actual


def test_receipt_then_invoice_post_actual_cost_and_the_variance(submitted, send, work_order):
    send(po_created(submitted))
    send(receipt({10: "3"}))
    assert ledger(work_order, category="parts") == Decimal("36.0000")  # 3 × 12 at PO price
    assert line_figures(submitted)[0] == (Decimal("12.0000"), Decimal("36.0000"), Decimal("0.0000"), Decimal("36.0000"))
    send(invoice({10: ("3", "37.50")}))  # the vendor charged 12.50 each
    assert ledger(work_order, category="parts") == Decimal("37.5000")
    kinds = list(CostLine.objects.filter(work_order=work_order).values_list("kind", "amount").order_by("id"))
    assert kinds == [("po_receipt", Decimal("36.0000")), ("invoice_variance", Decimal("1.5000"))]


def test_service_line_posts_contractor_cost_and_hours_stay_on_the_wo(submitted, send, work_order, planner):
    from plantwright.maintenance.services import log_contractor_hours

    send(po_created(submitted))
    contractor = factories.vendor("LASR", "Laser Align GmbH")
    log_contractor_hours(
        planner,
        work_order,
        vendor_id=contractor.pk,
        person="K. Weber",
        hours=Decimal(6),
        work_date=work_order.site.local_date(),
        po_number="4500001",
        po_line=20,
    )
    assert ledger(work_order, category="contractor") == 0  # hours without money until the PO says
    send(receipt({20: "1"}, number="SES-1"))
    send(invoice({20: ("1", "900.00")}))
    assert ledger(work_order, category="contractor") == Decimal("900.0000")
    assert selectors.contractor_hours_by_po_line(work_order) == {("4500001", 20): Decimal("6.00")}


def test_a_receipt_before_its_po_is_parked_then_applied(submitted, send, work_order):
    early = send(receipt({10: "4"}))
    assert early.status == "parked"
    assert ledger(work_order) == 0
    send(po_created(submitted))
    assert ErpEvent.objects.get(pk=early.id).status == "applied"
    assert ledger(work_order) == Decimal("48.0000")


def test_a_replay_changes_nothing_and_answers_the_same(submitted, send, work_order):
    send(po_created(submitted))
    event = receipt({10: "2"}, event_id="r-1")
    first = send(event)
    again = send(event)
    assert (again.id, again.status, again.replayed) == (first.id, "applied", True)
    assert ledger(work_order) == Decimal("24.0000")


def test_an_event_id_reused_for_other_content_is_refused(submitted, send, work_order):
    send(po_created(submitted))
    send(receipt({10: "2"}, event_id="r-1"))
    result = send(receipt({10: "3"}, event_id="r-1"))
    assert (result.status, result.error["code"], result.error["status"]) == ("rejected", "event_id_reused", 409)
    assert ledger(work_order) == Decimal("24.0000")


def test_partial_receipts_and_a_return(submitted, send, work_order):
    send(po_created(submitted))
    send(receipt({10: "2"}, number="GR-1"))
    send(receipt({10: "2"}, number="GR-2", minutes=11))
    send(receipt({10: "-1"}, number="RET-1", minutes=12))  # one was damaged and went back
    assert PurchaseOrderLine.objects.get(line_number=10).received_quantity == 3
    assert ledger(work_order) == Decimal("36.0000")


def test_a_second_invoice_for_the_same_lines_adjusts_never_doubles(submitted, send, work_order):
    send(po_created(submitted))
    send(receipt({10: "4"}))
    send(invoice({10: ("4", "52.00")}, number="INV-9", minutes=20))
    send(invoice({10: ("4", "50.00")}, number="INV-9", minutes=25))  # corrected version of the same invoice
    assert ledger(work_order) == Decimal("50.0000")
    # An older version arriving late does not win, and says so.
    late = send(invoice({10: ("4", "52.00")}, number="INV-9", minutes=21))
    assert ledger(work_order) == Decimal("50.0000")
    assert late.status == "ignored"
    late_receipt = send(receipt({10: "3"}, minutes=5))  # GR-1 again, older than the version applied
    assert late_receipt.status == "ignored" and PurchaseOrderLine.objects.get(line_number=10).received_quantity == 4


def test_a_price_change_revalues_what_was_received(submitted, send, work_order):
    send(po_created(submitted))
    send(receipt({10: "4"}))
    update = po_created(submitted, prices=("13.00", "850.00"), minutes=30)
    update["type"] = "po.updated"
    send(update)
    assert ledger(work_order) == Decimal("52.0000")
    stale = po_created(submitted, prices=("11.00", "850.00"), minutes=5)
    stale["type"] = "po.updated"
    assert send(stale).status == "ignored"
    assert ledger(work_order) == Decimal("52.0000")


def test_cancelling_the_po_releases_committed_cost(submitted, send, work_order):
    send(po_created(submitted))
    send(
        {"event_id": "c-1", "type": "po.cancelled", "occurred_at": "2026-11-03T08:00:00+00:00", "po_number": "4500001"}
    )
    assert PurchaseOrder.objects.get().status == "cancelled"
    assert selectors.work_order_committed(work_order) == 0
    submitted.refresh_from_db()
    assert submitted.status == "cancelled"


def test_purchasing_rejects_a_request_line(submitted, send, work_order):
    line = submitted.lines.get(line_no=2)
    result = send(
        {
            "event_id": "rj-1",
            "type": "request.rejected",
            "occurred_at": "2026-11-03T08:00:00Z",
            "request_lines": [line.pk],
            "reason": "framework contract covers it",
        }
    )
    assert result.status == "applied"
    line.refresh_from_db()
    assert line.status == "rejected"
    assert selectors.work_order_committed(work_order) == Decimal("50.0000")


def test_cost_after_the_wo_closed_still_posts_flagged(submitted, send, work_order):
    send(po_created(submitted))
    type(work_order).objects.filter(pk=work_order.pk).update(status="closed")
    send(receipt({10: "4"}))
    line = CostLine.objects.get(work_order=work_order)
    assert line.after_close is True and line.amount == Decimal("48.0000")


def test_parts_for_stock_go_into_the_storeroom_not_onto_the_wo(site, planner, work_order, bearing, send):
    from plantwright.procurement import services

    store = factories.storeroom(site)
    request = services.create_parts_request(
        planner, work_order, lines=[{"part": bearing.pk, "quantity": Decimal(10), "for_stock": True}]
    )
    services.submit_parts_request(planner, request)
    send(po_created(request, prices=("9.00",)))
    send(receipt({10: "10"}))
    level = StockLevel.objects.get(part=bearing, storeroom=store)
    assert (level.quantity_on_hand, level.average_cost) == (Decimal(10), Decimal("9.0000"))
    assert ledger(work_order) == 0


@pytest.mark.parametrize(
    ("mutate", "code", "status"),
    [
        (lambda e: e["lines"][0].update(quantity="5"), "over_received", 422),  # 5 > 4 × 110%
        (lambda e: e.update(po_number="nope"), None, None),  # unknown PO: parked, not an error
        (lambda e: e["lines"][0].update(po_line=99), "unknown_po_line", 422),
        (lambda e: e["lines"][0].update(quantity=4), "validation_failed", 422),  # a number, not a decimal string
        (lambda e: e.pop("receipt_number"), "validation_failed", 422),
    ],
)
def test_bad_receipts_are_stored_refused_and_change_nothing(submitted, send, work_order, mutate, code, status):
    send(po_created(submitted))
    event = receipt({10: "4", 20: "1"})
    mutate(event)
    result = send(event)
    if code is None:
        assert result.status == "parked"
        return
    assert result.status == "rejected"
    assert (result.error["code"], result.error["status"]) == (code, status)
    stored = ErpEvent.objects.get(pk=result.id)
    assert stored.status == "rejected" and stored.error["code"] == code
    assert ledger(work_order) == 0  # line 20 was fine but the event is all or nothing
    assert PurchaseOrderLine.objects.filter(received_quantity__gt=0).count() == 0


def test_po_in_another_currency_is_refused(submitted, send):
    result = send(po_created(submitted, currency="USD"))
    assert (result.status, result.error["code"]) == ("rejected", "currency_mismatch")
    assert not PurchaseOrder.objects.exists()


def test_negative_price_and_unknown_request_line_are_refused(submitted, send):
    event = po_created(submitted, prices=("-1.00", "850.00"))
    assert send(event).error["code"] == "negative_price"
    event = po_created(submitted)
    event["lines"][0]["request_line"] = 999999
    assert send(event).error["code"] == "unknown_request_line"
    assert not PurchaseOrder.objects.exists()


def test_a_request_line_of_another_site_cannot_be_linked(submitted, other_site):
    from plantwright.procurement.events import ingest_one

    result = ingest_one(other_site, "api:south", po_created(submitted, currency=other_site.currency))
    assert result.error["code"] == "unknown_request_line"


def test_invoice_in_another_currency_is_refused(submitted, send, work_order):
    send(po_created(submitted))
    event = invoice({10: ("4", "50.00")})
    event["currency"] = "USD"
    assert send(event).error["code"] == "currency_mismatch"
    assert ledger(work_order) == 0


def test_a_refused_event_in_a_batch_undoes_only_itself(submitted, site, work_order):
    from plantwright.procurement.events import ingest

    batch = [
        po_created(submitted),
        receipt({10: "2"}, number="GR-1", minutes=10),
        receipt({10: "3", 20: "1"}, number="GR-2", minutes=11),  # 5 of 4 ordered on line 10: refused whole
        invoice({10: ("2", "25.00")}, minutes=12),
    ]
    results = ingest(site, "api:north", batch)
    assert [r.status for r in results] == ["applied", "applied", "rejected", "applied"]
    assert ledger(work_order, category="parts") == Decimal("25.0000")
    assert ledger(work_order, category="contractor") == 0  # line 20 of the refused receipt did not stick
    line_20 = PurchaseOrderLine.objects.get(line_number=20)
    assert line_20.received_quantity == 0


def test_a_parked_event_replayed_beside_its_po_answers_what_it_became(submitted, site, work_order):
    from plantwright.procurement.events import ingest

    early = receipt({10: "4"}, event_id="early")
    assert ingest(site, "api:north", [early])[0].status == "parked"
    results = ingest(site, "api:north", [po_created(submitted), early])
    assert [(r.status, r.replayed) for r in results] == [("applied", False), ("applied", True)]
    assert ledger(work_order) == Decimal("48.0000")


def test_one_po_carries_lines_for_several_wos(submitted, planner, asset, bearing, send, work_order):
    from plantwright.procurement import services

    other_wo = factories.WorkOrderFactory(asset=asset, status="in_progress")
    other = services.submit_parts_request(
        planner,
        services.create_parts_request(
            planner, other_wo, lines=[{"part": bearing.pk, "quantity": Decimal(6), "estimated_unit_cost": Decimal(12)}]
        ),
    )
    event = po_created(submitted, prices=("12.00",))
    event["lines"] = [
        event["lines"][0],
        {"po_line": 20, "request_line": other.lines.get().pk, "quantity": "6", "unit_price": "12.00"},
    ]
    send(event)
    send(receipt({10: "4", 20: "6"}))
    assert (ledger(work_order), ledger(other_wo)) == (Decimal("48.0000"), Decimal("72.0000"))
    assert PurchaseOrder.objects.count() == 1


def test_a_request_split_over_two_pos_in_one_batch_is_ordered(submitted, site):
    """Tryton sends a requisition that spans two suppliers as two purchases, often in one poll."""
    from plantwright.procurement.events import ingest

    po_a = po_created(submitted, po="4500101")
    po_a["lines"] = [po_a["lines"][0]]
    po_b = po_created(submitted, po="4500102")
    po_b["lines"] = [{**po_b["lines"][1], "po_line": 10}]
    results = ingest(site, "api:north", [po_a, po_b])
    assert [r.status for r in results] == ["applied", "applied"]
    submitted.refresh_from_db()
    assert set(submitted.lines.values_list("status", flat=True)) == {"ordered"}
    assert submitted.status == PartsRequest.Status.ORDERED


def _paid_on_invoice(event, po_line=20):
    for line in event["lines"]:
        if line["po_line"] == po_line:
            line["invoice_only"] = True
    return event


@pytest.mark.parametrize(
    "order", [("po", "invoice"), ("invoice", "po"), ("po", "invoice", "receipt"), ("po", "receipt", "invoice")]
)
def test_a_service_paid_on_the_invoice_alone_posts_its_cost_once_in_any_order(submitted, send, work_order, order):
    """Many ERPs post no receipt for a service: the flagged line's invoice is its cost; a receipt
    arriving as well adds nothing."""
    events = {
        "po": _paid_on_invoice(po_created(submitted)),
        "invoice": invoice({20: ("1", "900.00")}),
        "receipt": receipt({20: "1"}, number="SES-1"),
    }
    for name in order:
        send(events[name])
    assert ledger(work_order, category="contractor") == Decimal("900.0000")
    kinds = set(CostLine.objects.filter(work_order=work_order).values_list("kind", flat=True))
    assert kinds <= {"po_invoice", "po_receipt", "invoice_variance"}
    assert PurchaseOrderLine.objects.get(line_number=20).invoice_only is True


def test_an_unflagged_invoice_without_receipt_posts_nothing_until_its_receipt(submitted, send, work_order):
    send(po_created(submitted))
    send(invoice({20: ("1", "900.00")}))
    # Three-way match: only the invoice's difference from the PO price; the receipt brings the rest.
    assert ledger(work_order, category="contractor") == Decimal("50.0000")
    send(receipt({20: "1"}, number="SES-1"))
    assert ledger(work_order, category="contractor") == Decimal("900.0000")


def test_the_invoice_can_say_its_line_is_paid_on_the_invoice_alone(submitted, send, work_order):
    send(po_created(submitted))
    send(_paid_on_invoice(invoice({20: ("1", "900.00")})))
    assert ledger(work_order, category="contractor") == Decimal("900.0000")
    send(po_created(submitted, minutes=30, event_id="po-again"))  # a later PO change without the flag keeps it
    assert PurchaseOrderLine.objects.get(line_number=20).invoice_only is True
    assert ledger(work_order, category="contractor") == Decimal("900.0000")
