"""Every write to parts and stock. Stock moves at moving-average cost; issues and returns post to the WO ledger."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, restrict_to_sites
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.core.formatting import plain
from plantwright.inventory.models import MovementKind, Part, StockLevel, StockMovement, StockReservation, Storeroom
from plantwright.inventory.selectors import outstanding_reservations
from plantwright.maintenance.models import CostCategory, CostKind, WorkOrder
from plantwright.maintenance.services import money, post_cost_line
from plantwright.maintenance.services.labor import TIME_BOOKING_STATUSES
from plantwright.maintenance.services.periods import check_open

QUANTITY_STEP = Decimal("0.0001")
MAX_QUANTITY = Decimal("1e9")


def _quantity(value: Decimal, field: str = "quantity") -> Decimal:
    if value <= 0 or value >= MAX_QUANTITY or value != value.quantize(QUANTITY_STEP):
        raise ValidationFailed(
            "Quantity must be positive, below 1 000 000 000, with at most 4 decimals.", details={"field": field}
        )
    return value


def _unit_cost(value: Decimal) -> Decimal:
    if value < 0 or value >= Decimal("1e9"):
        raise ValidationFailed("Unit cost must be between 0 and 1 000 000 000.", details={"field": "unit_cost"})
    return value


def _part(part_id: int) -> Part:
    part = Part.objects.filter(pk=part_id, active=True).first()
    if part is None:
        raise ValidationFailed(f"Part {part_id} does not exist.", details={"field": "part", "part": part_id})
    return part


def _storeroom(actor: User, storeroom_id: int, field: str = "storeroom") -> Storeroom:
    storeroom = restrict_to_sites(Storeroom.objects.select_related("site"), actor).filter(pk=storeroom_id).first()
    if storeroom is None:
        raise ValidationFailed(f"Storeroom {storeroom_id} does not exist.", details={"field": field})
    return storeroom


def _locked_level(part: Part, storeroom: Storeroom) -> StockLevel:
    """The stock row, locked for this transaction (created at the part's default min/max if new)."""
    try:
        with transaction.atomic():
            StockLevel.objects.get_or_create(
                part=part,
                storeroom=storeroom,
                defaults={"min_quantity": part.default_min_quantity, "max_quantity": part.default_max_quantity},
            )
    except IntegrityError:
        pass  # created concurrently by someone else: fine, lock theirs
    return StockLevel.objects.select_for_update().get(part=part, storeroom=storeroom)


def _average_after_inflow(level: StockLevel, quantity: Decimal, unit_cost: Decimal) -> Decimal:
    new_quantity = level.quantity_on_hand + quantity
    if new_quantity <= 0:
        return level.average_cost
    return money((level.quantity_on_hand * level.average_cost + quantity * unit_cost) / new_quantity)


def _move(
    actor: User | None,
    level: StockLevel,
    *,
    kind: str,
    quantity: Decimal,
    unit_cost: Decimal,
    work_order: WorkOrder | None = None,
    returned_from: StockMovement | None = None,
    transfer_of: StockMovement | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
    moved_on: date | None = None,
) -> StockMovement:
    """Apply a signed quantity to a locked stock row and record the movement."""
    if quantity > 0:
        level.average_cost = _average_after_inflow(level, quantity, unit_cost)
    elif level.quantity_on_hand + quantity < 0:
        raise Conflict(
            f"Only {plain(level.quantity_on_hand)} {level.part.unit} of {level.part.part_number} "
            f"in {level.storeroom.code}.",
            code="insufficient_stock",
            details={"available": str(level.quantity_on_hand), "requested": str(-quantity)},
        )
    level.quantity_on_hand += quantity
    level.save(update_fields=["quantity_on_hand", "average_cost"])
    return StockMovement.objects.create(
        kind=kind,
        part=level.part,
        storeroom=level.storeroom,
        quantity=quantity,
        unit_cost=unit_cost,
        value=money(quantity * unit_cost),
        quantity_after=level.quantity_on_hand,
        average_cost_after=level.average_cost,
        work_order=work_order,
        returned_from=returned_from,
        transfer_of=transfer_of,
        reference=fit(StockMovement, "reference", reference),
        idempotency_key=idempotency_key,
        moved_on=moved_on,
        created_by=actor,
    )


def _day_used(day: date | None, work_order: WorkOrder) -> date:
    """The business day of parts used on a WO: today at its site unless said; never in the future."""
    today = work_order.site.local_date()
    if day is None:
        return today
    if day > today or day.year < 2000:
        raise ValidationFailed(code="used_on_implausible", details={"field": "used_on"})
    check_open(work_order.site, day, field="used_on")
    return day


def _replayed(idempotency_key: str | None, **expected) -> StockMovement | None:
    """A movement already made with this key: the same request again answers the same movement."""
    if not idempotency_key:
        return None
    existing = StockMovement.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    for field, value in expected.items():
        if getattr(existing, field) != value:
            raise Conflict(
                "This idempotency key was used for a different stock movement.",
                code="idempotency_key_reused",
                details={"movement": existing.pk},
            )
    return existing


# --- stock movements ------------------------------------------------------------------------


@transaction.atomic
def receive_stock(
    actor: User,
    *,
    part_id: int,
    storeroom_id: int,
    quantity: Decimal,
    unit_cost: Decimal,
    reference: str = "",
    idempotency_key: str | None = None,
) -> StockMovement:
    storeroom = _storeroom(actor, storeroom_id)
    authorize(actor, Perm.MANAGE_INVENTORY, storeroom.site_id)
    part = _part(part_id)
    if replay := _replayed(idempotency_key, kind=MovementKind.RECEIPT, part_id=part.pk, storeroom_id=storeroom.pk):
        return replay
    level = _locked_level(part, storeroom)
    return _move(
        actor,
        level,
        kind=MovementKind.RECEIPT,
        quantity=_quantity(quantity),
        unit_cost=_unit_cost(unit_cost),
        reference=reference,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def receive_purchased_stock(
    *, part: Part, storeroom: Storeroom, quantity: Decimal, unit_cost: Decimal, reference: str, idempotency_key: str
) -> StockMovement:
    """Goods bought through purchasing arrive (or go back to the vendor, negative) at the PO price.

    Called by the ERP event that reports the receipt, which was authorised as a whole; no person acts.
    """
    if replay := _replayed(idempotency_key, part_id=part.pk, storeroom_id=storeroom.pk):
        return replay
    level = _locked_level(part, storeroom)
    kind = MovementKind.RECEIPT if quantity > 0 else MovementKind.VENDOR_RETURN
    return _move(
        None,
        level,
        kind=kind,
        quantity=quantity,
        unit_cost=_unit_cost(unit_cost) if quantity > 0 else level.average_cost,
        reference=reference,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def adjust_stock(
    actor: User, *, part_id: int, storeroom_id: int, quantity_delta: Decimal, reason: str
) -> StockMovement:
    """A count correction. Gains come in at the current average cost; losses go out at it."""
    storeroom = _storeroom(actor, storeroom_id)
    authorize(actor, Perm.MANAGE_INVENTORY, storeroom.site_id)
    if not reason.strip():
        raise ValidationFailed("Say why the stock is adjusted.", details={"field": "reason"})
    _quantity(abs(quantity_delta), "quantity_delta")
    level = _locked_level(_part(part_id), storeroom)
    return _move(
        actor,
        level,
        kind=MovementKind.ADJUSTMENT,
        quantity=quantity_delta,
        unit_cost=level.average_cost,
        reference=reason,
    )


@transaction.atomic
def transfer_stock(
    actor: User, *, part_id: int, from_storeroom_id: int, to_storeroom_id: int, quantity: Decimal, reference: str = ""
) -> tuple[StockMovement, StockMovement]:
    source = _storeroom(actor, from_storeroom_id, "from_storeroom")
    target = _storeroom(actor, to_storeroom_id, "to_storeroom")
    if source.pk == target.pk:
        raise ValidationFailed("Transfer between two different storerooms.", details={"field": "to_storeroom"})
    authorize(actor, Perm.MANAGE_INVENTORY, source.site_id)
    authorize(actor, Perm.MANAGE_INVENTORY, target.site_id)
    currencies = (source.site.currency, target.site.currency)
    if currencies[0] != currencies[1]:
        # The moving average would carry TRY as if it were EUR: Plantwright keeps no exchange rates,
        # so such a move is booked as an issue at one site and a receipt at the other.
        raise ValidationFailed(
            f"The storerooms keep stock in different currencies ({currencies[0]}, {currencies[1]}): issue the "
            "parts at one site and receive them at the other instead.",
            code="currency_mismatch",
            details={"field": "to_storeroom", "from_currency": currencies[0], "to_currency": currencies[1]},
        )
    part = _part(part_id)
    quantity = _quantity(quantity)
    # Lock both rows in a fixed order so two opposite transfers cannot deadlock.
    first, second = sorted([source, target], key=lambda s: s.pk)
    levels = {first.pk: _locked_level(part, first), second.pk: _locked_level(part, second)}
    out_level = levels[source.pk]
    cost = out_level.average_cost
    moved_out = _move(
        actor, out_level, kind=MovementKind.TRANSFER_OUT, quantity=-quantity, unit_cost=cost, reference=reference
    )
    moved_in = _move(
        actor,
        levels[target.pk],
        kind=MovementKind.TRANSFER_IN,
        quantity=quantity,
        unit_cost=cost,
        transfer_of=moved_out,
        reference=reference,
    )
    return moved_out, moved_in


@transaction.atomic
def issue_part(
    actor: User,
    work_order: WorkOrder,
    *,
    part_id: int,
    storeroom_id: int,
    quantity: Decimal,
    idempotency_key: str | None = None,
    used_on: date | None = None,
) -> StockMovement:
    """Take parts out of stock for a WO; the WO's ledger gets their cost at the current average, dated
    the day they were used (`used_on`, today unless said: a part fitted on 10 January and recorded
    later costs January). A completed WO still takes late entries until it is closed."""
    authorize(actor, Perm.ISSUE_PARTS, work_order.site_id)
    storeroom = _storeroom(actor, storeroom_id)
    if storeroom.site_id != work_order.site_id:
        raise ValidationFailed("Issue from a storeroom of the WO's own site.", details={"field": "storeroom"})
    part = _part(part_id)
    quantity = _quantity(quantity)
    if replay := _replayed(
        idempotency_key, kind=MovementKind.ISSUE, part_id=part.pk, work_order_id=work_order.pk, quantity=-quantity
    ):
        return replay
    work_order = WorkOrder.objects.select_for_update().select_related("site").get(pk=work_order.pk)
    if work_order.status not in TIME_BOOKING_STATUSES:
        raise Conflict(
            f"{work_order.number} is {work_order.status}; parts can only be issued to an open or completed WO.",
            code="work_order_not_open",
            details={"status": work_order.status},
        )
    day = _day_used(used_on, work_order)
    level = _locked_level(part, storeroom)
    movement = _move(
        actor,
        level,
        kind=MovementKind.ISSUE,
        quantity=-quantity,
        unit_cost=level.average_cost,
        work_order=work_order,
        reference=work_order.number,
        idempotency_key=idempotency_key,
        moved_on=day,
    )
    post_cost_line(
        work_order,
        kind=CostKind.PART_ISSUE,
        category=CostCategory.PARTS,
        amount=-movement.value,
        quantity=quantity,
        cost_date=day,
        source_type="stock_movement",
        source_id=movement.pk,
        idempotency_key=f"stock_movement:{movement.pk}",
        description=f"{part.part_number} {plain(quantity)} {part.unit} × {movement.unit_cost}, {storeroom.code}",
        posted_by=actor,
    )
    return movement


@transaction.atomic
def return_part(
    actor: User,
    work_order: WorkOrder,
    *,
    issue_id: int,
    quantity: Decimal,
    idempotency_key: str | None = None,
    returned_on: date | None = None,
) -> StockMovement:
    """Give unused parts back: into stock at the cost they were issued at, and off the WO's ledger,
    dated the day they came back (`returned_on`, today unless said; not before the issue)."""
    authorize(actor, Perm.ISSUE_PARTS, work_order.site_id)
    quantity = _quantity(quantity)
    issue = (
        StockMovement.objects.select_for_update()
        .select_related("part", "storeroom")
        .filter(pk=issue_id, work_order=work_order, kind=MovementKind.ISSUE)
        .first()
    )
    if issue is None:
        raise ValidationFailed(f"Issue {issue_id} was not made to {work_order.number}.", details={"field": "issue"})
    if replay := _replayed(idempotency_key, kind=MovementKind.RETURN, returned_from_id=issue.pk, quantity=quantity):
        return replay
    already = sum((r.quantity for r in issue.returns.all()), Decimal(0))
    returnable = -issue.quantity - already
    if quantity > returnable:
        raise Conflict(
            f"Only {plain(returnable)} of this issue can still be returned.",
            code="return_exceeds_issue",
            details={"returnable": str(returnable)},
        )
    work_order = WorkOrder.objects.select_related("site").get(pk=work_order.pk)
    day = _day_used(returned_on, work_order)
    issued = issue.moved_on or work_order.site.local_date(issue.moved_at)
    if day < issued:
        raise ValidationFailed(code="returned_before_issued", details={"field": "returned_on"}, day=issued)
    level = _locked_level(issue.part, issue.storeroom)
    movement = _move(
        actor,
        level,
        kind=MovementKind.RETURN,
        quantity=quantity,
        unit_cost=issue.unit_cost,
        work_order=work_order,
        returned_from=issue,
        reference=work_order.number,
        idempotency_key=idempotency_key,
        moved_on=day,
    )
    post_cost_line(
        work_order,
        kind=CostKind.PART_RETURN,
        category=CostCategory.PARTS,
        amount=-movement.value,
        quantity=-quantity,
        cost_date=day,
        source_type="stock_movement",
        source_id=movement.pk,
        idempotency_key=f"stock_movement:{movement.pk}",
        description=f"Return {issue.part.part_number} {plain(quantity)} × {issue.unit_cost}",
        posted_by=actor,
    )
    return movement


def reserve_for_work_order(work_order: WorkOrder, part: Part, quantity: Decimal) -> StockReservation | None:
    """Set `quantity` of `part` aside for the WO in the first storeroom of its site that has that much
    available (on hand less what open WOs have reserved and not yet been issued), or None. Called by
    rules (PM generation) inside their transaction; the stock rows are locked while deciding."""
    levels = (
        StockLevel.objects.select_for_update()
        .filter(part=part, storeroom__site_id=work_order.site_id)
        .order_by("storeroom__code")
    )
    for level in levels:
        if available(part, level.storeroom) >= quantity:
            return StockReservation.objects.create(
                work_order=work_order, part=part, storeroom=level.storeroom, quantity=quantity
            )
    return None


def available(part: Part, storeroom: Storeroom) -> Decimal:
    on_hand = (
        StockLevel.objects.filter(part=part, storeroom=storeroom).values_list("quantity_on_hand", flat=True).first()
    )
    reserved = outstanding_reservations(part=part, storeroom=storeroom).aggregate(total=Sum("outstanding"))["total"]
    return (on_hand or Decimal(0)) - (reserved or Decimal(0))
