"""Apply inbound ERP events exactly once, in any order, and carry their money to the WO.

Each event is stored before it is applied and applied inside its own savepoint: it either changes
everything it should or nothing (then it is stored as rejected, with the error, for a person to see).

Order independence comes from *reconciling to a target* rather than adding deltas blindly: after
any event touching a PO line, the line's cost on the WO must equal

    unit_price × (received − invoiced quantity) + invoiced amount

(received goods at the PO price until invoiced, then at what the invoice says), computed from the
latest version of each receipt and invoice document and the newest price. The difference to what the
ledger already holds for the line is posted, with an idempotency key per (event, line). Whatever
order the same events arrive in, the final state and so the final ledger total are the same.
"""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from pydantic import TypeAdapter, ValidationError

from plantwright.accounts.models import Site
from plantwright.errors import Conflict, DomainError, ValidationFailed
from plantwright.inventory.models import Storeroom
from plantwright.inventory.services import receive_purchased_stock
from plantwright.maintenance.models import CostCategory, CostKind, CostLine, Vendor
from plantwright.maintenance.services import money, post_cost_line
from plantwright.procurement.event_schemas import (
    ErpEventIn,
    InvoicePosted,
    PoCancelled,
    PoChanged,
    ReceiptPosted,
    RequestRejected,
)
from plantwright.procurement.models import (
    ErpEvent,
    LineKind,
    PartsRequestLine,
    Posting,
    ProcurementSettings,
    PurchaseOrder,
    PurchaseOrderLine,
)
from plantwright.procurement.services import refresh_request_status

# Receiving or invoicing more than this share of the ordered quantity is refused as a likely error.
OVER_DELIVERY_TOLERANCE = Decimal("1.10")
COST_SOURCE = "po_line"

_EVENT = TypeAdapter(ErpEventIn)
Applied = ErpEvent.Status


@dataclass
class EventResult:
    event_id: str
    status: str
    id: int | None = None
    type: str = ""
    error: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False
    event: ErpEvent | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "error": self.error or None,
            "replayed": self.replayed,
        }


def _result(event: ErpEvent, *, replayed: bool = False) -> EventResult:
    return EventResult(event.event_id, event.status, event.pk, event.type, event.error, replayed, event)


def ingest(site: Site, source: str, raw_events: list[Any]) -> list[EventResult]:
    """Store and apply a batch; every event stands or falls alone (a savepoint each), and the batch
    commits once. Replays are found for the whole batch in one query."""
    event_ids = [_event_id(raw) for raw in raw_events]
    results = []
    with transaction.atomic():
        known = {e.event_id: e for e in ErpEvent.objects.filter(source=source, event_id__in=set(event_ids))}
        for raw, event_id in zip(raw_events, event_ids, strict=True):
            try:
                results.append(ingest_one(site, source, raw, event_id=event_id, known=known))
            except Conflict as exc:  # an event_id reused with other content: refused, not stored twice
                body = {**exc.as_body()["error"], "status": exc.status}
                results.append(EventResult(event_id, Applied.REJECTED, error=body))
    return results


def _event_id(raw: Any) -> str:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 200:
        digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:40]
        return f"malformed:{digest}"
    return event_id.strip()


def ingest_one(
    site: Site, source: str, raw: Any, *, event_id: str | None = None, known: dict[str, ErpEvent] | None = None
) -> EventResult:
    event_id = event_id or _event_id(raw)
    if known is None:
        existing = ErpEvent.objects.filter(source=source, event_id=event_id).first()
    else:
        existing = known.get(event_id)
    if existing is not None:
        return _replay(existing, raw)
    result = _ingest_new(site, source, raw, event_id)
    if known is not None and result.event is not None:
        known[event_id] = result.event  # the same event twice in one batch: the second is a replay
    return result


def _ingest_new(site: Site, source: str, raw: Any, event_id: str) -> EventResult:
    try:
        parsed = _EVENT.validate_python(raw)
    except ValidationError as exc:
        problems = [
            {"location": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        error = ValidationFailed("The event does not match its schema.", details={"errors": problems})
        return _store_rejected(site, source, event_id, raw, error)
    try:
        with transaction.atomic():
            event = ErpEvent.objects.create(
                site=site,
                source=source,
                event_id=event_id,
                type=parsed.type,
                payload=raw,
                status=Applied.APPLIED,
                po_number=getattr(parsed, "po_number", ""),
                occurred_at=parsed.occurred_at,
            )
            _apply_and_record(event, parsed)
    except IntegrityError:
        # The same event arrived twice at once and the other copy won: answer what it became.
        return _replay(ErpEvent.objects.get(source=source, event_id=event_id), raw)
    except DomainError as exc:
        return _store_rejected(site, source, event_id, raw, exc, event_type=parsed.type, parsed=parsed)
    if event.status == Applied.APPLIED and isinstance(parsed, PoChanged):
        _apply_parked(site, event.po_number)
    return _result(event)


def _replay(existing: ErpEvent, raw: Any) -> EventResult:
    if existing.payload != raw:
        raise Conflict(
            f"Event {existing.event_id!r} was already received with different content.",
            code="event_id_reused",
            details={"event": existing.pk, "event_id": existing.event_id},
        )
    return _result(existing, replayed=True)


def _store_rejected(
    site: Site, source: str, event_id: str, raw: Any, error: DomainError, *, event_type: str = "", parsed=None
) -> EventResult:
    body = error.as_body()["error"]
    body["status"] = error.status
    try:
        with transaction.atomic():
            event = ErpEvent.objects.create(
                site=site,
                source=source,
                event_id=event_id,
                type=event_type or (raw.get("type", "") if isinstance(raw, dict) else "")[:30] or "unknown",
                payload=raw if isinstance(raw, dict) else {"raw": raw},
                status=Applied.REJECTED,
                error=body,
                po_number=getattr(parsed, "po_number", "")[:64] if parsed else "",
                occurred_at=getattr(parsed, "occurred_at", None),
            )
    except IntegrityError:
        return _replay(ErpEvent.objects.get(source=source, event_id=event_id), raw)
    return _result(event)


def _apply_and_record(event: ErpEvent, parsed) -> None:
    event.status = _apply(event, parsed)
    event.applied_at = timezone.now() if event.status == Applied.APPLIED else None
    event.save(update_fields=["status", "applied_at"])


def _apply_parked(site: Site, po_number: str) -> None:
    """Events that waited for this PO are applied now, oldest first (each in its own savepoint)."""
    waiting = ErpEvent.objects.filter(site=site, po_number=po_number, status=Applied.PARKED).order_by(
        "occurred_at", "event_id"
    )
    for event in waiting:
        parsed = _EVENT.validate_python(event.payload)
        try:
            with transaction.atomic():
                _apply_and_record(event, parsed)
        except DomainError as exc:
            body = exc.as_body()["error"]
            body["status"] = exc.status
            ErpEvent.objects.filter(pk=event.pk).update(status=Applied.REJECTED, error=body)


def _apply(event: ErpEvent, parsed) -> str:
    match parsed:
        case PoChanged():
            return _po_changed(event, parsed)
        case PoCancelled():
            return _po_cancelled(event, parsed)
        case RequestRejected():
            return _request_rejected(event, parsed)
        case ReceiptPosted():
            return _receipt_posted(event, parsed)
        case InvoicePosted():
            return _invoice_posted(event, parsed)
    raise ValidationFailed(f"Unknown event type {parsed.type!r}.")  # pragma: no cover — the schema refuses it


# --- PO link ---------------------------------------------------------------------------------


def _locked_po(event: ErpEvent, po_number: str) -> PurchaseOrder | None:
    po = PurchaseOrder.objects.select_for_update().filter(site=event.site, po_number=po_number).first()
    if po is not None and po.source != event.source:
        raise Conflict(
            f"PO {po_number} belongs to {po.source}, not {event.source}.",
            code="po_of_other_source",
            details={"po_number": po_number},
        )
    return po


def _request_line(event: ErpEvent, line_id: int, index: int) -> PartsRequestLine:
    line = (
        PartsRequestLine.objects.select_related("request")
        .filter(pk=line_id, request__site=event.site)
        .exclude(request__status__in=["draft", "pending_approval"])
        .first()
    )
    if line is None:
        raise ValidationFailed(
            f"Request line {line_id} is not a submitted request line of {event.site.code}.",
            code="unknown_request_line",
            details={"field": f"lines.{index}.request_line", "request_line": line_id},
        )
    return line


def _vendor(parsed: PoChanged) -> tuple[Vendor | None, str]:
    if parsed.vendor is None:
        return None, ""
    vendor = Vendor.objects.filter(code=parsed.vendor.code).first() if parsed.vendor.code else None
    return vendor, (parsed.vendor.name or (vendor.name if vendor else parsed.vendor.code or ""))[:200]


def _po_changed(event: ErpEvent, parsed: PoChanged) -> str:
    if parsed.currency != event.site.currency:
        raise ValidationFailed(
            f"The PO is in {parsed.currency}; {event.site.code} keeps its costs in {event.site.currency}.",
            code="currency_mismatch",
            details={"field": "currency", "expected": event.site.currency},
        )
    for index, line in enumerate(parsed.lines):
        if line.unit_price < 0:
            raise ValidationFailed(
                "A unit price cannot be negative.",
                code="negative_price",
                details={"field": f"lines.{index}.unit_price"},
            )
    numbers = [line.po_line for line in parsed.lines]
    if len(set(numbers)) != len(numbers):
        raise ValidationFailed("A PO line number appears twice.", details={"field": "lines"})
    request_lines = {
        index: _request_line(event, line.request_line, index)
        for index, line in enumerate(parsed.lines)
        if line.request_line is not None
    }
    po = _locked_po(event, parsed.po_number)
    vendor, vendor_name = _vendor(parsed)
    if po is None:
        if parsed.type == "po.updated":
            return Applied.PARKED
        po = PurchaseOrder.objects.create(
            site=event.site,
            source=event.source,
            po_number=parsed.po_number,
            vendor=vendor,
            vendor_name=vendor_name,
            currency=parsed.currency,
            erp_updated_at=parsed.occurred_at,
        )
    elif po.erp_updated_at is None or parsed.occurred_at > po.erp_updated_at or po.status == po.Status.DRAFT:
        if parsed.vendor is not None:
            po.vendor, po.vendor_name = vendor, vendor_name
        po.erp_updated_at = parsed.occurred_at
        if po.status == po.Status.DRAFT:
            po.status = po.Status.OPEN
        po.save()
    existing = {line.line_number: line for line in po.lines.select_for_update()}
    changed_any = False
    touched_request_lines: set[int] = set()
    for index, data in enumerate(parsed.lines):
        line = existing.get(data.po_line)
        request_line = request_lines.get(index)
        if line is not None and line.erp_updated_at is not None and parsed.occurred_at <= line.erp_updated_at:
            continue  # an older version of this line than the one applied: changes nothing
        changed_any = True
        if line is None:
            line = PurchaseOrderLine(purchase_order=po, line_number=data.po_line)
        old_price = line.unit_price if line.pk else None
        if line.request_line_id:
            touched_request_lines.add(line.request_line_id)
        line.request_line = request_line if request_line is not None else line.request_line
        line.description = data.description or (request_line.description if request_line else line.description)
        line.quantity = data.quantity
        line.unit_price = money(data.unit_price)
        line.cancelled = data.cancelled
        line.erp_updated_at = parsed.occurred_at
        line.save()
        if line.request_line_id:
            touched_request_lines.add(line.request_line_id)
        if old_price is not None and old_price != line.unit_price:
            _reconcile(line, event, CostKind.INVOICE_VARIANCE, kind=Posting.Kind.REVALUATION)
    _refresh_po_status(po)
    _refresh_request_lines(touched_request_lines)
    return Applied.APPLIED if changed_any or parsed.type == "po.created" else Applied.IGNORED


def _po_cancelled(event: ErpEvent, parsed: PoCancelled) -> str:
    po = _locked_po(event, parsed.po_number)
    if po is None:
        return Applied.PARKED
    lines = po.lines.select_for_update()
    if parsed.lines is not None:
        lines = lines.filter(line_number__in=parsed.lines)
        missing = set(parsed.lines) - set(lines.values_list("line_number", flat=True))
        if missing:
            raise ValidationFailed(
                f"PO {po.po_number} has no line {sorted(missing)}.",
                code="unknown_po_line",
                details={"lines": sorted(missing)},
            )
    request_line_ids = set()
    for line in lines:
        line.cancelled = True
        line.erp_updated_at = max(line.erp_updated_at or parsed.occurred_at, parsed.occurred_at)
        line.save(update_fields=["cancelled", "erp_updated_at"])
        if line.request_line_id:
            request_line_ids.add(line.request_line_id)
    _refresh_po_status(po)
    _refresh_request_lines(request_line_ids)
    return Applied.APPLIED


def _request_rejected(event: ErpEvent, parsed: RequestRejected) -> str:
    lines = [_request_line(event, line_id, index) for index, line_id in enumerate(parsed.request_lines)]
    for line in lines:
        if line.po_lines.filter(cancelled=False).exists():
            raise Conflict(
                f"Request line {line.pk} is on a live PO line; cancel that PO line instead.",
                code="request_line_on_po",
                details={"request_line": line.pk},
            )
    PartsRequestLine.objects.filter(pk__in=[line.pk for line in lines]).update(status=PartsRequestLine.Status.REJECTED)
    for request in {line.request_id: line.request for line in lines}.values():
        if parsed.reason:
            request.note = (request.note + f"\nPurchasing rejected lines: {parsed.reason}").strip()[:2000]
            request.save(update_fields=["note", "updated_at"])
        refresh_request_status(request)
    return Applied.APPLIED


def _refresh_po_status(po: PurchaseOrder) -> None:
    live = po.lines.filter(cancelled=False)
    if not live.exists():
        status = PurchaseOrder.Status.CANCELLED
    elif all(line.received_quantity >= line.quantity for line in live):
        status = PurchaseOrder.Status.CLOSED
    else:
        status = PurchaseOrder.Status.OPEN
    if po.status != status:
        po.status = status
        po.save(update_fields=["status", "updated_at"])


def _refresh_request_lines(line_ids: set[int]) -> None:
    """A request line is ordered while some PO line carries it, cancelled when all of them are."""
    if not line_ids:
        return
    lines = PartsRequestLine.objects.filter(pk__in=line_ids).select_related("request")
    for line in lines:
        if line.status == PartsRequestLine.Status.REJECTED:
            continue
        live = line.po_lines.filter(cancelled=False).exists()
        status = PartsRequestLine.Status.ORDERED if live else PartsRequestLine.Status.CANCELLED
        if line.status != status:
            line.status = status
            line.save(update_fields=["status"])
    for request in {line.request_id: line.request for line in lines}.values():
        refresh_request_status(request)


# --- receipts and invoices -------------------------------------------------------------------


def _po_line(po: PurchaseOrder, number: int, index: int) -> PurchaseOrderLine:
    line = (
        po.lines.select_for_update(of=("self",))
        .select_related("request_line__request__work_order__site", "request_line__part")
        .filter(line_number=number)
        .first()
    )
    if line is None:
        raise ValidationFailed(
            f"PO {po.po_number} has no line {number}.",
            code="unknown_po_line",
            details={"field": f"lines.{index}.po_line", "po_line": number},
        )
    return line


def _record_version(
    line: PurchaseOrderLine, event: ErpEvent, kind: str, document: str, quantity: Decimal, amount: Decimal, day
) -> Posting:
    """Store this document version; the newest version of a document is the one that counts."""
    versions = Posting.objects.filter(po_line=line, kind=kind, document=document, superseded=False)
    newer = [
        v
        for v in versions.select_related("event")
        if (v.occurred_at, v.event.event_id) > (event.occurred_at, event.event_id)
    ]
    posting = Posting.objects.create(
        po_line=line,
        event=event,
        kind=kind,
        document=document,
        quantity=quantity,
        amount=money(amount),
        unit_price=line.unit_price,
        document_date=day,
        occurred_at=event.occurred_at,
        superseded=bool(newer),
    )
    if not newer:
        versions.exclude(pk=posting.pk).update(superseded=True)
    return posting


def _check_limits(line: PurchaseOrderLine) -> None:
    limit = line.quantity * OVER_DELIVERY_TOLERANCE
    for label, value in (("received", line.received_quantity), ("invoiced", line.invoiced_quantity)):
        if value > limit:
            raise ValidationFailed(
                f"{label.capitalize()} quantity {value.normalize()} is more than 110% of the "
                f"{line.quantity.normalize()} ordered on {line.purchase_order.po_number}/{line.line_number}.",
                code=f"over_{label}",
                details={"po_line": line.line_number, label: str(value), "ordered": str(line.quantity)},
            )


def _totals(line: PurchaseOrderLine) -> None:
    receipts, invoices = Q(kind=Posting.Kind.RECEIPT), Q(kind=Posting.Kind.INVOICE)
    totals = Posting.objects.filter(po_line=line, superseded=False).aggregate(
        received=Sum("quantity", filter=receipts),
        invoiced=Sum("quantity", filter=invoices),
        amount=Sum("amount", filter=invoices),
    )
    line.received_quantity = money(Decimal(totals["received"] or 0))
    line.invoiced_quantity = money(Decimal(totals["invoiced"] or 0))
    line.invoiced_amount = money(Decimal(totals["amount"] or 0))


def _receipt_posted(event: ErpEvent, parsed: ReceiptPosted) -> str:
    po = _locked_po(event, parsed.po_number)
    if po is None:
        return Applied.PARKED
    day = parsed.document_date or event.site.local_date(parsed.occurred_at)
    lines = [(_po_line(po, data.po_line, index), data) for index, data in enumerate(parsed.lines)]
    for line, data in lines:
        posting = _record_version(
            line,
            event,
            Posting.Kind.RECEIPT,
            parsed.receipt_number,
            data.quantity,
            data.quantity * line.unit_price,
            day,
        )
        _totals(line)
        _check_limits(line)
        line.save(update_fields=["received_quantity", "invoiced_quantity", "invoiced_amount"])
        _stock(line, event, day)
        _reconcile(line, event, CostKind.PO_RECEIPT, kind=Posting.Kind.RECEIPT, posting=posting)
    _refresh_po_status(po)
    return Applied.APPLIED


def _invoice_posted(event: ErpEvent, parsed: InvoicePosted) -> str:
    po = _locked_po(event, parsed.po_number)
    if po is None:
        return Applied.PARKED
    if parsed.currency != po.currency:
        raise ValidationFailed(
            f"The invoice is in {parsed.currency}; PO {po.po_number} is in {po.currency}.",
            code="currency_mismatch",
            details={"field": "currency", "expected": po.currency},
        )
    day = parsed.document_date or event.site.local_date(parsed.occurred_at)
    for index, data in enumerate(parsed.lines):
        if (data.amount < 0 and data.quantity >= 0) or (data.amount > 0 and data.quantity < 0):
            raise ValidationFailed(
                "The invoiced amount and quantity have different signs (a negative price).",
                code="negative_price",
                details={"field": f"lines.{index}.amount"},
            )
    lines = [(_po_line(po, data.po_line, index), data) for index, data in enumerate(parsed.lines)]
    for line, data in lines:
        posting = _record_version(
            line, event, Posting.Kind.INVOICE, parsed.invoice_number, data.quantity, data.amount, day
        )
        _totals(line)
        _check_limits(line)
        line.save(update_fields=["received_quantity", "invoiced_quantity", "invoiced_amount"])
        _reconcile(line, event, CostKind.INVOICE_VARIANCE, kind=Posting.Kind.INVOICE, posting=posting)
    return Applied.APPLIED


def _receiving_storeroom(site: Site) -> Storeroom:
    settings = ProcurementSettings.objects.filter(site=site).select_related("receiving_storeroom").first()
    storeroom = settings.receiving_storeroom if settings else None
    storeroom = storeroom or Storeroom.objects.filter(site=site).order_by("code").first()
    if storeroom is None:
        raise Conflict(f"{site.code} has no storeroom to receive stock into.", code="no_receiving_storeroom")
    return storeroom


def _stock(line: PurchaseOrderLine, event: ErpEvent, day) -> None:
    """Parts bought for stock go into the receiving storeroom; the usual issue carries them to a WO."""
    request_line = line.request_line
    if request_line is None or not request_line.for_stock:
        return
    delta = line.received_quantity - line.stocked_quantity
    if delta == 0:
        return
    receive_purchased_stock(
        part=request_line.part,
        storeroom=_receiving_storeroom(event.site),
        quantity=delta,
        unit_cost=line.unit_price,
        reference=f"{line.purchase_order.po_number}/{line.line_number}",
        idempotency_key=f"erp:{event.pk}:{line.pk}:stock",
    )
    line.stocked_quantity = line.received_quantity
    line.save(update_fields=["stocked_quantity"])


def line_target(line: PurchaseOrderLine) -> Decimal:
    """What the PO line should have cost the WO so far (see the module docstring)."""
    if line.request_line is None or line.request_line.for_stock:
        return Decimal(0)
    return money(line.unit_price * (line.received_quantity - line.invoiced_quantity) + line.invoiced_amount)


def _reconcile(
    line: PurchaseOrderLine, event: ErpEvent, cost_kind: str, *, kind: str, posting: Posting | None = None
) -> None:
    request_line = line.request_line
    if request_line is None or request_line.for_stock:
        return  # a line no WO asked for (freight...), or stock: no WO cost here
    posted = CostLine.objects.filter(source_type=COST_SOURCE, source_id=str(line.pk)).aggregate(s=Sum("amount"))["s"]
    # SQLite sums decimals in floating point: round to the ledger's places before comparing.
    delta = line_target(line) - money(Decimal(posted or 0))
    if delta == 0:
        return
    work_order = request_line.request.work_order
    po = line.purchase_order
    category = CostCategory.CONTRACTOR if request_line.kind == LineKind.SERVICE else CostCategory.PARTS
    label = {Posting.Kind.RECEIPT: "Receipt", Posting.Kind.INVOICE: "Invoice", Posting.Kind.REVALUATION: "Price change"}
    cost_line, _ = post_cost_line(
        work_order,
        kind=cost_kind,
        category=category,
        amount=delta,
        cost_date=event.site.local_date(event.occurred_at or timezone.now()),
        source_type=COST_SOURCE,
        source_id=line.pk,
        idempotency_key=f"erp:{event.pk}:{line.pk}",
        description=f"{label[kind]} on {po.po_number}/{line.line_number}: {line.description}",
    )
    if posting is None:  # a price change: no document, the posting records the revaluation
        posting = Posting.objects.create(
            po_line=line,
            event=event,
            kind=kind,
            quantity=Decimal(0),
            amount=Decimal(0),
            unit_price=line.unit_price,
            document_date=cost_line.cost_date,
            occurred_at=event.occurred_at or timezone.now(),
        )
    posting.cost_line, posting.variance = cost_line, cost_line.amount
    posting.save(update_fields=["cost_line", "variance"])
