"""What the maintenance app tells subscribers (plantwright.outbox.events, docs/webhooks.md): WOs
created and moved, requests triaged, cost posted. Called inside the change's transaction; each event
carries the WO as it is at that moment, so a status change read later still says what it was."""

from typing import Any

from plantwright.accounts.models import Site
from plantwright.maintenance.models import CostLine, WorkOrder, WorkOrderStatus, WorkOrderTransition, WorkRequest
from plantwright.outbox.events import hears, publish


def work_order_data(work_order: WorkOrder) -> dict[str, Any]:
    return {
        "id": work_order.pk,
        "number": work_order.number,
        "asset": work_order.asset.code,
        "type": work_order.type,
        "status": work_order.status,
        "priority": work_order.priority,
        "title": work_order.title,
        "origin": work_order.origin,
        "is_failure": work_order.is_failure,
        "due_date": work_order.due_date.isoformat() if work_order.due_date else None,
        "created_at": work_order.created_at.isoformat(),
        "completed_at": work_order.completed_at.isoformat() if work_order.completed_at else None,
    }


def work_order_moved(work_order: WorkOrder, transition: WorkOrderTransition) -> None:
    """A WO created (its first transition) or moved: one event per transition, in their order."""
    subject, site = f"work_order:{work_order.pk}", work_order.site
    data = work_order_data(work_order)
    if not transition.from_status:
        publish(site, "work_order.created", subject, data, key=f"wo:{work_order.pk}:created")
        return
    moved = {"work_order": data, "from": transition.from_status, "to": transition.to_status,
             "at": transition.at.isoformat(), "by": transition.actor.username if transition.actor else None,
             "note": transition.note}  # fmt: skip
    publish(site, "work_order.status_changed", subject, moved, key=f"wo:{work_order.pk}:transition:{transition.pk}")
    if transition.to_status == WorkOrderStatus.COMPLETED:
        publish(site, "work_order.completed", subject, moved, key=f"wo:{work_order.pk}:completed:{transition.pk}")


def request_triaged(work_request: WorkRequest) -> None:
    data = {"id": work_request.pk, "number": work_request.number, "status": work_request.status,
            "asset": work_request.asset.code if work_request.asset_id else None, "title": work_request.title,
            "work_order": work_request.work_order.number if work_request.work_order_id else None,
            "rejection_reason": work_request.rejection_reason,
            "triaged_by": work_request.triaged_by.username if work_request.triaged_by_id else None}  # fmt: skip
    publish(work_request.site, "work_request.triaged", f"work_request:{work_request.pk}", data,
            key=f"request:{work_request.pk}:{work_request.status}")  # fmt: skip


def costs_posted(lines: list[CostLine], site: Site | None = None) -> None:
    """Each new ledger line, told on its WO's subject (after the WO's own events of the change);
    `site`: the lines' site, when the caller has it (a batch of one site's ERP events)."""
    if not lines or not hears(site.pk if site else lines[0].work_order.site_id, "cost.posted"):
        return  # an ERP batch posts hundreds of lines: build no event nobody hears
    for line in lines:
        work_order = line.work_order
        data = {"work_order": work_order.number, "work_order_id": work_order.pk, "kind": line.kind,
                "category": line.category, "amount": str(line.amount), "currency": line.currency,
                "quantity": str(line.quantity) if line.quantity is not None else None,
                "cost_date": line.cost_date.isoformat(), "description": line.description,
                "source_type": line.source_type, "source_id": line.source_id}  # fmt: skip
        publish(
            site or work_order.site,
            "cost.posted",
            f"work_order:{work_order.pk}",
            data,
            key=f"cost:{line.idempotency_key}",
        )
