"""The WO cost ledger: every cost posts here once, and corrections are reversing lines."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from plantwright.accounts.models import User
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.maintenance.lifecycle import READ_ONLY_STATUSES
from plantwright.maintenance.models import CostCategory, CostKind, CostLine, WorkOrder

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
) -> CostLine:
    """A ledger line, not yet saved (bulk writers save many at once; post_cost_line saves one)."""
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
        after_close=work_order.status in READ_ONLY_STATUSES,
        reverses=reverses,
        posted_by=posted_by,
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
) -> tuple[CostLine, bool]:
    """Append one line; posting the same idempotency key again returns the first line and adds nothing.

    A cost arriving after the WO is closed still posts, flagged `after_close`, so it is never lost.
    """
    existing = CostLine.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
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
    return line, True


def reverse_cost_line(line: CostLine, *, cost_date: date, reason: str, posted_by: User | None = None) -> CostLine:
    """Post the line's exact negative. A line is reversed at most once; a reversal is never reversed."""
    if line.kind == CostKind.REVERSAL:
        raise Conflict(
            "A reversal cannot itself be reversed; post the cost again instead.", code="reversal_of_reversal"
        )
    if CostLine.objects.filter(reverses=line).exists():
        raise Conflict("This cost line is already reversed.", code="already_reversed", details={"line": line.pk})
    reversal, _ = post_cost_line(
        line.work_order,
        kind=CostKind.REVERSAL,
        category=line.category,
        amount=-line.amount,
        quantity=-line.quantity if line.quantity is not None else None,
        cost_date=cost_date,
        source_type=line.source_type,
        source_id=line.source_id,
        idempotency_key=f"reversal:{line.pk}",
        description=fit(CostLine, "description", f"Reversal: {reason}"),
        posted_by=posted_by,
        reverses=line,
    )
    return reversal


def cost_line_for(source_type: str, source_id: str | int) -> CostLine | None:
    """The original (non-reversal) line a source posted, if any."""
    return (
        CostLine.objects.filter(source_type=source_type, source_id=str(source_id))
        .exclude(kind=CostKind.REVERSAL)
        .first()
    )
