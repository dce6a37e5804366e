"""Carrying a PO line's money to its WO: post the difference between the line's target and what the
ledger already holds for it (see plantwright.procurement.events)."""

from decimal import Decimal
from functools import cached_property

from plantwright.maintenance.models import CostCategory
from plantwright.maintenance.services import build_cost_line
from plantwright.maintenance.services.periods import closed_through, open_day
from plantwright.procurement.events.results import (
    COST_SOURCE,
    line_target,
)
from plantwright.procurement.models import (
    ErpEvent,
    LineKind,
    Posting,
    PurchaseOrderLine,
)


class Reconciliation:
    """The ledger side of a PO line, mixed into the batch."""

    @cached_property
    def books_closed_through(self):
        return closed_through(self.site)

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
        day = self.site.local_date(event.occurred_at)
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
            # A day of closed books: the cost posts on the first open day, the closed figures stay.
            cost_date=open_day(day, self.books_closed_through),
            redated_from=day if open_day(day, self.books_closed_through) != day else None,
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
