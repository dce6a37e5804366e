"""What applying an inbound event gives back, and what every part of a batch shares."""

import hashlib
import json
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from plantwright.core.errors import DomainError
from plantwright.core.inbound import InboundResult
from plantwright.maintenance.services import money
from plantwright.procurement.event_schemas import (
    ErpEventIn,
)
from plantwright.procurement.models import (
    ErpEvent,
    PurchaseOrderLine,
)

# Receiving or invoicing more than this share of the ordered quantity is refused as a likely error.
OVER_DELIVERY_TOLERANCE = Decimal("1.10")
COST_SOURCE = "po_line"

_EVENT = TypeAdapter(ErpEventIn)
Applied = ErpEvent.Status
_MISSING = object()


def erp_result(
    event_id: str,
    status: str,
    id: int | None = None,
    type: str = "",
    error: dict[str, Any] | None = None,
    replayed: bool = False,
) -> InboundResult:
    return InboundResult(event_id, status, id, error or {}, replayed, {"type": type})


def line_target(line: PurchaseOrderLine) -> Decimal:
    """What the PO line should have cost the WO so far (see the module docstring)."""
    if line.request_line is None or line.request_line.for_stock:
        return Decimal(0)
    not_invoiced = line.received_quantity - line.invoiced_quantity
    if line.invoice_only:  # an invoice beyond the receipts is a cost too; a later receipt adds nothing
        not_invoiced = max(not_invoiced, Decimal(0))
    return money(line.unit_price * not_invoiced + line.invoiced_amount)


def _event_id(raw: Any) -> str:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 200:
        digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:40]
        return f"malformed:{digest}"
    return event_id.strip()


def _error_body(error: DomainError) -> dict[str, Any]:
    return {**error.as_body()["error"], "status": error.status}
