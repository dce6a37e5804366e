from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from plantwright.core.errors import NotFound
from plantwright.core.http.paging import BoundedPagination, KeysFirstPagination
from plantwright.core.http.schemas import errors, upload
from plantwright.core.http.types import PathId, Timestamp
from plantwright.maintenance import selectors, services
from plantwright.maintenance.attachment_files import attachment_response
from plantwright.maintenance.schemas import (
    ApproveIn,
    AttachmentOut,
    FailureCodeIn,
    FailureCodeOut,
    FailureCodePatch,
    FailureKind,
    MarkDuplicateIn,
    RejectIn,
    RequestStatusName,
    StatusName,
    TransitionIn,
    TransitionOut,
    TypeName,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPatch,
    WorkRequestIn,
    WorkRequestOut,
)

router = Router()


# --- work requests ---


class WorkRequestFilters(Schema):
    status: RequestStatusName | None = None
    site: PathId | None = None
    asset: PathId | None = None


@router.get("/work-requests", response={200: list[WorkRequestOut], **errors(422)}, tags=["work requests"])
@paginate(BoundedPagination)
def list_work_requests(request: HttpRequest, filters: Query[WorkRequestFilters]):
    return selectors.list_work_requests(
        request.user, status=filters.status, site_id=filters.site, asset_id=filters.asset
    )


@router.post("/work-requests", response={201: WorkRequestOut, **errors(403, 422)}, tags=["work requests"])
def raise_work_request(request: HttpRequest, payload: WorkRequestIn):
    work_request = services.raise_work_request(
        request.user,
        asset_id=payload.asset,
        title=payload.title,
        description=payload.description,
        priority=payload.priority,
    )
    return Status(201, work_request)


@router.get("/work-requests/{request_id}", response={200: WorkRequestOut, **errors(404)}, tags=["work requests"])
def get_work_request(request: HttpRequest, request_id: PathId):
    return selectors.get_work_request(request.user, request_id)


@router.post(
    "/work-requests/{request_id}/approve",
    response={201: WorkOrderOut, **errors(403, 404, 409, 422)},
    tags=["work requests"],
    summary="Approve a request: it becomes an approved WO, linked back to the request",
)
def approve_work_request(request: HttpRequest, request_id: PathId, payload: ApproveIn):
    work_request = selectors.get_work_request(request.user, request_id)
    work_order = services.approve_work_request(request.user, work_request, **payload.dict())
    return Status(201, selectors.get_work_order(request.user, work_order.pk))


@router.post(
    "/work-requests/{request_id}/reject",
    response={200: WorkRequestOut, **errors(403, 404, 409, 422)},
    tags=["work requests"],
)
def reject_work_request(request: HttpRequest, request_id: PathId, payload: RejectIn):
    work_request = selectors.get_work_request(request.user, request_id)
    services.reject_work_request(request.user, work_request, reason=payload.reason)
    return selectors.get_work_request(request.user, request_id)


@router.post(
    "/work-requests/{request_id}/mark-duplicate",
    response={200: WorkRequestOut, **errors(403, 404, 409, 422)},
    tags=["work requests"],
)
def mark_duplicate(request: HttpRequest, request_id: PathId, payload: MarkDuplicateIn):
    work_request = selectors.get_work_request(request.user, request_id)
    services.mark_work_request_duplicate(request.user, work_request, work_order_id=payload.work_order)
    return selectors.get_work_request(request.user, request_id)


# --- work orders ---


class WorkOrderFilters(Schema):
    status: StatusName | None = None
    asset: PathId | None = None
    type: TypeName | None = None
    site: PathId | None = None
    updated_since: Timestamp | None = None


@router.get("/work-orders", response={200: list[WorkOrderOut], **errors(422)}, tags=["work orders"])
@paginate(KeysFirstPagination)
def list_work_orders(request: HttpRequest, filters: Query[WorkOrderFilters]):
    return selectors.list_work_orders(
        request.user,
        status=filters.status,
        asset_id=filters.asset,
        type=filters.type,
        site_id=filters.site,
        updated_since=filters.updated_since,
    )


@router.post("/work-orders", response={201: WorkOrderOut, **errors(403, 422)}, tags=["work orders"])
def create_work_order(request: HttpRequest, payload: WorkOrderIn):
    fields = payload.dict()
    asset_id = fields.pop("asset")
    work_order = services.create_work_order(request.user, asset_id=asset_id, **fields)
    return Status(201, selectors.get_work_order(request.user, work_order.pk))


@router.get("/work-orders/{work_order_id}", response={200: WorkOrderOut, **errors(404)}, tags=["work orders"])
def get_work_order(request: HttpRequest, work_order_id: PathId):
    return selectors.get_work_order(request.user, work_order_id)


@router.patch(
    "/work-orders/{work_order_id}", response={200: WorkOrderOut, **errors(403, 404, 409, 422)}, tags=["work orders"]
)
def update_work_order(request: HttpRequest, work_order_id: PathId, payload: WorkOrderPatch):
    work_order = selectors.get_work_order(request.user, work_order_id)
    services.update_work_order(request.user, work_order, payload.dict(exclude_unset=True))
    return selectors.get_work_order(request.user, work_order_id)


@router.post(
    "/work-orders/{work_order_id}/transition",
    response={200: WorkOrderOut, **errors(403, 404, 409, 422)},
    tags=["work orders"],
    summary="Move a WO through its lifecycle (illegal moves answer 409)",
)
def transition_work_order(request: HttpRequest, work_order_id: PathId, payload: TransitionIn):
    work_order = selectors.get_work_order(request.user, work_order_id)
    services.transition_work_order(
        request.user, work_order, to=payload.to, note=payload.note, completed_at=payload.completed_at
    )
    return selectors.get_work_order(request.user, work_order_id)


@router.get(
    "/work-orders/{work_order_id}/transitions",
    response={200: list[TransitionOut], **errors(404)},
    tags=["work orders"],
)
def list_transitions(request: HttpRequest, work_order_id: PathId):
    return selectors.list_transitions(selectors.get_work_order(request.user, work_order_id))


@router.get("/failure-codes", response={200: list[FailureCodeOut], **errors(422)}, tags=["failure codes"])
def list_failure_codes(request: HttpRequest, kind: FailureKind | None = None, include_retired: bool = False):
    """The problem, cause and remedy codes every site shares (retired ones only when asked)."""
    return selectors.list_failure_codes(kind, active_only=not include_retired)


@router.post("/failure-codes", response={201: FailureCodeOut, **errors(403, 409, 422)}, tags=["failure codes"])
def create_failure_code(request: HttpRequest, payload: FailureCodeIn):
    """A new code (maintenance managers and site admins). Codes are unique per kind, in any case."""
    return Status(201, services.create_failure_code(request.user, **payload.dict()))


@router.patch("/failure-codes/{code_id}", response={200: FailureCodeOut, **errors(403, 404, 422)},
              tags=["failure codes"])  # fmt: skip
def change_failure_code(request: HttpRequest, code_id: PathId, payload: FailureCodePatch):
    """Its words, or `active: false` to retire it (WOs that carry it keep it)."""
    failure_code = selectors.list_failure_codes(active_only=False).filter(pk=code_id).first()
    if failure_code is None:
        raise NotFound(f"Failure code {code_id} does not exist.")
    return services.change_failure_code(request.user, failure_code, **payload.dict(exclude_unset=True))


UPLOAD = upload("multipart/form-data with `file`: a photo (JPEG, PNG, WebP, GIF) or a PDF")


@router.post(
    "/work-requests/{request_id}/attachments",
    response={201: AttachmentOut, **errors(403, 404, 422)},
    tags=["attachments"],
    openapi_extra=UPLOAD,
)
def attach_to_request(request: HttpRequest, request_id: PathId, file: File[UploadedFile]):
    """A photo is stored re-encoded, upright, without EXIF, at most 1,600 px; too large → 422
    `file_too_large`, not a photo or PDF → 422 `unsupported_file_type`."""
    work_request = selectors.get_work_request(request.user, request_id)
    attachment = services.attach(request.user, file, source=f"api:{request.user.username}", work_request=work_request)
    return Status(201, attachment)


@router.post(
    "/work-orders/{work_order_id}/attachments",
    response={201: AttachmentOut, **errors(403, 404, 422)},
    tags=["attachments"],
    openapi_extra=UPLOAD,
)
def attach_to_work_order(request: HttpRequest, work_order_id: PathId, file: File[UploadedFile]):
    work_order = selectors.get_work_order(request.user, work_order_id)
    attachment = services.attach(request.user, file, source=f"api:{request.user.username}", work_order=work_order)
    return Status(201, attachment)


@router.get(
    "/work-orders/{work_order_id}/attachments",
    response={200: list[AttachmentOut], **errors(404)},
    tags=["attachments"],
)
def list_work_order_attachments(request: HttpRequest, work_order_id: PathId):
    """The WO's own files and those of the request it was approved from."""
    return selectors.get_work_order(request.user, work_order_id).attachments.all()


@router.get(
    "/work-requests/{request_id}/attachments", response={200: list[AttachmentOut], **errors(404)}, tags=["attachments"]
)
def list_request_attachments(request: HttpRequest, request_id: PathId):
    return selectors.get_work_request(request.user, request_id).attachments.all()


@router.get("/attachments/{attachment_id}", response={200: None, **errors(404)}, tags=["attachments"])
def get_attachment_file(request: HttpRequest, attachment_id: PathId):
    """The file itself (its content type; photos inline, documents as downloads)."""
    attachment = selectors.get_attachment(request.user, attachment_id)
    return attachment_response(attachment)
