"""One batch of inbound events from one source: loaded, applied event by event, written at once."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import F, Subquery, Sum
from django.utils import timezone
from pydantic import ValidationError

from plantwright.accounts.models import Site
from plantwright.core.db.bounded import fit
from plantwright.core.db.bulk import insert_new, update_fields
from plantwright.core.errors import Conflict, DomainError, ValidationFailed, schema_error
from plantwright.core.inbound import InboundResult
from plantwright.inventory.models import Storeroom
from plantwright.inventory.services import receive_purchased_stock
from plantwright.maintenance.events import costs_posted
from plantwright.maintenance.models import CostLine, Vendor
from plantwright.maintenance.services import money
from plantwright.outbox.events import hears
from plantwright.procurement import subscriber_events
from plantwright.procurement.event_schemas import (
    InvoicePosted,
    PoCancelled,
    PoChanged,
    ReceiptPosted,
    RequestRejected,
)
from plantwright.procurement.events.documents import Documents
from plantwright.procurement.events.journal import _Journal
from plantwright.procurement.events.orders import PurchaseOrders
from plantwright.procurement.events.reconcile import Reconciliation
from plantwright.procurement.events.results import (
    _EVENT,
    COST_SOURCE,
    Applied,
    _error_body,
    _event_id,
    erp_result,
)
from plantwright.procurement.models import (
    ErpEvent,
    PartsRequest,
    PartsRequestLine,
    Posting,
    PurchaseOrder,
    PurchaseOrderLine,
)


class Batch(PurchaseOrders, Documents, Reconciliation):
    """One batch of events from one source: loaded, applied event by event, written at once."""

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
        self.ordered_requests: dict[int, PartsRequest] = {}  # for subscribers, once written
        self._storeroom: Storeroom | None = None

    # --- the batch ---------------------------------------------------------------------------

    def _publish(self) -> None:
        """Tell subscribers what the batch did (docs/webhooks.md): requests ordered, goods received,
        then the cost those postings carried to the WOs."""
        for request in self.ordered_requests.values():
            subscriber_events.request_ordered(self.site, request)
        received: dict[tuple[int, int], tuple[PurchaseOrderLine, Decimal]] = {}
        for posting in self.new_postings:
            if posting.kind == Posting.Kind.RECEIPT and posting.quantity and posting.po_line.request_line_id:
                key = (posting.event.pk, posting.po_line.pk)
                received[key] = (posting.po_line, received.get(key, (None, Decimal(0)))[1] + posting.quantity)
        if received and hears(self.site.pk, "parts_request.received"):
            for (event_id, line_id), (line, quantity) in received.items():
                subscriber_events.goods_received(self.site, line, f"erp:{event_id}:{line_id}", quantity)
        costs_posted([cost_line for cost_line, _, _ in self.cost_lines], site=self.site)

    def run(self, raw_events: list[Any]) -> list[InboundResult]:
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

        outcomes: list[tuple[ErpEvent, bool] | InboundResult] = []
        for event_id, raw, parsed in parsed_events:
            existing = known.get(event_id)
            if existing is not None:
                if existing.payload != raw:
                    error = Conflict(
                        f"Event {event_id!r} was already received with different content.",
                        code="event_id_reused",
                        details={"event": existing.pk, "event_id": event_id},
                    )
                    outcomes.append(erp_result(event_id, Applied.REJECTED, error=_error_body(error)))
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
            if isinstance(outcome, InboundResult)
            else erp_result(
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
        # select_related gives each line its own copy of its request: keep one per request, or two
        # events of the batch would each change a copy and only one copy be written.
        shared: dict[int, PartsRequest] = {}
        for request_line in PartsRequestLine.objects.filter(request_id__in=Subquery(requests)).select_related(
            "request__work_order", "part"
        ):
            request_line.request = shared.setdefault(request_line.request_id, request_line.request)
            self.request_lines[request_line.pk] = request_line
            self.request_line_status[request_line.request_id].append(request_line)
        known = {line.pk: line for line in po_lines}
        for link in PurchaseOrderLine.objects.filter(request_line_id__in=ids).select_related("purchase_order"):
            self.links[link.request_line_id].append(known.get(link.pk, link))
        for line in po_lines:
            if line.request_line_id in self.request_lines:
                line.request_line = self.request_lines[line.request_line_id]

    # --- PO link -------------------------------------------------------------------------------

    def _flush(self) -> None:
        insert_new(ErpEvent, self.new_events)
        if self.dirty_events:
            update_fields(ErpEvent, list(self.dirty_events.values()), ["status", "error", "applied_at"])
        new_ids = {id(obj) for obj in [*self.new_pos, *self.new_lines, *self.new_postings]}
        insert_new(PurchaseOrder, self.new_pos)
        existing_pos = [po for po in self.dirty_pos.values() if id(po) not in new_ids]
        if existing_pos:
            for po in existing_pos:
                po.updated_at = self.now
            update_fields(
                PurchaseOrder, existing_pos, ["vendor", "vendor_name", "status", "erp_updated_at", "updated_at"]
            )
        insert_new(PurchaseOrderLine, self.new_lines)
        line_fields = [
            "request_line", "description", "quantity", "unit_price", "cancelled", "invoice_only", "erp_updated_at",
            "received_quantity", "invoiced_quantity", "invoiced_amount", "stocked_quantity",
        ]  # fmt: skip
        existing_lines = [line for line in self.dirty_lines.values() if id(line) not in new_ids]
        if existing_lines:
            update_fields(PurchaseOrderLine, existing_lines, line_fields)
        for cost_line, line, event in self.cost_lines:
            cost_line.source_id = str(line.pk)
            cost_line.idempotency_key = f"erp:{event.pk}:{line.pk}"
        insert_new(CostLine, [cost_line for cost_line, _, _ in self.cost_lines])
        self._tell_owners_of_receipts()
        insert_new(Posting, self.new_postings)
        old = [posting for posting in self.superseded.values() if id(posting) not in new_ids]
        if old:
            Posting.objects.filter(pk__in=[posting.pk for posting in old]).update(superseded=True)
        if self.dirty_request_lines:
            update_fields(PartsRequestLine, list(self.dirty_request_lines.values()), ["status"])
        if self.dirty_requests:
            for request in self.dirty_requests.values():
                request.updated_at = self.now
            update_fields(PartsRequest, list(self.dirty_requests.values()), ["status", "note", "updated_at"])
        self._publish()
        for line, event, delta in self.stock_moves:
            receive_purchased_stock(
                part=line.request_line.part,
                storeroom=self._receiving_storeroom(),
                quantity=delta,
                unit_cost=line.unit_price,
                reference=f"{line.purchase_order.po_number}/{line.line_number}",
                idempotency_key=f"erp:{event.pk}:{line.pk}:stock",
            )
