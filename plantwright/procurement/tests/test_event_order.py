"""Any permutation and duplication of a valid event stream ends in the same ledger and PO state."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.accounts.roles import Role
from plantwright.maintenance.models import CostLine
from plantwright.procurement import services
from plantwright.procurement.events import ingest
from plantwright.procurement.models import PurchaseOrderLine
from plantwright.testing import factories

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
price = st.integers(0, 5000).map(lambda cents: f"{Decimal(cents) / 100:.2f}")
# (document number, [versions: (quantity, amount)]) — positive quantities within the ordered 10.
document = st.tuples(
    st.integers(1, 3), st.lists(st.tuples(st.integers(0, 3), st.integers(0, 30000)), min_size=1, max_size=2)
)
stream = st.fixed_dictionaries(
    {
        "updates": st.lists(st.tuples(price, price), max_size=2),
        "receipts": st.lists(st.tuples(st.sampled_from([10, 20]), document), max_size=4),
        "invoices": st.lists(st.tuples(st.sampled_from([10, 20]), document), max_size=3),
        # The service line 20 paid on the invoice alone, said by the PO events or by its invoices.
        "invoice_only": st.sampled_from([None, "po", "invoice"]),
    }
)


def _events(request, data) -> list[dict]:
    lines = list(request.lines.order_by("line_no"))
    minute = iter(range(1, 1000))

    def at() -> str:
        return (T0 + timedelta(minutes=next(minute))).isoformat()

    def po(kind: str, prices) -> dict:
        return {
            "event_id": f"{kind}-{len(events)}",
            "type": kind,
            "occurred_at": T0.isoformat() if kind == "po.created" else at(),
            "po_number": "PO-P",
            "currency": "EUR",
            "lines": [
                {"po_line": 10 * (i + 1), "request_line": line.pk, "quantity": "10", "unit_price": p}
                | ({"invoice_only": True} if i == 1 and data["invoice_only"] == "po" else {})
                for i, (line, p) in enumerate(zip(lines, prices, strict=True))
            ],
        }

    events: list[dict] = []
    events.append(po("po.created", ("12.00", "100.00")))
    for prices in data["updates"]:
        events.append(po("po.updated", prices))
    seen_docs = set()
    for po_line, (number, versions) in data["receipts"]:
        if (po_line, number) in seen_docs:
            continue  # one document per (line, number) keeps receipts within the ordered quantity
        seen_docs.add((po_line, number))
        for quantity, _ in versions:
            events.append(
                {
                    "event_id": f"r-{len(events)}",
                    "type": "receipt.posted",
                    "occurred_at": at(),
                    "po_number": "PO-P",
                    "receipt_number": f"GR-{po_line}-{number}",
                    "lines": [{"po_line": po_line, "quantity": str(quantity)}],
                }
            )
    seen_docs.clear()
    for po_line, (number, versions) in data["invoices"]:
        if (po_line, number) in seen_docs:
            continue
        seen_docs.add((po_line, number))
        for quantity, cents in versions:
            events.append(
                {
                    "event_id": f"i-{len(events)}",
                    "type": "invoice.posted",
                    "occurred_at": at(),
                    "po_number": "PO-P",
                    "invoice_number": f"INV-{po_line}-{number}",
                    "currency": "EUR",
                    "lines": [
                        {"po_line": po_line, "quantity": str(quantity), "amount": f"{Decimal(cents) / 100:.2f}"}
                        | ({"invoice_only": True} if po_line == 20 and data["invoice_only"] == "invoice" else {})
                    ],
                }
            )
    return events


def _request(code: str):
    site = factories.SiteFactory(code=code)
    planner = factories.UserFactory(username=f"{code}-planner", roles=[(site, Role.PLANNER)])
    work_order = factories.WorkOrderFactory(asset=factories.AssetFactory(site=site), status="in_progress")
    request = services.create_parts_request(
        planner,
        work_order,
        lines=[
            {"description": "Seal kit", "quantity": Decimal(10), "estimated_unit_cost": Decimal(12)},
            {"kind": "service", "description": "Fitter", "quantity": Decimal(10), "estimated_unit_cost": Decimal(90)},
        ],
    )
    return site, work_order, services.submit_parts_request(planner, request)


def _state(work_order, site):
    rows = CostLine.objects.filter(work_order=work_order).values_list("category").annotate(s=Sum("amount"))
    by_category = {category: Decimal(total).quantize(Decimal("0.0001")) for category, total in rows}
    lines = list(
        PurchaseOrderLine.objects.filter(purchase_order__site=site)
        .order_by("line_number")
        .values_list("unit_price", "received_quantity", "invoiced_quantity", "invoiced_amount", "invoice_only")
    )
    # Paid on the invoice alone: an invoice beyond the receipts is a cost in full.
    target = sum(
        (p * (max(rec - inv, 0) if only else rec - inv) + amount for p, rec, inv, amount, only in lines), Decimal(0)
    )
    assert sum(by_category.values(), Decimal(0)) == target.quantize(Decimal("0.0001"))  # ledger = its target
    return {k: v for k, v in by_category.items() if v}, lines


class TestEventOrder(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(
        data=stream,
        order=st.randoms(use_true_random=False),
        duplicates=st.lists(st.integers(0, 50), max_size=4),
        batch=st.integers(1, 8),
    )
    def test_any_order_with_duplicates_gives_the_same_ledger(self, data, order, duplicates, batch):
        site, work_order, request = _request("ord")
        events = _events(request, data)
        results = ingest(site, "api:ord", events)
        assert {r.status for r in results} <= {"applied", "ignored"}, [r.error for r in results]
        expected = _state(work_order, site)

        # The same stream for a second site's identical request, shuffled, with some events sent twice.
        site2, work_order2, request2 = _request("ord2")
        shuffled = json.loads(json.dumps([*events, *(events[i % len(events)] for i in duplicates)]))
        order.shuffle(shuffled)
        remap = dict(
            zip(
                request.lines.order_by("line_no").values_list("pk", flat=True),
                request2.lines.order_by("line_no").values_list("pk", flat=True),
                strict=True,
            )
        )
        for event in shuffled:
            for line in event.get("lines", []):
                if isinstance(line, dict) and "request_line" in line:
                    line["request_line"] = remap[line["request_line"]]
        # Sent in batches of `batch` events: state carried in memory within a batch, through the database across.
        results = [
            r for i in range(0, len(shuffled), batch) for r in ingest(site2, "api:ord2", shuffled[i : i + batch])
        ]
        assert {r.status for r in results} <= {"applied", "parked", "ignored"}, [r.error for r in results]
        assert _state(work_order2, site2) == expected
