"""A WO's job plan on its page: inspection checks and tasks, answered in place (htmx)."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.core.errors import DomainError, ValidationFailed
from plantwright.maintenance import selectors, services
from plantwright.maintenance.models import (
    WorkOrder,
    WorkOrderCheck,
    WorkOrderTask,
)


def _plan_context(request: HttpRequest, work_order: WorkOrder, check_error: str = "") -> dict:
    tasks = list(work_order.tasks.select_related("craft"))
    return {
        "work_order": work_order,
        "tasks": tasks,
        "planned_hours": sum((t.estimated_hours for t in tasks), Decimal(0)),
        "checks": list(work_order.checks.select_related("follow_up")),
        "can_record": work_order.is_open and has_perm(request.user, Perm.EXECUTE_WORK, work_order.site_id),
        "check_error": check_error,
    }


def _plan_answer(request: HttpRequest, work_order: WorkOrder, error: DomainError | None = None) -> HttpResponse:
    """The plan section again (htmx), or back to the WO page."""
    if request.htmx:
        context = _plan_context(request, work_order, error.message if error else "")
        return render(
            request, "maintenance/partials/work_order_plan.html", context, status=error.status if error else 200
        )
    if error:
        messages.error(request, error.message)
    return redirect("work-order-detail", work_order.pk)


@login_required
@require_POST
def work_order_check(request: HttpRequest, work_order_id: int, check_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    check = get_object_or_404(WorkOrderCheck, pk=check_id, work_order=work_order)
    try:
        raw = request.POST.get("value", "").strip().replace(",", ".")
        value = None
        if raw:
            try:
                value = Decimal(raw)
            except InvalidOperation:
                raise ValidationFailed(f"{raw!r} is not a number.", details={"field": "value"}) from None
            if not value.is_finite():
                raise ValidationFailed(f"{raw!r} is not a number.", details={"field": "value"})
        services.record_check(
            request.user, check, result=request.POST.get("result", ""), value=value, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        return _plan_answer(request, work_order, exc)
    return _plan_answer(request, work_order)


@login_required
@require_POST
def work_order_task(request: HttpRequest, work_order_id: int, task_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    task = get_object_or_404(WorkOrderTask, pk=task_id, work_order=work_order)
    try:
        services.set_task_done(request.user, task, done=request.POST.get("done") == "1")
    except DomainError as exc:
        return _plan_answer(request, work_order, exc)
    return _plan_answer(request, work_order)
