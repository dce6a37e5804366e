"""Work requests: raised by operators (signed in or through the QR portal) and triaged by planners:
approved into a WO, rejected with a reason the requester sees, or marked a duplicate of an open WO."""

from datetime import date, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.assets.models import Asset
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.maintenance import events
from plantwright.maintenance.models import (
    OPEN_STATUSES,
    Priority,
    WorkOrder,
    WorkOrderOrigin,
    WorkOrderStatus,
    WorkOrderType,
    WorkRequest,
)
from plantwright.maintenance.services.attachments import carry_to_work_order
from plantwright.maintenance.services.work import _asset_for, _choice, _create_work_order, next_number
from plantwright.notifications.models import Kind
from plantwright.notifications.services import notify


@transaction.atomic
def raise_work_request(
    actor: User,
    *,
    asset_id: int,
    title: str,
    description: str = "",
    priority: str = Priority.MEDIUM,
    photos: list | tuple = (),
) -> WorkRequest:
    """A signed-in person's request, with the photos taken for it: all of it stored, or none (a
    photo refused refuses the request, so the operator sends it again with nothing lost)."""
    from plantwright.maintenance.services.attachments import attach

    asset = _asset_for(actor, asset_id)
    authorize(actor, Perm.RAISE_REQUEST, asset.site_id)
    request = _new_request(actor, asset, title=title, description=description, priority=priority)
    for photo in photos:
        attach(actor, photo, source=f"ui:{actor.username}", work_request=request)
    return request


PORTAL_USERNAME = "portal"


def portal_user() -> User:
    """The account portal requests are raised by (it cannot log in); the reporter's name is on the request."""
    user, created = User.objects.get_or_create(
        username=PORTAL_USERNAME, defaults={"first_name": "Request", "last_name": "portal", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def raise_portal_request(asset: Asset, *, title: str, description: str, reporter: str) -> WorkRequest:
    """A request from the shop-floor portal: no account; the portal checked network, robots and limits."""
    return _new_request(
        portal_user(), asset, title=title, description=description, origin=WorkRequest.Origin.PORTAL, reporter=reporter
    )


def _new_request(
    actor: User,
    asset: Asset,
    *,
    title: str,
    description: str,
    priority: str = Priority.MEDIUM,
    origin: str = WorkRequest.Origin.APP,
    reporter: str = "",
) -> WorkRequest:
    title = title.strip()
    if not title:
        raise ValidationFailed("A request needs a title.", details={"field": "title"})
    request = WorkRequest(
        number=next_number("WR"),
        site_id=asset.site_id,
        asset=asset,
        title=title,
        description=description.strip(),
        priority=_choice("priority", priority, Priority),
        requested_by=actor,
        origin=origin,
        reporter_name=fit(WorkRequest, "reporter_name", reporter.strip()),
    )
    request._history_user = actor
    request.save()
    return request


def _lock_new_request(actor: User, request: WorkRequest) -> WorkRequest:
    authorize(actor, Perm.TRIAGE_REQUEST, request.site_id)
    locked = WorkRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != WorkRequest.Status.NEW:
        raise Conflict(
            f"{locked.number} was already triaged ({locked.status}).",
            code="already_triaged",
            details={"status": locked.status, "work_order": locked.work_order_id},
        )
    return locked


def _close_triage(actor: User, request: WorkRequest, status: str) -> WorkRequest:
    request.status = status
    request.triaged_by = actor
    request.triaged_at = timezone.now()
    request._history_user = actor
    request.save()
    events.request_triaged(request)
    return request


@transaction.atomic
def approve_work_request(
    actor: User,
    request: WorkRequest,
    *,
    type: str = WorkOrderType.CORRECTIVE,
    priority: str | None = None,
    due_date: date | None = None,
    assigned_to: list[int] | None = None,
    is_failure: bool | None = None,
    down_since: datetime | None = None,
    note: str = "",
) -> WorkOrder:
    """Turn a new request into an approved WO on the same asset, linked both ways."""
    request = _lock_new_request(actor, request)
    work_order = _create_work_order(
        actor,
        origin=WorkOrderOrigin.REQUEST,
        asset=request.asset,
        type=type,
        priority=priority or request.priority,
        title=request.title,
        description=request.description,
        due_date=due_date,
        assigned_to=assigned_to or [],
        is_failure=is_failure,
        down_since=down_since,
        status=WorkOrderStatus.APPROVED,
        note=note or f"Approved from {request.number}",
    )
    request.work_order = work_order
    carry_to_work_order(request, work_order)
    _close_triage(actor, request, WorkRequest.Status.APPROVED)
    notify(
        [request.requested_by],
        Kind.REQUEST_TRIAGED,
        title=format_lazy(
            _("{actor} approved {request}: {work_order}"),
            actor=actor.display_name,
            request=request.number,
            work_order=work_order.number,
        ),
        body=request.title,
        link=reverse("work-order-detail", args=[work_order.pk]),
        key=f"request-triaged:{request.pk}",
    )
    return work_order


@transaction.atomic
def reject_work_request(actor: User, request: WorkRequest, *, reason: str) -> WorkRequest:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Say why the request is rejected; the requester will read it.", details={"field": "reason"}
        )
    request = _lock_new_request(actor, request)
    request.rejection_reason = reason
    request = _close_triage(actor, request, WorkRequest.Status.REJECTED)
    notify(
        [request.requested_by],
        Kind.REQUEST_TRIAGED,
        title=format_lazy(_("{actor} rejected {request}"), actor=actor.display_name, request=request.number),
        body=f"{request.title}\n{reason}",
        link=reverse("work-request-detail", args=[request.pk]),
        key=f"request-triaged:{request.pk}",
    )
    return request


@transaction.atomic
def mark_work_request_duplicate(actor: User, request: WorkRequest, *, work_order_id: int) -> WorkRequest:
    request = _lock_new_request(actor, request)
    work_order = WorkOrder.objects.filter(pk=work_order_id, site_id=request.site_id).first()
    if work_order is None:
        raise ValidationFailed(
            f"Work order {work_order_id} does not exist at this site.", details={"field": "work_order"}
        )
    if work_order.status not in OPEN_STATUSES:
        raise Conflict(
            f"{work_order.number} is {work_order.status}; a request can only duplicate an open WO.",
            code="work_order_not_open",
            details={"work_order": work_order.pk, "status": work_order.status},
        )
    request.work_order = work_order
    return _close_triage(actor, request, WorkRequest.Status.DUPLICATE)
