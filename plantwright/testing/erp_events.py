"""ERP events as a connector sends them (`POST /erp/events`), for tests of whatever they touch."""

import itertools
from datetime import UTC, datetime, timedelta

_ids = itertools.count(1)
BASE_TIME = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(minutes: int) -> str:
    return (BASE_TIME + timedelta(minutes=minutes)).isoformat()


def po_created(request, *, po="4500001", prices=("12.00", "850.00"), minutes=0, event_id=None, currency="EUR"):
    lines = list(request.lines.order_by("line_no"))
    return {
        "event_id": event_id or f"evt-{next(_ids)}",
        "type": "po.created",
        "occurred_at": at(minutes),
        "po_number": po,
        "currency": currency,
        "vendor": {"code": "ACME", "name": "Acme Bearings"},
        "lines": [
            {"po_line": 10 * (i + 1), "request_line": line.pk, "quantity": str(line.quantity), "unit_price": price}
            for i, (line, price) in enumerate(zip(lines, prices, strict=False))
        ],
    }


def receipt(quantities: dict[int, str], *, po="4500001", number="GR-1", minutes=10, event_id=None):
    return {
        "event_id": event_id or f"evt-{next(_ids)}",
        "type": "receipt.posted",
        "occurred_at": at(minutes),
        "po_number": po,
        "receipt_number": number,
        "lines": [{"po_line": line, "quantity": quantity} for line, quantity in quantities.items()],
    }


def invoice(lines: dict[int, tuple[str, str]], *, po="4500001", number="INV-1", minutes=20, event_id=None):
    return {
        "event_id": event_id or f"evt-{next(_ids)}",
        "type": "invoice.posted",
        "occurred_at": at(minutes),
        "po_number": po,
        "invoice_number": number,
        "currency": "EUR",
        "lines": [{"po_line": line, "quantity": q, "amount": a} for line, (q, a) in lines.items()],
    }
