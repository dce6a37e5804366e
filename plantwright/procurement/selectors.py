"""Reads of parts requests and PO links, with committed → received → invoiced figures per line (in SQL)."""

from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import restrict_to_sites
from plantwright.core.errors import Conflict, NotFound
from plantwright.maintenance.models import ContractorEntry, WorkOrder
from plantwright.procurement.models import (
    ErpEvent,
    PartsRequest,
    PartsRequestLine,
    Posting,
    PurchaseOrder,
    PurchaseOrderLine,
)

MONEY = DecimalField(max_digits=14, decimal_places=4)
ZERO = Value(Decimal(0), output_field=MONEY)
# A PO line counts once the PO is sent: a builtin draft is not yet a commitment to anyone.
_LIVE = Q(po_lines__cancelled=False) & ~Q(po_lines__purchase_order__status=PurchaseOrder.Status.DRAFT)
_SENT = ~Q(po_lines__purchase_order__status=PurchaseOrder.Status.DRAFT)
_WAITING_REQUEST = [PartsRequest.Status.PENDING_APPROVAL, PartsRequest.Status.SUBMITTED, PartsRequest.Status.ORDERED]


def _money(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=MONEY)


def request_lines_with_figures(lines: QuerySet[PartsRequestLine]) -> QuerySet[PartsRequestLine]:
    """Each line with `committed` (still owed on open POs, or the estimate before a PO), `received_value`,
    `invoiced_amount` and `actual` (what the WO carries for it: receipts at PO price until invoiced)."""
    still_owed = Case(
        When(
            _LIVE & Q(po_lines__received_quantity__lt=F("po_lines__quantity")),
            then=_money((F("po_lines__quantity") - F("po_lines__received_quantity")) * F("po_lines__unit_price")),
        ),
        default=ZERO,
        output_field=MONEY,
    )
    return lines.annotate(
        ordered_quantity=Coalesce(Sum("po_lines__quantity", filter=_LIVE), ZERO),
        received_quantity=Coalesce(Sum("po_lines__received_quantity", filter=_SENT), ZERO),
        received_value=Coalesce(
            Sum(_money(F("po_lines__received_quantity") * F("po_lines__unit_price")), filter=_SENT), ZERO
        ),
        invoiced_amount=Coalesce(Sum("po_lines__invoiced_amount", filter=_SENT), ZERO),
        owed_on_po=Coalesce(Sum(still_owed), ZERO),
        actual=Coalesce(
            Sum(
                _money(
                    F("po_lines__unit_price") * (F("po_lines__received_quantity") - F("po_lines__invoiced_quantity"))
                    + F("po_lines__invoiced_amount")
                ),
                filter=_SENT & Q(for_stock=False),
            ),
            ZERO,
        ),
        committed=Case(
            When(
                Q(status=PartsRequestLine.Status.OPEN, request__status__in=_WAITING_REQUEST),
                then=_money(F("quantity") * F("estimated_unit_cost")),
            ),
            When(status=PartsRequestLine.Status.ORDERED, then=F("owed_on_po")),
            default=ZERO,
            output_field=MONEY,
        ),
    )


def work_order_committed(work_order: WorkOrder) -> Decimal:
    lines = request_lines_with_figures(PartsRequestLine.objects.filter(request__work_order=work_order))
    return sum((line.committed for line in lines), Decimal(0)).quantize(Decimal("0.0001"))


def _postings() -> Prefetch:
    return Prefetch(
        "postings",
        queryset=Posting.objects.filter(kind__in=[Posting.Kind.RECEIPT, Posting.Kind.INVOICE]).order_by(
            "occurred_at", "id"
        ),
    )


def _po_lines() -> Prefetch:
    return Prefetch(
        "po_lines",
        queryset=PurchaseOrderLine.objects.select_related("purchase_order").prefetch_related(_postings()),
    )


def work_order_parts_requests(work_order: WorkOrder) -> list[PartsRequest]:
    """The WO's requests, each line with its figures, PO links and receipt/invoice trail."""
    lines = request_lines_with_figures(
        PartsRequestLine.objects.select_related("part", "suggested_vendor")
    ).prefetch_related(_po_lines())
    return list(
        PartsRequest.objects.filter(work_order=work_order)
        .select_related("requested_by", "approved_by")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("created_at", "id")
    )


def contractor_hours_by_po_line(work_order: WorkOrder) -> dict[tuple[str, int | None], Decimal]:
    """Contractor hours on the WO booked against a PO line (hours whose money comes by invoice)."""
    rows = (
        ContractorEntry.objects.filter(work_order=work_order)
        .exclude(po_number="")
        .values("po_number", "po_line")
        .annotate(hours=Sum("hours"))
    )
    return {(row["po_number"], row["po_line"]): row["hours"] for row in rows}


def get_parts_request(user: User, request_id: int) -> PartsRequest:
    lines = request_lines_with_figures(
        PartsRequestLine.objects.select_related("part", "suggested_vendor")
    ).prefetch_related(_po_lines())
    request = (
        restrict_to_sites(PartsRequest.objects.all(), user)
        .select_related("work_order", "site", "requested_by", "approved_by")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound(f"Parts request {request_id} does not exist.")
    return request


def get_request_line(user: User, line_id: int) -> PartsRequestLine:
    line = (
        restrict_to_sites(PartsRequestLine.objects.all(), user, field="request__site")
        .select_related("request", "request__site")
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        raise NotFound(f"Request line {line_id} does not exist.")
    return line


def list_parts_requests(
    user: User, *, site_id: int | None = None, status: str | None = None, work_order_id: int | None = None
) -> QuerySet[PartsRequest]:
    requests = restrict_to_sites(PartsRequest.objects.all(), user).select_related("work_order", "site", "requested_by")
    if site_id is not None:
        requests = requests.filter(site_id=site_id)
    if status:
        requests = requests.filter(status=status)
    if work_order_id is not None:
        requests = requests.filter(work_order_id=work_order_id)
    return requests.order_by("-created_at", "-id")


def _po_line_details() -> Prefetch:
    return Prefetch(
        "lines",
        queryset=PurchaseOrderLine.objects.select_related(
            "request_line__request__work_order", "request_line__part"
        ).prefetch_related(_postings()),
    )


def list_purchase_orders(
    user: User, *, site_id: int | None = None, work_order_id: int | None = None, status: str | None = None
) -> QuerySet[PurchaseOrder]:
    orders = restrict_to_sites(PurchaseOrder.objects.all(), user).select_related("site", "vendor")
    if site_id is not None:
        orders = orders.filter(site_id=site_id)
    if work_order_id is not None:
        orders = orders.filter(lines__request_line__request__work_order_id=work_order_id).distinct()
    if status:
        orders = orders.filter(status=status)
    return orders.prefetch_related(_po_line_details()).order_by("-created_at", "-id")


def get_purchase_order(user: User, po_number: str, *, site_id: int | None = None) -> PurchaseOrder:
    orders = list_purchase_orders(user, site_id=site_id).filter(po_number=po_number)
    found = list(orders[:2])
    if not found:
        raise NotFound(f"PO {po_number} does not exist.")
    if len(found) > 1:
        raise Conflict(
            f"Several sites have a PO {po_number}; say which with ?site=.",
            code="ambiguous_po_number",
            details={"sites": [po.site_id for po in found]},
        )
    return found[0]


def list_erp_events(user: User, *, site_id: int | None = None, status: str | None = None) -> QuerySet[ErpEvent]:
    events = restrict_to_sites(ErpEvent.objects.all(), user, Perm.MANAGE_INTEGRATIONS).select_related("site")
    if site_id is not None:
        events = events.filter(site_id=site_id)
    if status:
        events = events.filter(status=status)
    return events.order_by("-received_at", "-id")


WAITING = [PartsRequest.Status.PENDING_APPROVAL, PartsRequest.Status.SUBMITTED, PartsRequest.Status.ORDERED]


def waiting_for_parts(user: User, *, limit: int = 15) -> QuerySet[PartsRequest]:
    """Parts requests of open WOs still waiting (for approval, purchasing or delivery), the oldest
    first, at the sites where the user plans work."""
    from plantwright.maintenance.models import OPEN_STATUSES

    return (
        restrict_to_sites(PartsRequest.objects.all(), user, Perm.MANAGE_WORK_ORDERS)
        .filter(status__in=WAITING, work_order__status__in=OPEN_STATUSES)
        .select_related("work_order", "work_order__asset")
        .order_by("created_at", "id")[:limit]
    )
