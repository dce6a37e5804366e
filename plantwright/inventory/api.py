"""Parts, storerooms and stock over HTTP; issues to and returns from work orders."""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from plantwright.accounts.selectors import list_sites
from plantwright.core.errors import ValidationFailed
from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import PathId
from plantwright.inventory import catalogue, selectors, services
from plantwright.inventory.schemas import (
    AdjustmentIn,
    IssueIn,
    IssueOut,
    LimitsIn,
    MovementOut,
    PartIn,
    PartOut,
    ReceiptIn,
    ReorderOut,
    ReturnIn,
    StockLevelOut,
    StoreroomIn,
    StoreroomOut,
    TransferIn,
)
from plantwright.maintenance.selectors import get_work_order

router = Router(tags=["parts and stock"])


@router.get("/parts", response={200: list[PartOut], **errors(422)})
@paginate(BoundedPagination)
def list_parts(request: HttpRequest, q: str | None = None):
    return selectors.list_parts(q).prefetch_related("preferred_vendors")


@router.post("/parts", response={201: PartOut, **errors(403, 409, 422)})
def create_part(request: HttpRequest, payload: PartIn):
    return Status(201, catalogue.create_part(request.user, **payload.dict()))


@router.get("/parts/{part_id}", response={200: PartOut, **errors(404)})
def get_part(request: HttpRequest, part_id: PathId):
    return selectors.get_part(part_id)


@router.get("/storerooms", response={200: list[StoreroomOut], **errors(422)})
@paginate(BoundedPagination)
def list_storerooms(request: HttpRequest, site: PathId | None = None):
    return selectors.list_storerooms(request.user, site_id=site)


@router.post("/storerooms", response={201: StoreroomOut, **errors(403, 409, 422)})
def create_storeroom(request: HttpRequest, payload: StoreroomIn):
    site = list_sites(request.user).filter(pk=payload.site).first()
    if site is None:
        raise ValidationFailed(f"Site {payload.site} does not exist.", details={"field": "site"})
    return Status(201, catalogue.create_storeroom(request.user, site=site, code=payload.code, name=payload.name))


@router.get("/stock", response={200: list[StockLevelOut], **errors(422)})
@paginate(BoundedPagination)
def list_stock(
    request: HttpRequest, part: PathId | None = None, storeroom: PathId | None = None, site: PathId | None = None
):
    return selectors.list_stock(request.user, part_id=part, storeroom_id=storeroom, site_id=site)


@router.get("/stock/reorder", response={200: list[ReorderOut], **errors(422)})
@paginate(BoundedPagination)
def reorder(request: HttpRequest, site: PathId | None = None):
    return selectors.reorder_list(request.user, site_id=site)


@router.post("/stock/receipts", response={201: MovementOut, **errors(403, 409, 422)})
def receive(request: HttpRequest, payload: ReceiptIn):
    movement = services.receive_stock(
        request.user,
        part_id=payload.part,
        storeroom_id=payload.storeroom,
        quantity=payload.quantity,
        unit_cost=payload.unit_cost,
        reference=payload.reference,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, movement)


@router.post("/stock/adjustments", response={201: MovementOut, **errors(403, 409, 422)})
def adjust(request: HttpRequest, payload: AdjustmentIn):
    movement = services.adjust_stock(
        request.user,
        part_id=payload.part,
        storeroom_id=payload.storeroom,
        quantity_delta=payload.quantity_delta,
        reason=payload.reason,
    )
    return Status(201, movement)


@router.post("/stock/transfers", response={201: list[MovementOut], **errors(403, 409, 422)})
def transfer(request: HttpRequest, payload: TransferIn):
    moved = services.transfer_stock(
        request.user,
        part_id=payload.part,
        from_storeroom_id=payload.from_storeroom,
        to_storeroom_id=payload.to_storeroom,
        quantity=payload.quantity,
        reference=payload.reference,
    )
    return Status(201, list(moved))


@router.post("/stock/limits", response={200: StockLevelOut, **errors(403, 422)})
def set_limits(request: HttpRequest, payload: LimitsIn):
    return catalogue.set_stock_limits(
        request.user,
        part_id=payload.part,
        storeroom_id=payload.storeroom,
        min_quantity=payload.min_quantity,
        max_quantity=payload.max_quantity,
        bin=payload.bin,
    )


@router.get("/work-orders/{work_order_id}/issues", response={200: list[IssueOut], **errors(404)})
def list_issues(request: HttpRequest, work_order_id: PathId):
    return selectors.work_order_issues(get_work_order(request.user, work_order_id))


@router.post("/work-orders/{work_order_id}/issues", response={201: MovementOut, **errors(403, 404, 409, 422)})
def issue(request: HttpRequest, work_order_id: PathId, payload: IssueIn):
    movement = services.issue_part(
        request.user,
        get_work_order(request.user, work_order_id),
        part_id=payload.part,
        storeroom_id=payload.storeroom,
        quantity=payload.quantity,
        idempotency_key=payload.idempotency_key,
        used_on=payload.used_on,
    )
    return Status(201, movement)


@router.post("/work-orders/{work_order_id}/returns", response={201: MovementOut, **errors(403, 404, 409, 422)})
def return_parts(request: HttpRequest, work_order_id: PathId, payload: ReturnIn):
    movement = services.return_part(
        request.user,
        get_work_order(request.user, work_order_id),
        issue_id=payload.issue,
        quantity=payload.quantity,
        idempotency_key=payload.idempotency_key,
        returned_on=payload.returned_on,
    )
    return Status(201, movement)
