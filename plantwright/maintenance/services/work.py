"""Every write to work orders: create (by a person or a rule), edit, move through the lifecycle."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm
from plantwright.assets.models import Asset
from plantwright.assets.selectors import list_assets
from plantwright.core.db.bounded import fit
from plantwright.core.db.bulk import update_fields
from plantwright.core.errors import Conflict, InvalidTransition, ValidationFailed
from plantwright.maintenance import events
from plantwright.maintenance.lifecycle import NOTE_REQUIRED, READ_ONLY_STATUSES, allowed_targets
from plantwright.maintenance.models import (
    FAILURE_BY_DEFAULT_TYPES,
    FailureCode,
    FailureCodeKind,
    NumberSequence,
    Priority,
    WorkOrder,
    WorkOrderOrigin,
    WorkOrderStatus,
    WorkOrderTransition,
    WorkOrderType,
)
from plantwright.notifications.models import Kind
from plantwright.notifications.services import notify
from plantwright.outbox.services import enqueue

# Clocks on the shop floor drift; a timestamp a little in the future is a clock, more is a typo.
FUTURE_TOLERANCE = timedelta(minutes=5)
# The status of a downtime-opened WO, for the OEE side (delivered by the downtime app's handler).
WORK_ORDER_STATUS_TOPIC = "work_order.status"


def next_number(sequence: str) -> str:
    """The next human number of a sequence (WO-000123). Call inside the creating transaction."""
    counter = NumberSequence.objects.select_for_update().filter(name=sequence).first()
    if counter is None:
        NumberSequence.objects.get_or_create(name=sequence)
        counter = NumberSequence.objects.select_for_update().get(name=sequence)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"{sequence}-{counter.last_value:06d}"


def _asset_for(actor: User, asset_id: int) -> Asset:
    # A body reference to an asset the caller cannot see reads as "does not exist" (no leak).
    asset = list_assets(actor).filter(pk=asset_id).first()
    if asset is None:
        raise ValidationFailed(f"Asset {asset_id} does not exist.", details={"field": "asset", "asset": asset_id})
    return asset


def _check_not_future(field: str, value: datetime | None) -> None:
    if value is not None and value > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationFailed(f"{field} is in the future.", details={"field": field})


def _choice(field: str, value: str, choices) -> str:
    if value not in choices.values:
        raise ValidationFailed(f"Unknown {field} {value!r}.", details={"field": field, "allowed": choices.values})
    return value


def _failure_code(kind: str, code: str | None) -> FailureCode | None:
    if code is None:
        return None
    found = FailureCode.objects.filter(kind=kind, code=code, active=True).first()
    if found is None:
        raise ValidationFailed(f"Unknown {kind} code {code!r}.", details={"field": f"failure.{kind}", "code": code})
    return found


def _assignees(site_id: int, user_ids: list[int]) -> list[User]:
    users = list(User.objects.filter(pk__in=set(user_ids), is_active=True))
    unfit = sorted(set(user_ids) - {u.pk for u in users if has_perm(u, Perm.EXECUTE_WORK, site_id)})
    if unfit:
        raise ValidationFailed(
            "Only technicians (or planners) of this site can be assigned.",
            details={"field": "assigned_to", "users": unfit},
        )
    return users


def _check_times(work_order: WorkOrder) -> None:
    _check_not_future("down_since", work_order.down_since)
    _check_not_future("restored_at", work_order.restored_at)
    _check_not_future("completed_at", work_order.completed_at)
    if work_order.down_since and work_order.restored_at and work_order.restored_at < work_order.down_since:
        raise ValidationFailed("restored_at is before down_since.", details={"field": "restored_at"})


def _estimate(value: Decimal | None) -> Decimal | None:
    if value is not None and (value < 0 or value >= Decimal("1e10")):
        raise ValidationFailed("The estimate is between 0 and 10 000 000 000.", details={"field": "estimated_cost"})
    return value.quantize(Decimal("0.0001")) if value is not None else None


def _record_transition(work_order: WorkOrder, actor: User, from_status: str, to_status: str, note: str) -> None:
    transition = WorkOrderTransition.objects.create(
        work_order=work_order, from_status=from_status, to_status=to_status, actor=actor, at=timezone.now(), note=note
    )
    if work_order.origin == WorkOrderOrigin.DOWNTIME:
        # The OEE side tags its loss with the WO and closes its loop: told through the outbox,
        # committed with the change (the downtime app delivers it), each move in its order.
        enqueue(
            WORK_ORDER_STATUS_TOPIC,
            {"work_order": work_order.pk, "transition": transition.pk, "status": to_status},
            idempotency_key=f"work_order:{work_order.pk}:status:{transition.pk}",
            site=work_order.site,
            ordering_key=f"wo-status:{work_order.pk}",
        )
    events.work_order_moved(work_order, transition)


def _create_work_order(
    actor: User,
    *,
    asset: Asset,
    type: str,
    title: str,
    priority: str = Priority.MEDIUM,
    description: str = "",
    is_failure: bool | None = None,
    failure: dict[str, str | None] | None = None,
    down_since: datetime | None = None,
    restored_at: datetime | None = None,
    due_date: date | None = None,
    assigned_to: list[int] | None = None,
    estimated_cost: Decimal | None = None,
    status: str = WorkOrderStatus.DRAFT,
    note: str = "",
    authorized: bool = False,
    origin: str = WorkOrderOrigin.MANUAL,
) -> WorkOrder:
    if not authorized:
        authorize(actor, Perm.MANAGE_WORK_ORDERS, asset.site_id)
    _choice("type", type, WorkOrderType)
    title = title.strip()
    if not title:
        raise ValidationFailed(code="title_required", details={"field": "title"})
    failure = failure or {}
    work_order = WorkOrder(
        number=next_number("WO"),
        site_id=asset.site_id,
        asset=asset,
        type=type,
        priority=_choice("priority", priority, Priority),
        title=title,
        description=description.strip(),
        status=status,
        is_failure=(type in FAILURE_BY_DEFAULT_TYPES) if is_failure is None else is_failure,
        problem_code=_failure_code(FailureCodeKind.PROBLEM, failure.get("problem")),
        cause_code=_failure_code(FailureCodeKind.CAUSE, failure.get("cause")),
        remedy_code=_failure_code(FailureCodeKind.REMEDY, failure.get("remedy")),
        down_since=down_since,
        restored_at=restored_at,
        due_date=due_date,
        estimated_cost=_estimate(estimated_cost),
        origin=origin,
        created_by=actor,
    )
    _check_times(work_order)
    assignees = _assignees(asset.site_id, assigned_to or [])
    work_order._history_user = actor
    work_order.save()
    if assignees:
        work_order.assigned_to.set(assignees)
        _tell_assignees(actor, work_order, assignees)
    _record_transition(work_order, actor, "", status, note or "Created")
    return work_order


def _tell_assignees(actor: User, work_order: WorkOrder, assignees: list[User]) -> None:
    """Those newly given the WO hear of it (not whoever assigned it)."""
    notify(
        [user for user in assignees if user.pk != actor.pk],
        Kind.WO_ASSIGNED,
        title=format_lazy(
            _("{actor} assigned you {work_order}: {title}"),
            actor=actor.display_name,
            work_order=work_order.number,
            title=work_order.title,
        ),
        body=format_lazy(
            "{asset} · {priority}", asset=work_order.asset.code, priority=Priority(work_order.priority).label
        ),
        link=reverse("work-order-detail", args=[work_order.pk]),
        key=f"wo-assigned:{work_order.pk}:{timezone.now().timestamp()}",
    )


@transaction.atomic
def create_work_order(actor: User, *, asset_id: int, **fields: Any) -> WorkOrder:
    return _create_work_order(actor, asset=_asset_for(actor, asset_id), **fields)


def open_work_order_by_rule(
    actor: User, *, asset: Asset, note: str, origin: str = WorkOrderOrigin.DOWNTIME, **fields: Any
) -> WorkOrder:
    """A WO opened by a rule (a downtime event, a PM schedule, a failed inspection item), not by a
    person's decision: whoever triggers the rule needs no right to plan WOs; `note` says which rule."""
    fields["title"] = fit(WorkOrder, "title", fields["title"])  # built from names and codes
    note = fit(WorkOrderTransition, "note", note)
    return _create_work_order(actor, asset=asset, note=note, authorized=True, origin=origin, **fields)


# Fields a technician may set while doing the work; everything else is the planner's.
EXECUTION_FIELDS = frozenset({"failure", "down_since", "restored_at", "is_failure"})


PLANNING_FIELDS = frozenset(
    {"title", "description", "type", "priority", "due_date", "assigned_to", "asset", "estimated_cost"}
)


def _lock_work_order(work_order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_for_update().get(pk=work_order.pk)


@transaction.atomic
def update_work_order(actor: User, work_order: WorkOrder, changes: dict[str, Any]) -> WorkOrder:
    unknown = set(changes) - EXECUTION_FIELDS - PLANNING_FIELDS - {"completed_at"}
    if unknown:
        raise ValidationFailed("These fields cannot be changed here.", details={"fields": sorted(unknown)})
    needed = Perm.MANAGE_WORK_ORDERS if set(changes) & (PLANNING_FIELDS | {"completed_at"}) else Perm.EXECUTE_WORK
    authorize(actor, needed, work_order.site_id)
    work_order = _lock_work_order(work_order)
    if work_order.status in READ_ONLY_STATUSES:
        raise Conflict(
            f"{work_order.number} is {work_order.status}; its record can no longer change.",
            code="work_order_read_only",
            details={"status": work_order.status},
        )
    for field in ("title", "description"):
        if field in changes:
            value = (changes[field] or "").strip()
            if field == "title" and not value:
                raise ValidationFailed(code="title_required", details={"field": "title"})
            setattr(work_order, field, value)
    if "type" in changes:
        work_order.type = _choice("type", changes["type"], WorkOrderType)
    if "priority" in changes:
        work_order.priority = _choice("priority", changes["priority"], Priority)
    if "asset" in changes:
        asset = _asset_for(actor, changes["asset"])
        if asset.site_id != work_order.site_id:
            raise ValidationFailed("A work order cannot move to another site.", details={"field": "asset"})
        work_order.asset = asset
    for field in ("due_date", "down_since", "restored_at"):
        if field in changes:
            setattr(work_order, field, changes[field])
    if "estimated_cost" in changes:
        work_order.estimated_cost = _estimate(changes["estimated_cost"])
    if "completed_at" in changes:
        if work_order.status != WorkOrderStatus.COMPLETED:
            raise Conflict("completed_at can only be corrected on a completed WO.", code="not_completed")
        if changes["completed_at"] is None:
            raise ValidationFailed("A completed WO keeps a completion time.", details={"field": "completed_at"})
        work_order.completed_at = changes["completed_at"]
    if "is_failure" in changes:
        if changes["is_failure"] is None:
            raise ValidationFailed("is_failure is true or false.", details={"field": "is_failure"})
        work_order.is_failure = changes["is_failure"]
    if "failure" in changes:
        failure = changes["failure"] or {}
        for kind in FailureCodeKind.values:
            if kind in failure:
                setattr(work_order, f"{kind}_code", _failure_code(kind, failure[kind]))
    _check_times(work_order)
    work_order._history_user = actor
    work_order.save()
    if "assigned_to" in changes:
        before = set(work_order.assigned_to.values_list("pk", flat=True))
        assignees = _assignees(work_order.site_id, changes["assigned_to"] or [])
        work_order.assigned_to.set(assignees)
        _tell_assignees(actor, work_order, [user for user in assignees if user.pk not in before])
    return work_order


def completion_gaps(work_order: WorkOrder) -> list[str]:
    """What a failure WO still lacks before it can be completed."""
    if not work_order.is_failure:
        return []
    required = {
        "down_since": work_order.down_since,
        "restored_at": work_order.restored_at,
        "failure.problem": work_order.problem_code_id,
        "failure.cause": work_order.cause_code_id,
        "failure.remedy": work_order.remedy_code_id,
    }
    return [name for name, value in required.items() if not value]


def _status_label(status: str) -> str:
    """A status as people read it (an unknown one as it was sent)."""
    return str(WorkOrderStatus(status).label) if status in WorkOrderStatus.values else status


@transaction.atomic
def complete_work_order(
    actor: User,
    work_order: WorkOrder,
    *,
    answers: dict[str, Any] | None = None,
    note: str = "",
    completed_at: datetime | None = None,
) -> WorkOrder:
    """Complete, answering first what the failure still lacked (times, codes; as `update_work_order`
    takes them): both happen, or neither."""
    if answers:
        work_order = update_work_order(actor, work_order, answers)
    return transition_work_order(actor, work_order, to=WorkOrderStatus.COMPLETED, note=note, completed_at=completed_at)


@transaction.atomic
def transition_work_order(
    actor: User, work_order: WorkOrder, *, to: str, note: str = "", completed_at: datetime | None = None
) -> WorkOrder:
    work_order = _lock_work_order(work_order)
    current = work_order.status
    targets = allowed_targets(current)
    if to not in targets:
        raise InvalidTransition(
            details={"from": current, "to": to, "allowed": sorted(targets)},
            number=work_order.number,
            from_label=_status_label(current),
            to_label=_status_label(to),
        )
    authorize(actor, targets[to], work_order.site_id)
    note = note.strip()
    if (current, to) in NOTE_REQUIRED and not note:
        raise ValidationFailed(
            code="note_required",
            details={"field": "note"},
            from_label=_status_label(current),
            to_label=_status_label(to),
        )
    if completed_at is not None and to != WorkOrderStatus.COMPLETED:
        raise ValidationFailed("completed_at is only given when completing.", details={"field": "completed_at"})
    if to == WorkOrderStatus.COMPLETED:
        gaps = completion_gaps(work_order)
        if gaps:
            raise Conflict(code="completion_requirements_unmet", details={"missing": gaps})
        work_order.completed_at = completed_at or timezone.now()
        _check_times(work_order)
    elif current == WorkOrderStatus.COMPLETED and to == WorkOrderStatus.IN_PROGRESS:
        work_order.completed_at = None
    work_order.status = to
    work_order._history_user = actor
    work_order.save()
    _record_transition(work_order, actor, current, to, note)
    return work_order


def record_downtime_windows(actor: User, windows: dict[int, tuple[datetime, datetime | None]]) -> int:
    """Down since / restored at of open WOs as their downtime stops say ({WO id: (down, restored)}),
    the integration's doing, kept in each WO's history like any change (a technician may still
    correct them). Closed and cancelled WOs keep what they have. Returns how many changed."""
    changed = []
    now = timezone.now()
    for work_order in WorkOrder.objects.select_for_update().filter(pk__in=windows).order_by("pk"):
        down_since, restored_at = windows[work_order.pk]
        if work_order.status in READ_ONLY_STATUSES or (work_order.down_since, work_order.restored_at) == (
            down_since,
            restored_at,
        ):
            continue
        work_order.down_since, work_order.restored_at, work_order.updated_at = down_since, restored_at, now
        changed.append(work_order)
    if changed:
        # bulk_update_with_history's bulk_update (CASE WHEN per field and row) was a fifth of an MQTT
        # ingest batch: the same UPDATE as one FROM (VALUES …), and the same history rows.
        with transaction.atomic(savepoint=False):
            update_fields(WorkOrder, changed, ["down_since", "restored_at", "updated_at"])
            WorkOrder.history.bulk_history_create(changed, update=True, default_user=actor, default_date=now)
    return len(changed)
