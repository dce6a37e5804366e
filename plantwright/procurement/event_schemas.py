"""The shape of inbound ERP events (docs/erp-integration.md shows each with an example).

Strict like every API input: quantities and money are decimal strings, times ISO 8601 with an offset.
Unknown fields are ignored so an ERP may send more than we read.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from plantwright.core.http.types import Bool, Currency, Day, Id, Money, Quantity, Text, Timestamp

EventId = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200)]
PoNumber = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=64)]
LineNumber = Annotated[int, Field(strict=True, ge=1, le=1_000_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class VendorRef(_In):
    code: Text(40) | None = None
    name: Text(200) | None = None


class PoLineIn(_In):
    po_line: LineNumber
    request_line: Id | None = None
    description: Text(300, 0) = ""
    quantity: Quantity = Field(gt=0)
    unit_price: Money
    cancelled: Bool = False
    invoice_only: Bool | None = Field(
        default=None,
        description="Paid on the invoice alone (no receipt will come): its invoices post the cost to the WO. "
        "Absent: as before.",
    )


class _Event(_In):
    event_id: EventId
    occurred_at: Timestamp


class PoChanged(_Event):
    """`po.created` links a PO and its lines to request lines; `po.updated` changes lines (newest wins)."""

    type: Literal["po.created", "po.updated"]
    po_number: PoNumber
    vendor: VendorRef | None = None
    currency: Currency
    lines: list[PoLineIn] = Field(min_length=1, max_length=500)


class PoCancelled(_Event):
    type: Literal["po.cancelled"]
    po_number: PoNumber
    lines: list[LineNumber] | None = Field(default=None, description="Only these lines; the whole PO if absent")
    reason: Text(500, 0) = ""


class RequestRejected(_Event):
    type: Literal["request.rejected"]
    request_lines: list[Id] = Field(min_length=1, max_length=500)
    reason: Text(500, 0) = ""


class ReceiptLineIn(_In):
    po_line: LineNumber
    quantity: Quantity = Field(description="Negative for a return to the vendor")


class ReceiptPosted(_Event):
    type: Literal["receipt.posted"]
    po_number: PoNumber
    receipt_number: PoNumber
    document_date: Day | None = None
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500)


class InvoiceLineIn(_In):
    po_line: LineNumber
    quantity: Quantity
    amount: Money = Field(description="What the vendor charges for the line, before tax")
    invoice_only: Bool | None = Field(
        default=None, description="true: the line is paid on the invoice alone (as on the PO line event)"
    )


class InvoicePosted(_Event):
    type: Literal["invoice.posted"]
    po_number: PoNumber
    invoice_number: PoNumber
    document_date: Day | None = None
    currency: Currency
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=500)


ErpEventIn = Annotated[
    PoChanged | PoCancelled | RequestRejected | ReceiptPosted | InvoicePosted, Field(discriminator="type")
]
EVENT_TYPES = ("po.created", "po.updated", "po.cancelled", "request.rejected", "receipt.posted", "invoice.posted")
