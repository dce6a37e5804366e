"""Apply inbound ERP events exactly once, in any order, and carry their money to the WO.

Order independence comes from *reconciling to a target* rather than adding deltas blindly: after
any event touching a PO line, the line's cost on the WO must equal

    unit_price × (received − invoiced quantity) + invoiced amount

(received goods at the PO price until invoiced, then at what the invoice says), computed from the
latest version of each receipt and invoice document and the newest price. The difference to what the
ledger already holds for the line is posted. Whatever order the same events arrive in, the final
state and so the final ledger are the same.

A batch is applied as one unit of work: the POs, lines, postings and request lines it touches are
loaded (and the POs locked) in a handful of queries, every event is applied in memory, and the
result is written with bulk statements in one transaction. Each event still stands or falls alone:
its changes are journalled, and a refused event's changes are undone before the next one, so a
refused event is stored (with its error, for a person to see) and changes nothing else.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from pydantic import TypeAdapter, ValidationError

from plantwright.accounts.models import Site, User
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, DomainError, ValidationFailed, schema_error
from plantwright.core.formatting import plain
from plantwright.inventory.models import StockLevel, Storeroom
from plantwright.inventory.services import receive_purchased_stock
from plantwright.maintenance.models import CostCategory, CostKind, CostLine, Vendor
from plantwright.maintenance.services import build_cost_line, money
from plantwright.notifications.models import Kind as NotificationKind
from plantwright.notifications.services import notify
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
    PartsRequest,
    PartsRequestLine,
    Posting,
    ProcurementSettings,
    PurchaseOrder,
    PurchaseOrderLine,
)
from plantwright.procurement.services import request_status_after

# Receiving or invoicing more than this share of the ordered quantity is refused as a likely error.
OVER_DELIVERY_TOLERANCE = Decimal("1.10")
COST_SOURCE = "po_line"

_EVENT = TypeAdapter(ErpEventIn)
Applied = ErpEvent.Status
_MISSING = object()


@dataclass
class EventResult:
    event_id: str
    status: str
    id: int | None = None
    type: str = ""
    error: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "error": self.error or None,
            "replayed": self.replayed,
        }


def ingest(site: Site, source: str, raw_events: list[Any]) -> list[EventResult]:
    """Store and apply a batch in one transaction; every event stands or falls alone."""
    try:
        with transaction.atomic():
            return _Batch(site, source).run(raw_events)
    except IntegrityError:
        # Another request stored one of these events between our look-up and our insert.
        raise Conflict(
            "Some of these events are being applied by another request right now; send them again.",
            code="concurrent_delivery",
        ) from None


def ingest_one(site: Site, source: str, raw: Any) -> EventResult:
    return ingest(site, source, [raw])[0]


def line_target(line: PurchaseOrderLine) -> Decimal:
    """What the PO line should have cost the WO so far (see the module docstring)."""
    if line.request_line is None or line.request_line.for_stock:
        return Decimal(0)
    return money(line.unit_price * (line.received_quantity - line.invoiced_quantity) + line.invoiced_amount)


def _event_id(raw: Any) -> str:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 200:
        digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:40]
        return f"malformed:{digest}"
    return event_id.strip()


def _error_body(error: DomainError) -> dict[str, Any]:
    return {**error.as_body()["error"], "status": error.status}


class _Journal:
    """Undo log of in-memory changes, so a refused event leaves the batch's state as it found it."""

    def __init__(self) -> None:
        self.undo: list[tuple] = []

    def set(self, obj, **fields) -> None:
        for name, value in fields.items():
            self.undo.append(("attr", obj, name, getattr(obj, name)))
            setattr(obj, name, value)

    def append(self, items: list, item) -> None:
        self.undo.append(("pop", items))
        items.append(item)

    def put(self, mapping: dict, key, value) -> None:
        self.undo.append(("key", mapping, key, mapping.get(key, _MISSING)))
        mapping[key] = value

    def mark(self, objects: dict, obj) -> None:
        """Remember `obj` for writing (model instances without a key are not hashable: key by identity)."""
        if id(obj) not in objects:
            self.put(objects, id(obj), obj)

    def rollback(self) -> None:
        for entry in reversed(self.undo):
            match entry:
                case ("attr", obj, name, old):
                    setattr(obj, name, old)
                case ("pop", items):
                    items.pop()
                case ("key", mapping, key, old):
                    if old is _MISSING:
                        mapping.pop(key, None)
                    else:
                        mapping[key] = old
        self.undo.clear()

    def commit(self) -> None:
        self.undo.clear()


class _Batch:
    def __init__(self, site: Site, source: str):
        self.site, self.source = site, source
        self.journal = _Journal()
        self.now = timezone.now()
        # state, loaded once per batch
        self.pos: dict[str, PurchaseOrder] = {}
        self.lines: dict[str, dict[int, PurchaseOrderLine]] = defaultdict(dict)  # po number → line no → line
        self.request_lines: dict[int, PartsRequestLine] = {}
        self.request_line_status: dict[int, list[PartsRequestLine]] = defaultdict(list)  # request id → its lines
        self.links: dict[int, list[PurchaseOrderLine]] = defaultdict(list)  # request line id → PO lines
        self.postings: dict[int, list[Posting]] = defaultdict(list)  # id(po line) → current versions
        self.posted: dict[int, Decimal] = defaultdict(Decimal)  # id(po line) → cost on the WO so far
        self.vendors: dict[str, Vendor] = {}
        self.stock: dict[tuple[int, int], Decimal] = {}
        self.parked: dict[str, list[tuple[ErpEvent, Any]]] = defaultdict(list)
        # writes, flushed at the end
        self.new_events: list[ErpEvent] = []
        self.dirty_events: dict[int, ErpEvent] = {}
        self.new_pos: list[PurchaseOrder] = []
        self.new_lines: list[PurchaseOrderLine] = []
        self.dirty_pos: dict[int, PurchaseOrder] = {}
        self.dirty_lines: dict[int, PurchaseOrderLine] = {}
        self.new_postings: list[Posting] = []
        self.superseded: dict[int, Posting] = {}
        self.cost_lines: list[tuple[CostLine, PurchaseOrderLine, ErpEvent]] = []
        self.stock_moves: list[tuple[PurchaseOrderLine, ErpEvent, Decimal]] = []
        self.dirty_request_lines: dict[int, PartsRequestLine] = {}
        self.dirty_requests: dict[int, PartsRequest] = {}
        self._storeroom: Storeroom | None = None

    # --- the batch ---------------------------------------------------------------------------

    def run(self, raw_events: list[Any]) -> list[EventResult]:
        event_ids = [_event_id(raw) for raw in raw_events]
        known = {e.event_id: e for e in ErpEvent.objects.filter(source=self.source, event_id__in=set(event_ids))}
        parsed_events: list[tuple[str, Any, Any]] = []
        for raw, event_id in zip(raw_events, event_ids, strict=True):
            if event_id in known:
                parsed_events.append((event_id, raw, None))  # a replay: answered from what is stored
                continue
            try:
                parsed_events.append((event_id, raw, _EVENT.validate_python(raw)))
            except ValidationError as exc:
                parsed_events.append((event_id, raw, schema_error(exc)))
        self._load(
            [parsed for _, _, parsed in parsed_events if parsed is not None and not isinstance(parsed, DomainError)]
        )
        for waiting in self.parked.values():
            for parked_event, _payload in waiting:  # one object per stored event, whichever way it is reached
                if parked_event.event_id in known and parked_event.source == self.source:
                    known[parked_event.event_id] = parked_event

        outcomes: list[tuple[ErpEvent, bool] | EventResult] = []
        for event_id, raw, parsed in parsed_events:
            existing = known.get(event_id)
            if existing is not None:
                if existing.payload != raw:
                    error = Conflict(
                        f"Event {event_id!r} was already received with different content.",
                        code="event_id_reused",
                        details={"event": existing.pk, "event_id": event_id},
                    )
                    outcomes.append(EventResult(event_id, Applied.REJECTED, error=_error_body(error)))
                else:
                    outcomes.append((existing, True))
                continue
            event = self._new_event(event_id, raw, parsed)
            known[event_id] = event
            if not isinstance(parsed, DomainError):
                self._apply_safely(event, parsed)
            outcomes.append((event, False))
        self._flush()
        return [
            outcome
            if isinstance(outcome, EventResult)
            else EventResult(
                outcome[0].event_id,
                outcome[0].status,
                outcome[0].pk,
                outcome[0].type,
                outcome[0].error,
                outcome[1],
            )
            for outcome in outcomes
        ]

    def _new_event(self, event_id: str, raw: Any, parsed) -> ErpEvent:
        unreadable = isinstance(parsed, DomainError)
        if not unreadable:
            event_type = parsed.type
        elif isinstance(raw, dict) and isinstance(raw.get("type"), str):
            event_type = fit(ErpEvent, "type", raw["type"])
        else:
            event_type = "unknown"
        event = ErpEvent(
            site=self.site,
            source=self.source,
            event_id=event_id,
            type=event_type,
            payload=raw if isinstance(raw, dict) else {"raw": raw},
            status=Applied.REJECTED if unreadable else Applied.APPLIED,
            error=_error_body(parsed) if unreadable else {},
            po_number="" if unreadable else getattr(parsed, "po_number", ""),
            occurred_at=None if unreadable else parsed.occurred_at,
        )
        self.new_events.append(event)
        return event

    def _apply_safely(self, event: ErpEvent, parsed) -> None:
        try:
            status = self._apply(event, parsed)
        except DomainError as exc:
            self.journal.rollback()
            event.status, event.error, event.applied_at = Applied.REJECTED, _error_body(exc), None
            return
        self.journal.commit()
        event.status, event.error = status, {}
        event.applied_at = self.now if status == Applied.APPLIED else None
        if status == Applied.PARKED:
            self.parked[parsed.po_number].append((event, parsed))
        elif status == Applied.APPLIED and isinstance(parsed, PoChanged) and self.parked.get(parsed.po_number):
            # Events that waited for this PO are applied now, oldest first, each alone.
            waiting = sorted(self.parked.pop(parsed.po_number), key=lambda p: (p[1].occurred_at, p[0].event_id))
            for parked_event, parked in waiting:
                if parked_event.pk is not None:
                    self.dirty_events[id(parked_event)] = parked_event
                self._apply_safely(parked_event, parked)

    def _apply(self, event: ErpEvent, parsed) -> str:
        match parsed:
            case PoChanged():
                return self._po_changed(event, parsed)
            case PoCancelled():
                return self._po_cancelled(event, parsed)
            case RequestRejected():
                return self._request_rejected(parsed)
            case ReceiptPosted():
                return self._receipt_posted(event, parsed)
            case InvoicePosted():
                return self._invoice_posted(event, parsed)
        raise ValidationFailed(f"Unknown event type {parsed.type!r}.")  # pragma: no cover — the schema refuses it

    # --- loading -------------------------------------------------------------------------------

    def _load(self, parsed_events: list) -> None:
        numbers = {p.po_number for p in parsed_events if hasattr(p, "po_number")}
        for po in PurchaseOrder.objects.select_for_update().filter(site=self.site, po_number__in=numbers):
            self.pos[po.po_number] = po
        for event in ErpEvent.objects.filter(
            site=self.site, po_number__in=numbers - set(self.pos), status=Applied.PARKED
        ).order_by("occurred_at", "event_id"):
            parsed = _EVENT.validate_python(event.payload)
            self.parked[event.po_number].append((event, parsed))
            parsed_events = [*parsed_events, parsed]
        request_line_ids = {
            line.request_line
            for p in parsed_events
            if isinstance(p, PoChanged)
            for line in p.lines
            if line.request_line
        } | {line_id for p in parsed_events if isinstance(p, RequestRejected) for line_id in p.request_lines}
        pos_by_pk = {po.pk: po for po in self.pos.values()}
        lines = list(PurchaseOrderLine.objects.filter(purchase_order__in=list(pos_by_pk)))
        for line in lines:
            line.purchase_order = pos_by_pk[line.purchase_order_id]
            self.lines[line.purchase_order.po_number][line.line_number] = line
        request_line_ids |= {line.request_line_id for line in lines if line.request_line_id}
        self._load_request_lines(request_line_ids, lines)
        current = Posting.objects.filter(
            po_line__in=lines, superseded=False, kind__in=[Posting.Kind.RECEIPT, Posting.Kind.INVOICE]
        ).annotate(event_key=F("event__event_id"))
        by_pk = {line.pk: line for line in lines}
        for posting in current:
            self.postings[id(by_pk[posting.po_line_id])].append(posting)
        sums = (
            CostLine.objects.filter(source_type=COST_SOURCE, source_id__in=[str(pk) for pk in by_pk])
            .values("source_id")
            .annotate(total=Sum("amount"))
        )
        for row in sums:
            self.posted[id(by_pk[int(row["source_id"])])] = money(Decimal(row["total"]))
        vendor_codes = {p.vendor.code for p in parsed_events if isinstance(p, PoChanged) and p.vendor and p.vendor.code}
        self.vendors = {vendor.code: vendor for vendor in Vendor.objects.filter(code__in=vendor_codes)}

    def _load_request_lines(self, ids: set[int], po_lines: list[PurchaseOrderLine]) -> None:
        if not ids:
            return
        requests = PartsRequestLine.objects.filter(pk__in=ids).values("request_id")
        for request_line in PartsRequestLine.objects.filter(request_id__in=Subquery(requests)).select_related(
            "request__work_order", "part"
        ):
            self.request_lines[request_line.pk] = request_line
            self.request_line_status[request_line.request_id].append(request_line)
        known = {line.pk: line for line in po_lines}
        for link in PurchaseOrderLine.objects.filter(request_line_id__in=ids).select_related("purchase_order"):
            self.links[link.request_line_id].append(known.get(link.pk, link))
        for line in po_lines:
            if line.request_line_id in self.request_lines:
                line.request_line = self.request_lines[line.request_line_id]

    # --- PO link -------------------------------------------------------------------------------

    def _po(self, number: str) -> PurchaseOrder | None:
        po = self.pos.get(number)
        if po is not None and po.source != self.source:
            raise Conflict(
                f"PO {number} belongs to {po.source}, not {self.source}.",
                code="po_of_other_source",
                details={"po_number": number},
            )
        return po

    def _request_line(self, line_id: int, index: int) -> PartsRequestLine:
        line = self.request_lines.get(line_id)
        if (
            line is None
            or line.request.site_id != self.site.pk
            or line.request.status in (PartsRequest.Status.DRAFT, PartsRequest.Status.PENDING_APPROVAL)
        ):
            raise ValidationFailed(
                f"Request line {line_id} is not a submitted request line of {self.site.code}.",
                code="unknown_request_line",
                details={"field": f"lines.{index}.request_line", "request_line": line_id},
            )
        return line

    def _po_changed(self, event: ErpEvent, parsed: PoChanged) -> str:
        if parsed.currency != self.site.currency:
            raise ValidationFailed(
                f"The PO is in {parsed.currency}; {self.site.code} keeps its costs in {self.site.currency}.",
                code="currency_mismatch",
                details={"field": "currency", "expected": self.site.currency},
            )
        for index, data in enumerate(parsed.lines):
            if data.unit_price < 0:
                raise ValidationFailed(
                    "A unit price cannot be negative.",
                    code="negative_price",
                    details={"field": f"lines.{index}.unit_price"},
                )
        numbers = [data.po_line for data in parsed.lines]
        if len(set(numbers)) != len(numbers):
            raise ValidationFailed("A PO line number appears twice.", details={"field": "lines"})
        request_lines = {
            index: self._request_line(data.request_line, index)
            for index, data in enumerate(parsed.lines)
            if data.request_line is not None
        }
        vendor = self.vendors.get(parsed.vendor.code) if parsed.vendor and parsed.vendor.code else None
        vendor_name = ""
        if parsed.vendor is not None:
            vendor_name = fit(
                PurchaseOrder,
                "vendor_name",
                parsed.vendor.name or (vendor.name if vendor else parsed.vendor.code or ""),
            )
        po = self._po(parsed.po_number)
        j = self.journal
        if po is None:
            if parsed.type == "po.updated":
                return Applied.PARKED
            po = PurchaseOrder(
                site=self.site,
                source=self.source,
                po_number=parsed.po_number,
                vendor=vendor,
                vendor_name=vendor_name,
                currency=parsed.currency,
                status=PurchaseOrder.Status.OPEN,
                erp_updated_at=parsed.occurred_at,
            )
            j.put(self.pos, po.po_number, po)
            j.append(self.new_pos, po)
        elif po.erp_updated_at is None or parsed.occurred_at > po.erp_updated_at or po.status == po.Status.DRAFT:
            if parsed.vendor is not None:
                j.set(po, vendor=vendor, vendor_name=vendor_name)
            j.set(po, erp_updated_at=parsed.occurred_at)
            if po.status == po.Status.DRAFT:
                j.set(po, status=po.Status.OPEN)
            j.mark(self.dirty_pos, po)
        existing = self.lines[po.po_number]
        changed_any = False
        touched: set[int] = set()
        for index, data in enumerate(parsed.lines):
            line = existing.get(data.po_line)
            if line is not None and line.erp_updated_at is not None and parsed.occurred_at <= line.erp_updated_at:
                continue  # an older version of this line than the one applied: changes nothing
            changed_any = True
            if line is None:
                line = PurchaseOrderLine(purchase_order=po, line_number=data.po_line)
                j.put(existing, data.po_line, line)
                j.append(self.new_lines, line)
                old_price = None
            else:
                old_price = line.unit_price
                j.mark(self.dirty_lines, line)
            request_line = request_lines.get(index) or line.request_line
            if line.request_line_id:
                touched.add(line.request_line_id)
            if request_line is not None and line.request_line_id != request_line.pk:
                if line.request_line_id:
                    j.set(line, request_line=None)  # moved to another request line (rare)
                j.append(self.links[request_line.pk], line)
            j.set(
                line,
                request_line=request_line,
                description=data.description or (request_line.description if request_line else line.description),
                quantity=data.quantity,
                unit_price=money(data.unit_price),
                cancelled=data.cancelled,
                erp_updated_at=parsed.occurred_at,
            )
            if request_line is not None:
                touched.add(request_line.pk)
            if old_price is not None and old_price != line.unit_price:
                self._reconcile(line, event, CostKind.INVOICE_VARIANCE, kind=Posting.Kind.REVALUATION)
        self._refresh_po_status(po)
        self._refresh_request_lines(touched)
        return Applied.APPLIED if changed_any or parsed.type == "po.created" else Applied.IGNORED

    def _po_cancelled(self, event: ErpEvent, parsed: PoCancelled) -> str:
        po = self._po(parsed.po_number)
        if po is None:
            return Applied.PARKED
        lines = list(self.lines[po.po_number].values())
        if parsed.lines is not None:
            missing = set(parsed.lines) - {line.line_number for line in lines}
            if missing:
                raise ValidationFailed(
                    f"PO {po.po_number} has no line {sorted(missing)}.",
                    code="unknown_po_line",
                    details={"lines": sorted(missing)},
                )
            lines = [line for line in lines if line.line_number in parsed.lines]
        touched = set()
        for line in lines:
            stamp = max(line.erp_updated_at or parsed.occurred_at, parsed.occurred_at)
            self.journal.set(line, cancelled=True, erp_updated_at=stamp)
            self._dirty(line)
            if line.request_line_id:
                touched.add(line.request_line_id)
        self._refresh_po_status(po)
        self._refresh_request_lines(touched)
        return Applied.APPLIED

    def _request_rejected(self, parsed: RequestRejected) -> str:
        lines = [self._request_line(line_id, index) for index, line_id in enumerate(parsed.request_lines)]
        for line in lines:
            if any(not link.cancelled for link in self.links[line.pk]):
                raise Conflict(
                    f"Request line {line.pk} is on a live PO line; cancel that PO line instead.",
                    code="request_line_on_po",
                    details={"request_line": line.pk},
                )
        for line in lines:
            self._set_request_line_status(line, PartsRequestLine.Status.REJECTED)
        for request in {line.request_id: line.request for line in lines}.values():
            if parsed.reason:
                note = fit(
                    PartsRequest, "note", (request.note + f"\nPurchasing rejected lines: {parsed.reason}").strip()
                )
                self.journal.set(request, note=note)
            self._refresh_request(request)
        return Applied.APPLIED

    def _dirty(self, line: PurchaseOrderLine) -> None:
        if line.pk is not None:
            self.journal.mark(self.dirty_lines, line)

    def _refresh_po_status(self, po: PurchaseOrder) -> None:
        live = [line for line in self.lines[po.po_number].values() if not line.cancelled]
        if not live:
            status = PurchaseOrder.Status.CANCELLED
        elif all(line.received_quantity >= line.quantity for line in live):
            status = PurchaseOrder.Status.CLOSED
        else:
            status = PurchaseOrder.Status.OPEN
        if po.status != status:
            self.journal.set(po, status=status)
            if po.pk is not None:
                self.journal.mark(self.dirty_pos, po)

    def _set_request_line_status(self, line: PartsRequestLine, status: str) -> None:
        if line.status != status:
            self.journal.set(line, status=status)
            self.journal.mark(self.dirty_request_lines, line)

    def _refresh_request_lines(self, line_ids: set[int]) -> None:
        """A request line is ordered while some PO line carries it, cancelled when all of them are."""
        requests = {}
        for line_id in line_ids:
            line = self.request_lines.get(line_id)
            if line is None or line.status == PartsRequestLine.Status.REJECTED:
                continue
            live = any(not link.cancelled for link in self.links[line_id] if link.request_line_id == line_id)
            self._set_request_line_status(
                line, PartsRequestLine.Status.ORDERED if live else PartsRequestLine.Status.CANCELLED
            )
            requests[line.request_id] = line.request
        for request in requests.values():
            self._refresh_request(request)

    def _refresh_request(self, request: PartsRequest) -> None:
        statuses = {line.status for line in self.request_line_status[request.pk]}
        new = request_status_after(request.status, statuses)
        if new != request.status:
            self.journal.set(request, status=new)
        self.journal.mark(self.dirty_requests, request)

    # --- receipts and invoices ---------------------------------------------------------------

    def _po_line(self, po: PurchaseOrder, number: int, index: int) -> PurchaseOrderLine:
        line = self.lines[po.po_number].get(number)
        if line is None:
            raise ValidationFailed(
                f"PO {po.po_number} has no line {number}.",
                code="unknown_po_line",
                details={"field": f"lines.{index}.po_line", "po_line": number},
            )
        return line

    def _record_version(
        self, line: PurchaseOrderLine, event: ErpEvent, kind: str, document: str, quantity, amount, day
    ) -> Posting:
        """Store this document version; the newest version of a document is the one that counts."""
        current = self.postings[id(line)]
        mine = (event.occurred_at, event.event_id)
        same = [p for p in current if p.kind == kind and p.document == document]
        newer = any((p.occurred_at, p.event_key) > mine for p in same)
        posting = Posting(
            po_line=line,
            event=event,
            kind=kind,
            document=document,
            quantity=quantity,
            amount=money(amount),
            unit_price=line.unit_price,
            document_date=day,
            occurred_at=event.occurred_at,
            superseded=newer,
        )
        posting.event_key = event.event_id
        self.journal.append(self.new_postings, posting)
        if not newer:
            for old in same:
                self.journal.set(old, superseded=True)
                self.journal.mark(self.superseded, old)
            self.journal.put(self.postings, id(line), [p for p in current if p not in same] + [posting])
        return posting

    def _totals(self, line: PurchaseOrderLine) -> None:
        current = self.postings[id(line)]
        receipts = [p for p in current if p.kind == Posting.Kind.RECEIPT]
        invoices = [p for p in current if p.kind == Posting.Kind.INVOICE]
        self.journal.set(
            line,
            received_quantity=money(sum((p.quantity for p in receipts), Decimal(0))),
            invoiced_quantity=money(sum((p.quantity for p in invoices), Decimal(0))),
            invoiced_amount=money(sum((p.amount for p in invoices), Decimal(0))),
        )
        self._dirty(line)

    @staticmethod
    def _check_limits(line: PurchaseOrderLine) -> None:
        limit = line.quantity * OVER_DELIVERY_TOLERANCE
        for label, value in (("received", line.received_quantity), ("invoiced", line.invoiced_quantity)):
            if value > limit:
                raise ValidationFailed(
                    f"{label.capitalize()} quantity {plain(value)} is more than 110% of the "
                    f"{plain(line.quantity)} ordered on {line.purchase_order.po_number}/{line.line_number}.",
                    code=f"over_{label}",
                    details={"po_line": line.line_number, label: str(value), "ordered": str(line.quantity)},
                )

    def _receipt_posted(self, event: ErpEvent, parsed: ReceiptPosted) -> str:
        po = self._po(parsed.po_number)
        if po is None:
            return Applied.PARKED
        day = parsed.document_date or self.site.local_date(parsed.occurred_at)
        lines = [(self._po_line(po, data.po_line, index), data) for index, data in enumerate(parsed.lines)]
        for line, data in lines:
            value = data.quantity * line.unit_price
            posting = self._record_version(
                line, event, Posting.Kind.RECEIPT, parsed.receipt_number, data.quantity, value, day
            )
            self._totals(line)
            self._check_limits(line)
            self._stock(line, event)
            self._reconcile(line, event, CostKind.PO_RECEIPT, kind=Posting.Kind.RECEIPT, posting=posting)
        self._refresh_po_status(po)
        return Applied.APPLIED

    def _invoice_posted(self, event: ErpEvent, parsed: InvoicePosted) -> str:
        po = self._po(parsed.po_number)
        if po is None:
            return Applied.PARKED
        if parsed.currency != po.currency:
            raise ValidationFailed(
                f"The invoice is in {parsed.currency}; PO {po.po_number} is in {po.currency}.",
                code="currency_mismatch",
                details={"field": "currency", "expected": po.currency},
            )
        day = parsed.document_date or self.site.local_date(parsed.occurred_at)
        for index, data in enumerate(parsed.lines):
            if (data.amount < 0 and data.quantity >= 0) or (data.amount > 0 and data.quantity < 0):
                raise ValidationFailed(
                    "The invoiced amount and quantity have different signs (a negative price).",
                    code="negative_price",
                    details={"field": f"lines.{index}.amount"},
                )
        lines = [(self._po_line(po, data.po_line, index), data) for index, data in enumerate(parsed.lines)]
        for line, data in lines:
            posting = self._record_version(
                line, event, Posting.Kind.INVOICE, parsed.invoice_number, data.quantity, data.amount, day
            )
            self._totals(line)
            self._check_limits(line)
            self._reconcile(line, event, CostKind.INVOICE_VARIANCE, kind=Posting.Kind.INVOICE, posting=posting)
        return Applied.APPLIED

    # --- stock and the WO ledger ---------------------------------------------------------------

    def _receiving_storeroom(self) -> Storeroom:
        if self._storeroom is None:
            settings = ProcurementSettings.objects.filter(site=self.site).select_related("receiving_storeroom").first()
            storeroom = settings.receiving_storeroom if settings else None
            self._storeroom = storeroom or Storeroom.objects.filter(site=self.site).order_by("code").first()
        if self._storeroom is None:
            raise Conflict(f"{self.site.code} has no storeroom to receive stock into.", code="no_receiving_storeroom")
        return self._storeroom

    def _tell_owners_of_receipts(self) -> None:
        """Whoever raised a WO hears when goods bought for it arrive (once per receipt event and WO)."""
        received = {}
        for cost_line, line, event in self.cost_lines:
            if cost_line.kind == CostKind.PO_RECEIPT and cost_line.amount > 0:
                received.setdefault((event.pk, cost_line.work_order_id), (cost_line.work_order, line))
        if not received:
            return
        owners = User.objects.in_bulk({work_order.created_by_id for work_order, _line in received.values()})
        for (event_id, _line_id), (work_order, line) in received.items():
            notify(
                [owners.get(work_order.created_by_id)],
                NotificationKind.PARTS_RECEIVED,
                title=format_lazy(_("Parts arrived for {work_order}"), work_order=work_order.number),
                body=f"{line.purchase_order.po_number}/{line.line_number}: {line.description}",
                link=reverse("work-order-detail", args=[work_order.pk]),
                key=f"parts-received:{event_id}:{work_order.pk}",
            )

    def _stock(self, line: PurchaseOrderLine, event: ErpEvent) -> None:
        """Parts bought for stock go into the receiving storeroom; the usual issue carries them to a WO."""
        request_line = line.request_line
        if request_line is None or not request_line.for_stock:
            return
        delta = line.received_quantity - line.stocked_quantity
        if delta == 0:
            return
        storeroom = self._receiving_storeroom()
        key = (request_line.part_id, storeroom.pk)
        if key not in self.stock:
            level = StockLevel.objects.filter(part_id=key[0], storeroom=storeroom).first()
            self.stock[key] = level.quantity_on_hand if level else Decimal(0)
        if self.stock[key] + delta < 0:
            raise Conflict(
                f"Only {plain(self.stock[key])} of {request_line.part.part_number} are left in "
                f"{storeroom.code} to send back.",
                code="insufficient_stock",
                details={"available": str(self.stock[key]), "requested": str(-delta)},
            )
        self.journal.put(self.stock, key, self.stock[key] + delta)
        self.journal.append(self.stock_moves, (line, event, delta))
        self.journal.set(line, stocked_quantity=line.received_quantity)
        self._dirty(line)

    def _reconcile(
        self, line: PurchaseOrderLine, event: ErpEvent, cost_kind: str, *, kind: str, posting: Posting | None = None
    ) -> None:
        request_line = line.request_line
        if request_line is None or request_line.for_stock:
            return  # a line no WO asked for (freight...), or stock: no WO cost here
        delta = line_target(line) - self.posted[id(line)]
        if delta == 0:
            return
        work_order = request_line.request.work_order
        work_order.site = self.site
        category = CostCategory.CONTRACTOR if request_line.kind == LineKind.SERVICE else CostCategory.PARTS
        label = {
            Posting.Kind.RECEIPT: "Receipt",
            Posting.Kind.INVOICE: "Invoice",
            Posting.Kind.REVALUATION: "Price change",
        }
        cost_line = build_cost_line(
            work_order,
            kind=cost_kind,
            category=category,
            amount=delta,
            cost_date=self.site.local_date(event.occurred_at),
            source_type=COST_SOURCE,
            source_id="",  # the PO line's id, known once it is saved
            idempotency_key="",
            description=f"{label[kind]} on {line.purchase_order.po_number}/{line.line_number}: {line.description}",
        )
        self.journal.append(self.cost_lines, (cost_line, line, event))
        self.journal.put(self.posted, id(line), self.posted[id(line)] + cost_line.amount)
        if posting is None:  # a price change: no document, the posting records the revaluation
            posting = Posting(
                po_line=line,
                event=event,
                kind=kind,
                quantity=Decimal(0),
                amount=Decimal(0),
                unit_price=line.unit_price,
                document_date=cost_line.cost_date,
                occurred_at=event.occurred_at,
            )
            self.journal.append(self.new_postings, posting)
        self.journal.set(posting, cost_line=cost_line, variance=cost_line.amount)

    # --- writing -------------------------------------------------------------------------------

    def _flush(self) -> None:
        ErpEvent.objects.bulk_create(self.new_events)
        if self.dirty_events:
            ErpEvent.objects.bulk_update(self.dirty_events.values(), ["status", "error", "applied_at"])
        new_ids = {id(obj) for obj in [*self.new_pos, *self.new_lines, *self.new_postings]}
        PurchaseOrder.objects.bulk_create(self.new_pos)
        existing_pos = [po for po in self.dirty_pos.values() if id(po) not in new_ids]
        if existing_pos:
            for po in existing_pos:
                po.updated_at = self.now
            PurchaseOrder.objects.bulk_update(
                existing_pos, ["vendor", "vendor_name", "status", "erp_updated_at", "updated_at"]
            )
        PurchaseOrderLine.objects.bulk_create(self.new_lines)
        line_fields = [
            "request_line", "description", "quantity", "unit_price", "cancelled", "erp_updated_at",
            "received_quantity", "invoiced_quantity", "invoiced_amount", "stocked_quantity",
        ]  # fmt: skip
        existing_lines = [line for line in self.dirty_lines.values() if id(line) not in new_ids]
        if existing_lines:
            PurchaseOrderLine.objects.bulk_update(existing_lines, line_fields)
        for cost_line, line, event in self.cost_lines:
            cost_line.source_id = str(line.pk)
            cost_line.idempotency_key = f"erp:{event.pk}:{line.pk}"
        CostLine.objects.bulk_create([cost_line for cost_line, _, _ in self.cost_lines])
        self._tell_owners_of_receipts()
        Posting.objects.bulk_create(self.new_postings)
        old = [posting for posting in self.superseded.values() if id(posting) not in new_ids]
        if old:
            Posting.objects.filter(pk__in=[posting.pk for posting in old]).update(superseded=True)
        if self.dirty_request_lines:
            PartsRequestLine.objects.bulk_update(self.dirty_request_lines.values(), ["status"])
        if self.dirty_requests:
            for request in self.dirty_requests.values():
                request.updated_at = self.now
            PartsRequest.objects.bulk_update(self.dirty_requests.values(), ["status", "note", "updated_at"])
        for line, event, delta in self.stock_moves:
            receive_purchased_stock(
                part=line.request_line.part,
                storeroom=self._receiving_storeroom(),
                quantity=delta,
                unit_cost=line.unit_price,
                reference=f"{line.purchase_order.po_number}/{line.line_number}",
                idempotency_key=f"erp:{event.pk}:{line.pk}:stock",
            )
