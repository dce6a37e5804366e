"""Receipts and invoices of a batch: each document version kept once, its quantities checked, stock
received for parts bought for stock, and the people waiting for them told."""

from decimal import Decimal

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import User
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.core.formatting import plain
from plantwright.inventory.models import StockLevel, Storeroom
from plantwright.maintenance.models import CostKind
from plantwright.maintenance.services import money
from plantwright.notifications.models import Kind as NotificationKind
from plantwright.notifications.services import Notice, notify_all
from plantwright.procurement.event_schemas import (
    InvoicePosted,
    ReceiptPosted,
)
from plantwright.procurement.events.results import (
    OVER_DELIVERY_TOLERANCE,
    Applied,
)
from plantwright.procurement.models import (
    ErpEvent,
    Posting,
    ProcurementSettings,
    PurchaseOrderLine,
)


class Documents:
    """Receipts and invoices, mixed into the batch."""

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
        versions: list[Posting] = []
        for line, data in lines:
            value = data.quantity * line.unit_price
            posting = self._record_version(
                line, event, Posting.Kind.RECEIPT, parsed.receipt_number, data.quantity, value, day
            )
            self._totals(line)
            self._check_limits(line)
            self._stock(line, event)
            self._reconcile(line, event, CostKind.PO_RECEIPT, kind=Posting.Kind.RECEIPT, posting=posting)
            versions.append(posting)
        self._refresh_po_status(po)
        return self._outcome(versions)

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
        versions: list[Posting] = []
        for line, data in lines:
            if data.invoice_only and not line.invoice_only:
                self.journal.set(line, invoice_only=True)
            posting = self._record_version(
                line, event, Posting.Kind.INVOICE, parsed.invoice_number, data.quantity, data.amount, day
            )
            self._totals(line)
            self._check_limits(line)
            cost_kind = CostKind.PO_INVOICE if line.invoice_only else CostKind.INVOICE_VARIANCE
            self._reconcile(line, event, cost_kind, kind=Posting.Kind.INVOICE, posting=posting)
            versions.append(posting)
        return self._outcome(versions)

    @staticmethod
    def _outcome(versions: list[Posting]) -> str:
        """A document version older on every line than the one already applied changes nothing: it
        is kept (the trail shows it) and answered `ignored`, as a stale `po.updated` is."""
        return Applied.IGNORED if versions and all(posting.superseded for posting in versions) else Applied.APPLIED

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
        notify_all([
            Notice(
                (owners.get(work_order.created_by_id),),
                NotificationKind.PARTS_RECEIVED,
                title=format_lazy(_("Parts arrived for {work_order}"), work_order=work_order.number),
                body=f"{line.purchase_order.po_number}/{line.line_number}: {line.description}",
                link=reverse("work-order-detail", args=[work_order.pk]),
                key=f"parts-received:{event_id}:{work_order.pk}",
            )
            for (event_id, _wo_id), (work_order, line) in received.items()
        ])  # fmt: skip

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
