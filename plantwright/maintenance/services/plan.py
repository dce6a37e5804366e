"""A WO's tasks and inspection checklist: filled from a job plan, worked through on the floor."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.core.formatting import plain
from plantwright.maintenance.models import (
    OPEN_STATUSES,
    CheckKind,
    CheckResult,
    Priority,
    WorkOrder,
    WorkOrderCheck,
    WorkOrderOrigin,
    WorkOrderTask,
    WorkOrderType,
)
from plantwright.maintenance.services.work import open_work_order_by_rule


def add_plan(work_order: WorkOrder, *, tasks: list[dict[str, Any]], checks: list[dict[str, Any]]) -> None:
    """Copy planned tasks and checklist items onto a WO (inside the transaction that creates it)."""
    WorkOrderTask.objects.bulk_create(WorkOrderTask(work_order=work_order, **task) for task in tasks)
    WorkOrderCheck.objects.bulk_create(WorkOrderCheck(work_order=work_order, **check) for check in checks)


@transaction.atomic
def record_check(
    actor: User, check: WorkOrderCheck, *, result: str = "", value: Decimal | None = None, note: str = ""
) -> WorkOrderCheck:
    """Record one checklist item. A fail, or a value outside its limits, opens a corrective follow-up
    WO on the same asset with the finding copied in (once per item, however often it is recorded)."""
    check = WorkOrderCheck.objects.select_for_update().select_related("work_order__asset").get(pk=check.pk)
    work_order = check.work_order
    authorize(actor, Perm.EXECUTE_WORK, work_order.site_id)
    if work_order.status not in OPEN_STATUSES:
        raise Conflict(
            f"{work_order.number} is {work_order.status}; its checklist can no longer change.",
            code="work_order_not_open",
            details={"status": work_order.status},
        )
    note = note.strip()
    if check.kind == CheckKind.VALUE:
        if value is None:
            raise ValidationFailed(f"'{check.text}' needs the measured value.", details={"field": "value"})
        outside = (check.lower_limit is not None and value < check.lower_limit) or (
            check.upper_limit is not None and value > check.upper_limit
        )
        result = CheckResult.FAIL if outside else CheckResult.PASS
    elif result not in CheckResult.values:
        raise ValidationFailed("Pass or fail?", details={"field": "result", "allowed": CheckResult.values})
    check.result, check.value, check.note = result, value, fit(type(check), "note", note)
    check.recorded_by, check.recorded_at = actor, timezone.now()
    if result == CheckResult.FAIL and check.follow_up_id is None:
        check.follow_up = _follow_up(actor, check)
    check.save()
    return check


def _follow_up(actor: User, check: WorkOrderCheck) -> WorkOrder:
    inspection = check.work_order
    measured = f"measured {plain(check.value)} {check.unit}, limits {check.limits}. " if check.value is not None else ""
    finding = f"Found on {inspection.number}, item '{check.text}': {measured}{check.note}".strip()
    return open_work_order_by_rule(
        actor,
        asset=inspection.asset,
        type=WorkOrderType.CORRECTIVE,
        title=f"Follow-up: {check.text}",
        description=finding,
        priority=Priority.HIGH if inspection.priority in (Priority.HIGH, Priority.URGENT) else Priority.MEDIUM,
        origin=WorkOrderOrigin.INSPECTION,
        note=f"Opened by a failed item of {inspection.number}",
    )


@transaction.atomic
def set_task_done(actor: User, task: WorkOrderTask, *, done: bool) -> WorkOrderTask:
    task = WorkOrderTask.objects.select_for_update().select_related("work_order").get(pk=task.pk)  # status as now
    authorize(actor, Perm.EXECUTE_WORK, task.work_order.site_id)
    if task.work_order.status not in OPEN_STATUSES:
        raise Conflict(f"{task.work_order.number} is {task.work_order.status}.", code="work_order_not_open")
    task.done = done
    task.save(update_fields=["done"])
    return task
