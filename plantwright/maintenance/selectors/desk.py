"""What each desk's home page lists: a technician's work, an operator's requests, a planner's queue."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import restrict_to_sites, site_ids_with
from plantwright.maintenance.models import Priority, WorkOrder, WorkOrderStatus, WorkRequest

# Work a technician can pick up: approved or further, not yet done (a draft is the planner's).
WORKABLE = [WorkOrderStatus.APPROVED, WorkOrderStatus.SCHEDULED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.ON_HOLD]
PRIORITY_RANK = Case(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    When(priority=Priority.MEDIUM, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def my_work(user: User, *, limit: int = 30) -> list[WorkOrder]:
    """Open work assigned to the user, and unassigned work at the sites where they work: overdue
    first, then by priority and due date, with the asset and where it stands."""
    sites = site_ids_with(user, Perm.EXECUTE_WORK)
    mine = Q(assigned_to=user)
    unassigned = Q(assigned_to__isnull=True) if sites is None else Q(assigned_to__isnull=True, site_id__in=sites)
    today = timezone.localdate()
    work_orders = (
        restrict_to_sites(WorkOrder.objects.all(), user)
        .filter(mine | unassigned, status__in=WORKABLE)
        .select_related("asset", "asset__location")
        .annotate(
            overdue=Case(When(due_date__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()),
            rank=PRIORITY_RANK,
        )
        .order_by("overdue", "rank", "due_date", "number")
        .distinct()
    )
    found = list(work_orders[:limit])
    assigned = set(
        WorkOrder.assigned_to.through.objects.filter(workorder__in=found, user=user).values_list("workorder", flat=True)
    )
    for work_order in found:
        work_order.is_mine = work_order.pk in assigned
        work_order.is_overdue = work_order.overdue == 0
    return found


def my_requests(user: User, *, limit: int = 20) -> QuerySet[WorkRequest]:
    """The operator's requests, newest first, with what became of them (the WO and its status)."""
    return (
        WorkRequest.objects.filter(requested_by=user)
        .select_related("asset", "work_order", "triaged_by")
        .order_by("-created_at", "-id")[:limit]
    )


def triage_queue(user: User, *, limit: int = 15) -> QuerySet[WorkRequest]:
    """New requests at the sites where the user triages, oldest first (they have waited longest)."""
    return (
        restrict_to_sites(WorkRequest.objects.all(), user, Perm.TRIAGE_REQUEST)
        .filter(status=WorkRequest.Status.NEW)
        .select_related("asset", "requested_by")
        .order_by("created_at", "id")[:limit]
    )


def overdue_work(user: User, *, limit: int = 15) -> QuerySet[WorkOrder]:
    return (
        restrict_to_sites(WorkOrder.objects.all(), user, Perm.MANAGE_WORK_ORDERS)
        .filter(status__in=[*WORKABLE, WorkOrderStatus.DRAFT], due_date__lt=timezone.localdate())
        .select_related("asset")
        .order_by("due_date", "number")[:limit]
    )
