"""The POs of a batch: created and changed, cancelled, rejected requests, and the status of the
lines, POs and requests they move."""

from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.maintenance.models import CostKind
from plantwright.maintenance.services import money
from plantwright.procurement.event_schemas import (
    PoCancelled,
    PoChanged,
    RequestRejected,
)
from plantwright.procurement.events.results import (
    Applied,
)
from plantwright.procurement.models import (
    ErpEvent,
    PartsRequest,
    PartsRequestLine,
    Posting,
    PurchaseOrder,
    PurchaseOrderLine,
)
from plantwright.procurement.services import request_status_after


class PurchaseOrders:
    """POs and request lines, mixed into the batch (the state it loaded is `self`'s)."""

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
            if data.invoice_only is not None:
                j.set(line, invoice_only=data.invoice_only)
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
            if new == PartsRequest.Status.ORDERED:
                self.journal.put(self.ordered_requests, request.pk, request)
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
