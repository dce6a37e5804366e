"""Reads of parts and stock."""

from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from plantwright.accounts.models import User
from plantwright.accounts.selectors import restrict_to_sites, site_ids_with
from plantwright.core.errors import NotFound
from plantwright.inventory.models import MovementKind, Part, StockLevel, StockMovement, StockReservation, Storeroom
from plantwright.maintenance.models import OPEN_STATUSES, WorkOrder

QUANTITY = DecimalField(max_digits=14, decimal_places=4)
ZERO = Value(Decimal(0), output_field=QUANTITY)


def list_parts(q: str | None = None, *, active_only: bool = True) -> QuerySet[Part]:
    parts = Part.objects.all()
    if active_only:
        parts = parts.filter(active=True)
    if q:
        q = q.strip()
        parts = parts.filter(
            Q(part_number__icontains=q) | Q(description__icontains=q) | Q(manufacturer_part_number__icontains=q)
        )
    return parts.order_by("part_number")


def list_parts_with_stock(user: User, q: str | None = None) -> QuerySet[Part]:
    """The catalogue (installation-wide) with what the user's sites hold of each part."""
    allowed = site_ids_with(user)
    on_hand = Q() if allowed is None else Q(stock_levels__storeroom__site_id__in=allowed)
    return list_parts(q).annotate(on_hand=Coalesce(Sum("stock_levels__quantity_on_hand", filter=on_hand), ZERO))


def get_part(part_id: int) -> Part:
    part = Part.objects.filter(pk=part_id).first()
    if part is None:
        raise NotFound(f"Part {part_id} does not exist.")
    return part


def list_storerooms(user: User, *, site_id: int | None = None) -> QuerySet[Storeroom]:
    storerooms = restrict_to_sites(Storeroom.objects.select_related("site"), user)
    if site_id is not None:
        storerooms = storerooms.filter(site_id=site_id)
    return storerooms.order_by("site__code", "code")


def list_stock(
    user: User, *, part_id: int | None = None, storeroom_id: int | None = None, site_id: int | None = None
) -> QuerySet[StockLevel]:
    levels = restrict_to_sites(
        StockLevel.objects.select_related("part", "storeroom", "storeroom__site"), user, field="storeroom__site"
    )
    if part_id is not None:
        levels = levels.filter(part_id=part_id)
    if storeroom_id is not None:
        levels = levels.filter(storeroom_id=storeroom_id)
    if site_id is not None:
        levels = levels.filter(storeroom__site_id=site_id)
    return levels.order_by("part__part_number", "storeroom__code")


def reorder_list(user: User, *, site_id: int | None = None) -> QuerySet[StockLevel]:
    """Stock below its minimum, with the quantity that brings it back to its maximum."""
    return (
        list_stock(user, site_id=site_id)
        .filter(quantity_on_hand__lt=F("min_quantity"))
        .annotate(reorder_quantity=ExpressionWrapper(F("max_quantity") - F("quantity_on_hand"), output_field=QUANTITY))
    )


def list_movements(user: User, *, part_id: int | None = None, limit: int = 100) -> QuerySet[StockMovement]:
    movements = restrict_to_sites(
        StockMovement.objects.select_related("part", "storeroom", "work_order", "created_by"),
        user,
        field="storeroom__site",
    )
    if part_id is not None:
        movements = movements.filter(part_id=part_id)
    return movements.order_by("-moved_at", "-id")[:limit]


def work_order_issues(work_order: WorkOrder) -> QuerySet[StockMovement]:
    """Parts issued to the WO, each with how much has come back and how much still can."""
    returned = (
        StockMovement.objects.filter(returned_from=OuterRef("pk"))
        .values("returned_from")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return (
        StockMovement.objects.filter(work_order=work_order, kind=MovementKind.ISSUE)
        .select_related("part", "storeroom", "created_by")
        .annotate(returned_quantity=Coalesce(Subquery(returned, output_field=QUANTITY), ZERO))
        .annotate(
            issued_quantity=ExpressionWrapper(-F("quantity"), output_field=QUANTITY),
            returnable_quantity=ExpressionWrapper(-F("quantity") - F("returned_quantity"), output_field=QUANTITY),
        )
        .order_by("moved_at", "id")
    )


def outstanding_reservations(**filters) -> QuerySet[StockReservation]:
    """Reservations of open WOs with what has been issued against them (net of returns) and what is
    still outstanding, computed in SQL."""
    issued = (
        StockMovement.objects.filter(
            work_order=OuterRef("work_order"),
            part=OuterRef("part"),
            storeroom=OuterRef("storeroom"),
            kind__in=[MovementKind.ISSUE, MovementKind.RETURN],
        )
        .values("work_order")
        .annotate(total=-Sum("quantity"))
        .values("total")
    )
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=4))
    return (
        StockReservation.objects.filter(work_order__status__in=OPEN_STATUSES, **filters)
        .annotate(issued=Coalesce(Subquery(issued, output_field=DecimalField(max_digits=14, decimal_places=4)), zero))
        .annotate(outstanding=Greatest(F("quantity") - F("issued"), zero))
        .select_related("part", "storeroom")
    )


def on_hand_at_site(site_id: int) -> dict[int, Decimal]:
    """part id → what the site's storerooms hold of it (one query), for the issue picker."""
    rows = (
        StockLevel.objects.filter(storeroom__site_id=site_id)
        .values("part_id")
        .annotate(total=Sum("quantity_on_hand"))
        .values_list("part_id", "total")
    )
    return dict(rows)
