"""The WO cost ledger: every cost posts here once, and corrections are reversing lines."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from plantwright.accounts.models import User
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.maintenance import events
from plantwright.maintenance.lifecycle import READ_ONLY_STATUSES
from plantwright.maintenance.models import CostCategory, CostKind, CostLine, WorkOrder
from plantwright.maintenance.services.periods import check_open, closed_through, open_day

MONEY_STEP = Decimal("0.0001")


def money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_STEP)


def build_cost_line(
    work_order: WorkOrder,
    *,
    kind: str,
    category: str,
    amount: Decimal,
    cost_date: date,
    source_type: str,
    source_id: str | int,
    idempotency_key: str,
    quantity: Decimal | None = None,
    description: str = "",
    posted_by: User | None = None,
    reverses: CostLine | None = None,
    redated_from: date | None = None,
    history: bool = False,
) -> CostLine:
    """A ledger line, not yet saved (bulk writers save many at once; post_cost_line saves one).
    `history`: the WO's own past brought in by an import, never a cost that arrived after its close."""
    if kind not in CostKind.values or category not in CostCategory.values:
        raise ValidationFailed("Unknown cost kind or category.", details={"kind": kind, "category": category})
    return CostLine(
        work_order=work_order,
        kind=kind,
        category=category,
        amount=money(amount),
        currency=work_order.site.currency,
        quantity=quantity,
        description=fit(CostLine, "description", description),
        source_type=source_type,
        source_id=str(source_id),
        idempotency_key=idempotency_key,
        cost_date=cost_date,
        # A cost arriving after the WO is closed still posts, flagged, so it is never lost.
        after_close=not history and work_order.status in READ_ONLY_STATUSES,
        reverses=reverses,
        posted_by=posted_by,
        redated_from=redated_from,
    )


def post_cost_line(
    work_order: WorkOrder,
    *,
    kind: str,
    category: str,
    amount: Decimal,
    cost_date: date,
    source_type: str,
    source_id: str | int,
    idempotency_key: str,
    quantity: Decimal | None = None,
    description: str = "",
    posted_by: User | None = None,
    reverses: CostLine | None = None,
    redated_from: date | None = None,
) -> tuple[CostLine, bool]:
    """Append one line; posting the same idempotency key again returns the first line and adds nothing.

    A cost arriving after the WO is closed still posts, flagged `after_close`, so it is never lost; a
    cost dated in a closed period is refused (409 `period_closed`).
    """
    existing = CostLine.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    check_open(work_order.site, cost_date, field="cost_date")
    line = build_cost_line(
        work_order,
        kind=kind,
        category=category,
        amount=amount,
        cost_date=cost_date,
        source_type=source_type,
        source_id=source_id,
        idempotency_key=idempotency_key,
        quantity=quantity,
        description=description,
        posted_by=posted_by,
        reverses=reverses,
        redated_from=redated_from,
    )
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError:
        # Another worker posted the same key between our check and insert: theirs stands.
        existing = CostLine.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    events.costs_posted([line])
    return line, True


def reverse_cost_line(line: CostLine, *, cost_date: date, reason: str, posted_by: User | None = None) -> CostLine:
    """Post the line's exact negative. A line is reversed at most once; a reversal is never reversed."""
    if line.kind == CostKind.REVERSAL:
        raise Conflict(
            "A reversal cannot itself be reversed; post the cost again instead.", code="reversal_of_reversal"
        )
    if CostLine.objects.filter(reverses=line).exists():
        raise Conflict("This cost line is already reversed.", code="already_reversed", details={"line": line.pk})
    # A closed period keeps its figures: the correction posts on the first open day.
    posted_on = open_day(cost_date, closed_through(line.work_order.site))
    reversal, _ = post_cost_line(
        line.work_order,
        kind=CostKind.REVERSAL,
        category=line.category,
        amount=-line.amount,
        quantity=-line.quantity if line.quantity is not None else None,
        cost_date=posted_on,
        source_type=line.source_type,
        source_id=line.source_id,
        idempotency_key=f"reversal:{line.pk}",
        description=fit(CostLine, "description", f"Reversal: {reason}"),
        posted_by=posted_by,
        reverses=line,
        redated_from=cost_date if posted_on != cost_date else None,
    )
    return reversal


def cost_line_for(source_type: str, source_id: str | int) -> CostLine | None:
    """The original (non-reversal) line a source posted, if any."""
    return (
        CostLine.objects.filter(source_type=source_type, source_id=str(source_id))
        .exclude(kind=CostKind.REVERSAL)
        .first()
    )
