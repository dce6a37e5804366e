"""Reads of work requests and work orders, shared by pages and API."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import restrict_to_sites, site_ids_with
from plantwright.core.errors import NotFound
from plantwright.maintenance.models import (
    OPEN_STATUSES,
    Attachment,
    FailureCode,
    WorkOrder,
    WorkOrderTransition,
    WorkRequest,
)


def list_work_requests(
    user: User,
    *,
    status: str | None = None,
    site_id: int | None = None,
    asset_id: int | None = None,
    requested_by: User | None = None,
) -> QuerySet[WorkRequest]:
    requests = restrict_to_sites(
        WorkRequest.objects.select_related("site", "asset", "requested_by", "triaged_by", "work_order"), user
    )
    if status:
        requests = requests.filter(status=status)
    if site_id is not None:
        requests = requests.filter(site_id=site_id)
    if asset_id is not None:
        requests = requests.filter(asset_id=asset_id)
    if requested_by is not None:
        requests = requests.filter(requested_by=requested_by)
    return requests.order_by("-created_at", "-id")


def get_work_request(user: User, request_id: int) -> WorkRequest:
    request = list_work_requests(user).filter(pk=request_id).first()
    if request is None:
        raise NotFound(f"Work request {request_id} does not exist.")
    return request


def list_work_orders(
    user: User,
    *,
    status: str | list[str] | None = None,
    asset_id: int | None = None,
    type: str | None = None,
    site_id: int | None = None,
    updated_since: datetime | None = None,
    assigned_to: User | None = None,
    q: str | None = None,
    open_only: bool = False,
    overdue: bool = False,
) -> QuerySet[WorkOrder]:
    work_orders = restrict_to_sites(
        WorkOrder.objects.select_related(
            "site", "asset", "created_by", "problem_code", "cause_code", "remedy_code"
        ).prefetch_related("assigned_to"),
        user,
    )
    if isinstance(status, str) and status:
        work_orders = work_orders.filter(status=status)
    elif status:
        work_orders = work_orders.filter(status__in=status)
    if open_only or overdue:
        work_orders = work_orders.filter(status__in=OPEN_STATUSES)
    if overdue:
        work_orders = work_orders.filter(due_date__lt=timezone.localdate())
    if asset_id is not None:
        work_orders = work_orders.filter(asset_id=asset_id)
    if type:
        work_orders = work_orders.filter(type=type)
    if site_id is not None:
        work_orders = work_orders.filter(site_id=site_id)
    if updated_since is not None:
        work_orders = work_orders.filter(updated_at__gte=updated_since)
    if assigned_to is not None:
        work_orders = work_orders.filter(assigned_to=assigned_to)
    if q:
        q = q.strip()
        work_orders = work_orders.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(asset__code__icontains=q))
    if not (open_only or overdue or asset_id or type or updated_since or assigned_to or q):
        # Only sites and statuses: counted and paged deep from the WO counts.
        statuses = [status] if isinstance(status, str) and status else status or None
        allowed = site_ids_with(user, Perm.VIEW)
        sites = [site_id] if site_id is not None else allowed
        if site_id is not None and allowed is not None and site_id not in allowed:
            sites = []
        work_orders = work_orders.counted_as(sites, statuses)
    return work_orders.order_by("-created_at", "-id")


def get_work_order(user: User, work_order_id: int) -> WorkOrder:
    work_order = list_work_orders(user).filter(pk=work_order_id).first()
    if work_order is None:
        raise NotFound(f"Work order {work_order_id} does not exist.")
    return work_order


def list_transitions(work_order: WorkOrder) -> QuerySet[WorkOrderTransition]:
    return work_order.transitions.select_related("actor").order_by("at", "id")


def list_failure_codes(kind: str | None = None, *, active_only: bool = True) -> QuerySet[FailureCode]:
    codes = FailureCode.objects.all()
    if active_only:
        codes = codes.filter(active=True)
    if kind:
        codes = codes.filter(kind=kind)
    return codes.order_by("kind", "code")


def open_work_orders_for_duplicate(user: User, site_id: int) -> QuerySet[WorkOrder]:
    return (
        restrict_to_sites(WorkOrder.objects.select_related("asset"), user)
        .filter(site_id=site_id, status__in=OPEN_STATUSES)
        .order_by("-created_at")
    )


def dashboard_counts(user: User) -> dict[str, int]:
    """The home page tiles, in two queries."""
    open_filter = Q(status__in=OPEN_STATUSES)
    counts = restrict_to_sites(WorkOrder.objects.all(), user).aggregate(
        open=Count("pk", filter=open_filter, distinct=True),
        overdue=Count("pk", filter=open_filter & Q(due_date__lt=timezone.localdate()), distinct=True),
        mine=Count("pk", filter=open_filter & Q(assigned_to=user), distinct=True),
    )
    counts["new_requests"] = (
        restrict_to_sites(WorkRequest.objects.all(), user, Perm.TRIAGE_REQUEST)
        .filter(status=WorkRequest.Status.NEW)
        .count()
    )
    return counts


def get_attachment(user: User, attachment_id: int) -> Attachment:
    attachment = restrict_to_sites(Attachment.objects.all(), user).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(f"Attachment {attachment_id} does not exist.", details={"attachment": attachment_id})
    return attachment
