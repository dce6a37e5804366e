"""Close the loop: the OEE side learns the status of the WOs its stops opened.

Delivered by the outbox worker (the change and its message commit together): every status change
is its own message, published retained with QoS 1 on `<prefix>/<site>/work-orders/<number>/status`
in the order of the changes (the messages share an ordering key), each with the status it moved to;
the retained message is therefore always the latest. Messages written before the ordering (without
`status`) publish the WO's current status. A site may also have the status POSTed,
signed, to the OEE platform (`OeeWebhook`): that is a message of its own, so a broker that is down
does not hold the webhook back, nor a refusing webhook the broker.
"""

import json
from typing import Any

from plantwright.downtime import mqtt
from plantwright.downtime.models import OeeWebhook
from plantwright.maintenance.models import WorkOrder
from plantwright.maintenance.services.work import WORK_ORDER_STATUS_TOPIC
from plantwright.outbox.models import OutboxMessage
from plantwright.outbox.registry import PermanentError, register
from plantwright.outbox.services import enqueue
from plantwright.outbox.webhooks import post_signed

WEBHOOK_TOPIC = "downtime.oee_webhook"


def status_payload(work_order: WorkOrder, status: str | None = None) -> dict[str, Any]:
    """What the OEE side is told of a WO: `status` is the one it moved to in the change being told."""
    stops = list(work_order.downtime_stops.order_by("started_at").values("started_at", "ended_at", "category"))
    return {
        "work_order": work_order.number,
        "status": status or work_order.status,
        "work_order_type": work_order.type,
        "site": work_order.site.code,
        "asset": work_order.asset.code,
        "machine_id": work_order.asset.oee_machine_id,
        "down_since": work_order.down_since.isoformat() if work_order.down_since else None,
        "restored_at": work_order.restored_at.isoformat() if work_order.restored_at else None,
        "completed_at": work_order.completed_at.isoformat() if work_order.completed_at else None,
        "updated_at": work_order.updated_at.isoformat(),
        "stops": [
            {
                "started_at": stop["started_at"].isoformat(),
                "ended_at": stop["ended_at"].isoformat() if stop["ended_at"] else None,
                "category": stop["category"],
            }
            for stop in stops
        ],
    }


def _work_order(message: OutboxMessage) -> WorkOrder:
    work_order = (
        WorkOrder.objects.select_related("site__oee_webhook", "asset").filter(pk=message.payload["work_order"]).first()
    )
    if work_order is None:
        raise PermanentError(f"Work order {message.payload['work_order']} no longer exists.")
    return work_order


def _webhook(work_order: WorkOrder) -> OeeWebhook | None:
    try:
        webhook = work_order.site.oee_webhook
    except OeeWebhook.DoesNotExist:
        return None
    return webhook if webhook.active else None


def deliver_status(message: OutboxMessage) -> dict[str, Any]:
    work_order = _work_order(message)
    if _webhook(work_order) is not None:
        # Its own message, committed before the publish (a repeat of this one finds it by its key).
        enqueue(
            WEBHOOK_TOPIC,
            message.payload,
            idempotency_key=f"oee-webhook:{message.idempotency_key}",
            site=work_order.site,
            ordering_key=f"oee-webhook:{work_order.pk}",
        )
    topic = mqtt.status_topic(work_order.site.code, work_order.number)
    payload = status_payload(work_order, message.payload.get("status"))
    mqtt.publish_retained(topic, json.dumps(payload, separators=(",", ":")).encode())
    return {"topic": topic, "status": payload["status"]}


def deliver_webhook(message: OutboxMessage) -> dict[str, Any]:
    work_order = _work_order(message)
    webhook = _webhook(work_order)
    if webhook is None:
        return {"skipped": "the site has no active OEE webhook any more"}
    payload = {**status_payload(work_order, message.payload.get("status")), "type": "work_order.status"}
    return post_signed(webhook, payload, idempotency_key=message.idempotency_key)


def register_handlers() -> None:
    register(WORK_ORDER_STATUS_TOPIC, deliver_status)
    register(WEBHOOK_TOPIC, deliver_webhook)
