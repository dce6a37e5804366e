"""What purchasing tells subscribers (plantwright.outbox.events, docs/webhooks.md): a parts request
ordered (every live line on a PO) and goods received for one — on the WO's subject, so a subscriber
reads them in order with the WO's own events."""

from decimal import Decimal

from plantwright.accounts.models import Site
from plantwright.outbox.events import publish
from plantwright.procurement.models import PartsRequest, PurchaseOrderLine


def _quantity(value: Decimal) -> str:
    """As the API writes a quantity: four decimals, whether it came from an event or the database."""
    return f"{value:.4f}"


def _request(request: PartsRequest) -> dict:
    return {"id": request.pk, "number": request.number, "status": request.status,
            "work_order_id": request.work_order_id}  # fmt: skip


def request_ordered(site: Site, request: PartsRequest) -> None:
    # Ordered again after a line was added and ordered too: each time its own event.
    when = request.updated_at.isoformat() if request.updated_at else ""
    publish(site, "parts_request.ordered", f"work_order:{request.work_order_id}", _request(request),
            key=f"parts_request:{request.pk}:ordered:{when}")  # fmt: skip


def goods_received(site: Site, line: PurchaseOrderLine, event_key: str, quantity: Decimal) -> None:
    request_line = line.request_line
    request = request_line.request if request_line is not None else None
    if request is None:
        return  # bought for no WO
    data = {**_request(request), "po_number": line.purchase_order.po_number, "po_line": line.line_number,
            "description": line.description, "received": _quantity(quantity),
            "received_in_all": _quantity(line.received_quantity)}  # fmt: skip
    publish(site, "parts_request.received", f"work_order:{request.work_order_id}", data,
            key=f"parts_request:{request.pk}:received:{event_key}")  # fmt: skip
