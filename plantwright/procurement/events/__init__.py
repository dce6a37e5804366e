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

from typing import Any

from django.db import IntegrityError, transaction

from plantwright.accounts.models import Site
from plantwright.core.errors import Conflict
from plantwright.core.inbound import InboundResult
from plantwright.procurement.events.batch import Batch
from plantwright.procurement.events.results import COST_SOURCE, OVER_DELIVERY_TOLERANCE, line_target

__all__ = ["COST_SOURCE", "OVER_DELIVERY_TOLERANCE", "ingest", "ingest_one", "line_target"]


def ingest(site: Site, source: str, raw_events: list[Any]) -> list[InboundResult]:
    """Store and apply a batch in one transaction; every event stands or falls alone."""
    try:
        with transaction.atomic():
            return Batch(site, source).run(raw_events)
    except IntegrityError:
        # Another request stored one of these events between our look-up and our insert.
        raise Conflict(
            "Some of these events are being applied by another request right now; send them again.",
            code="concurrent_delivery",
        ) from None


def ingest_one(site: Site, source: str, raw: Any) -> InboundResult:
    return ingest(site, source, [raw])[0]
