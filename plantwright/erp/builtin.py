"""The builtin connector's purchasing, for shops without an ERP.

Buyers turn queued request lines into simple POs, send them, receive goods and enter invoices. Each
step is expressed as the same ERP event an external ERP would send (`po.created`, `receipt.posted`,
`invoice.posted`, `po.cancelled`), applied by the same code: the WO side cannot tell the difference.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.errors import Conflict, ValidationFailed, error_from_body
from plantwright.core.formatting import plain
from plantwright.core.inbound import InboundResult
from plantwright.maintenance.models import Vendor
from plantwright.maintenance.services import money, next_number
from plantwright.procurement.events import ingest_one
from plantwright.procurement.models import (
    ConnectorKind,
    LineKind,
    PartsRequest,
    PartsRequestLine,
    PurchaseOrder,
    PurchaseOrderLine,
)
from plantwright.procurement.services import site_settings


def source_for(site: Site) -> str:
    return f"builtin:{site.code}"


def _check_builtin(site: Site) -> None:
    if site_settings(site).connector != ConnectorKind.BUILTIN:
        raise Conflict(
            f"{site.code} orders through its ERP; POs are kept there, not here.", code="connector_not_builtin"
        )


def queued_lines(site_ids):
    """Request lines waiting for a PO: submitted, open, on no live PO line (a draft counts)."""
    on_po = PurchaseOrderLine.objects.filter(request_line=OuterRef("pk"), cancelled=False)
    lines = PartsRequestLine.objects.filter(
        status=PartsRequestLine.Status.OPEN,
        request__status__in=[PartsRequest.Status.SUBMITTED, PartsRequest.Status.ORDERED],
    ).exclude(Exists(on_po))
    if site_ids is not None:
        lines = lines.filter(request__site_id__in=site_ids)
    return lines.select_related("request__work_order__asset", "request__site", "part", "suggested_vendor").order_by(
        "need_by", "request__submitted_at", "line_no"
    )


@transaction.atomic
def create_purchase_order(actor: User, site: Site, *, vendor: Vendor, request_line_ids: list[int]) -> PurchaseOrder:
    authorize(actor, Perm.PURCHASE, site.pk)
    _check_builtin(site)
    if not request_line_ids:
        raise ValidationFailed("Pick at least one request line.", details={"field": "request_lines"})
    lines = list(queued_lines([site.pk]).filter(pk__in=request_line_ids).select_for_update(of=("self",)))
    missing = set(request_line_ids) - {line.pk for line in lines}
    if missing:
        raise Conflict(
            "Some lines are no longer waiting for a PO.", code="lines_not_queued", details={"lines": sorted(missing)}
        )
    po = PurchaseOrder.objects.create(
        site=site,
        source=source_for(site),
        po_number=next_number("PO"),
        vendor=vendor,
        vendor_name=vendor.name,
        currency=site.currency,
        status=PurchaseOrder.Status.DRAFT,
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=po,
            line_number=10 * number,
            request_line=line,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.estimated_unit_cost,
            # A service may be paid on the vendor's invoice with no receipt posted here.
            invoice_only=line.kind == LineKind.SERVICE,
        )
        for number, line in enumerate(lines, start=1)
    )
    return po


@transaction.atomic
def update_draft_line(actor: User, line: PurchaseOrderLine, *, quantity: Decimal, unit_price: Decimal) -> None:
    po = PurchaseOrder.objects.select_for_update().get(pk=line.purchase_order_id)
    authorize(actor, Perm.PURCHASE, po.site_id)
    if po.status != PurchaseOrder.Status.DRAFT:
        raise Conflict("Only a draft PO is edited; a sent one changes through the vendor.", code="po_not_draft")
    if quantity <= 0 or unit_price < 0:
        raise ValidationFailed("Quantity must be positive and the price not negative.", details={"field": "quantity"})
    PurchaseOrderLine.objects.filter(pk=line.pk).update(quantity=quantity, unit_price=money(unit_price))


def _event(actor: User, po: PurchaseOrder, event: dict) -> InboundResult:
    """Apply one builtin event and surface a refusal as the error it is."""
    result = ingest_one(po.site, source_for(po.site), event)
    if result.status == "rejected":
        raise error_from_body(result.error)
    return result


def _locked(actor: User, po: PurchaseOrder) -> PurchaseOrder:
    authorize(actor, Perm.PURCHASE, po.site_id)
    _check_builtin(po.site)
    return PurchaseOrder.objects.select_related("site", "vendor").get(pk=po.pk)


def _now() -> str:
    return timezone.now().isoformat()


def send_purchase_order(actor: User, po: PurchaseOrder) -> PurchaseOrder:
    """The buyer approves and sends the PO: from now on it is a commitment to the vendor."""
    po = _locked(actor, po)
    if po.status != PurchaseOrder.Status.DRAFT:
        raise Conflict(f"{po.po_number} was already sent.", code="po_not_draft")
    _event(
        actor,
        po,
        {
            "event_id": f"{po.po_number}:created",
            "type": "po.created",
            "occurred_at": _now(),
            "po_number": po.po_number,
            "currency": po.currency,
            "vendor": {"code": po.vendor.code, "name": po.vendor_name} if po.vendor else None,
            "lines": [
                {
                    "po_line": line.line_number,
                    "request_line": line.request_line_id,
                    "description": line.description,
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price),
                }
                for line in po.lines.all()
            ],
        },
    )
    po.refresh_from_db()
    return po


@dataclass
class DocumentLine:
    po_line: int
    quantity: Decimal
    amount: Decimal | None = None


def _lines_payload(lines: list[DocumentLine], *, with_amount: bool) -> list[dict]:
    payload = []
    for line in lines:
        if line.quantity == 0 and not (with_amount and line.amount):
            continue
        entry = {"po_line": line.po_line, "quantity": str(line.quantity)}
        if with_amount:
            entry["amount"] = str(line.amount or 0)
        payload.append(entry)
    if not payload:
        raise ValidationFailed("Enter a quantity on at least one line.", details={"field": "lines"})
    return payload


def receive(actor: User, po: PurchaseOrder, lines: list[DocumentLine], *, receipt_number: str = "") -> InboundResult:
    """Goods (or a contractor's service) arrived; negative quantities send goods back to the vendor."""
    po = _locked(actor, po)
    if po.status in (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED):
        raise Conflict(f"{po.po_number} is {po.status}; nothing can be received on it.", code="po_not_open")
    number = receipt_number.strip() or next_number("GR")
    return _event(
        actor,
        po,
        {
            "event_id": f"{po.po_number}:receipt:{number}",
            "type": "receipt.posted",
            "occurred_at": _now(),
            "po_number": po.po_number,
            "receipt_number": number,
            "lines": _lines_payload(lines, with_amount=False),
        },
    )


def enter_invoice(actor: User, po: PurchaseOrder, lines: list[DocumentLine], *, invoice_number: str) -> InboundResult:
    po = _locked(actor, po)
    if po.status in (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED):
        raise Conflict(f"{po.po_number} is {po.status}; it takes no invoice.", code="po_not_open")
    if not invoice_number.strip():
        raise ValidationFailed("The vendor's invoice number is needed.", details={"field": "invoice_number"})
    # Entering the same invoice number again is a correction: its newest version counts.
    occurred = _now()
    return _event(
        actor,
        po,
        {
            "event_id": f"{po.po_number}:invoice:{invoice_number.strip()}:{occurred}",
            "type": "invoice.posted",
            "occurred_at": occurred,
            "po_number": po.po_number,
            "invoice_number": invoice_number.strip(),
            "currency": po.currency,
            "lines": _lines_payload(lines, with_amount=True),
        },
    )


@transaction.atomic
def _cancel_draft(po: PurchaseOrder) -> None:
    PurchaseOrder.objects.filter(pk=po.pk).update(status=PurchaseOrder.Status.CANCELLED)
    po.lines.update(cancelled=True)


def cancel_purchase_order(actor: User, po: PurchaseOrder, *, reason: str = "") -> PurchaseOrder:
    po = _locked(actor, po)
    if po.status == PurchaseOrder.Status.CANCELLED:
        raise Conflict(f"{po.po_number} is already cancelled.", code="po_cancelled")
    if po.status == PurchaseOrder.Status.DRAFT:
        _cancel_draft(po)  # never sent: the request lines simply go back to the queue
    else:
        _event(
            actor,
            po,
            {
                "event_id": f"{po.po_number}:cancelled",
                "type": "po.cancelled",
                "occurred_at": _now(),
                "po_number": po.po_number,
                "reason": reason.strip()[:500],
            },
        )
    po.refresh_from_db()
    return po


def purchase_order_text(po: PurchaseOrder) -> str:
    """The PO as plain text, to paste into an e-mail or print for the vendor."""
    lines = po.lines.select_related("request_line__part").filter(cancelled=False)
    out = [
        f"PURCHASE ORDER {po.po_number}",
        f"From: {po.site.name}",
        f"To: {po.vendor_name or (po.vendor.name if po.vendor else '')}",
        f"Date: {po.site.local_date(po.created_at).isoformat()}",
        f"Currency: {po.currency}",
        "",
        f"{'Line':>4}  {'Item':<40} {'Qty':>10} {'Unit price':>12} {'Amount':>12}",
    ]
    total = Decimal(0)
    for line in lines:
        part = line.request_line.part if line.request_line else None
        item = f"{part.part_number} {line.description}" if part else line.description
        amount = money(line.quantity * line.unit_price)
        total += amount
        need_by = line.request_line.need_by if line.request_line else None
        quantity = f"{plain(line.quantity):>10}"
        row = f"{line.line_number:>4}  {item[:40]:<40} {quantity} {line.unit_price:>12.2f} {amount:>12.2f}"
        out.append(row + (f"  (needed by {need_by.isoformat()})" if need_by else ""))
    out += [
        "",
        f"{'Total':>70} {total:>12.2f} {po.currency}",
        "",
        f"Please quote {po.po_number} on delivery notes and invoices.",
    ]
    return "\n".join(out)
