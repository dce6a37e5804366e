"""Parts requests and PO links over HTTP."""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import PathId
from plantwright.maintenance.selectors import get_work_order
from plantwright.procurement import selectors, services
from plantwright.procurement.models import PartsRequest
from plantwright.procurement.schemas import (
    PartsRequestIn,
    PartsRequestOut,
    PartsRequestSummaryOut,
    PurchaseOrderOut,
    ReasonIn,
)

router = Router(tags=["parts requests and POs"])


@router.post(
    "/work-orders/{work_order_id}/parts-requests", response={201: PartsRequestOut, **errors(403, 404, 409, 422)}
)
def create_parts_request(request: HttpRequest, work_order_id: PathId, payload: PartsRequestIn):
    work_order = get_work_order(request.user, work_order_id)
    data = payload.dict()
    parts_request = services.create_parts_request(
        request.user, work_order, lines=data["lines"], note=data["note"], need_arose_on=data["need_arose_on"]
    )
    if payload.submit:
        services.submit_parts_request(request.user, parts_request)
    return Status(201, selectors.get_parts_request(request.user, parts_request.pk))


@router.get("/parts-requests", response={200: list[PartsRequestSummaryOut], **errors(422)})
@paginate(BoundedPagination)
def list_parts_requests(
    request: HttpRequest, site: PathId | None = None, status: str | None = None, work_order: PathId | None = None
):
    return selectors.list_parts_requests(request.user, site_id=site, status=status, work_order_id=work_order)


@router.get("/parts-requests/{request_id}", response={200: PartsRequestOut, **errors(404)})
def get_parts_request(request: HttpRequest, request_id: PathId):
    return selectors.get_parts_request(request.user, request_id)


def _act(request: HttpRequest, request_id: PathId, action) -> PartsRequest:
    parts_request = selectors.get_parts_request(request.user, request_id)
    action(parts_request)
    return selectors.get_parts_request(request.user, request_id)


@router.post("/parts-requests/{request_id}/submit", response={200: PartsRequestOut, **errors(403, 404, 409)})
def submit_parts_request(request: HttpRequest, request_id: PathId):
    return _act(request, request_id, lambda pr: services.submit_parts_request(request.user, pr))


@router.post("/parts-requests/{request_id}/approve", response={200: PartsRequestOut, **errors(403, 404, 409)})
def approve_parts_request(request: HttpRequest, request_id: PathId):
    return _act(request, request_id, lambda pr: services.approve_parts_request(request.user, pr))


@router.post("/parts-requests/{request_id}/reject", response={200: PartsRequestOut, **errors(403, 404, 409, 422)})
def reject_parts_request(request: HttpRequest, request_id: PathId, payload: ReasonIn):
    return _act(request, request_id, lambda pr: services.reject_parts_request(request.user, pr, reason=payload.reason))


@router.post("/request-lines/{line_id}/cancel", response={200: PartsRequestOut, **errors(403, 404, 409)})
def cancel_request_line(request: HttpRequest, line_id: PathId):
    line = selectors.get_request_line(request.user, line_id)
    services.cancel_request_line(request.user, line)
    return selectors.get_parts_request(request.user, line.request_id)


@router.get("/purchase-orders", response={200: list[PurchaseOrderOut], **errors(422)})
@paginate(BoundedPagination)
def list_purchase_orders(
    request: HttpRequest, work_order: PathId | None = None, site: PathId | None = None, status: str | None = None
):
    return selectors.list_purchase_orders(request.user, work_order_id=work_order, site_id=site, status=status)


@router.get("/purchase-orders/{po_number}", response={200: PurchaseOrderOut, **errors(404, 409)})
def get_purchase_order(request: HttpRequest, po_number: str, site: PathId | None = None):
    return selectors.get_purchase_order(request.user, po_number, site_id=site)
