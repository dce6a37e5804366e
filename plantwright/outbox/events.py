"""Outbound events: what happened at a site, told to the systems that subscribed (docs/webhooks.md).

An app calls `publish` inside the transaction of its change; each active subscription of the site
that hears that event type gets its own outbox message — committed with the change, delivered by the
outbox worker, signed with the subscription's secret (the HMAC scheme of outbox.webhooks), retried
with backoff, dead-lettered where the receiver refuses it for good. Every event is its own message
(a WO approved then started is two events, never one), carrying what was true when it happened, and
one subject's events (a WO, a parts request) reach a subscriber in the order they happened: their
messages share an ordering key, and the outbox holds a later one back until the earlier is delivered
(or dead). A receiver drops repeats by the event's `id` (also the Idempotency-Key header).

Which subscriptions a site has is read once per second and process at most, so a change that
publishes many events (an ERP batch) costs no query per event; a new subscription hears events from
a second after it is saved.
"""

import time
import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site
from plantwright.outbox.models import EventSubscription, OutboxMessage
from plantwright.outbox.registry import PermanentError, register
from plantwright.outbox.services import enqueue
from plantwright.outbox.webhooks import post_signed

TOPIC = "events.deliver"
EVENT_TYPES = {
    "work_order.created": _("A WO was created (by hand, from a request, by a rule or a PM schedule)"),
    "work_order.status_changed": _("A WO moved from one status to another: one event per move"),
    "work_order.completed": _("A WO was completed (also a status change)"),
    "work_request.triaged": _("A work request was approved, rejected or marked a duplicate"),
    "cost.posted": _("A cost line was posted to a WO's ledger (labor, contractor, parts, PO receipt or invoice)"),
    "parts_request.ordered": _("A parts request was ordered in the ERP (its PO numbers came back)"),
    "parts_request.received": _("A parts request's goods were received"),
    "outbox.dead_letter": _("A message to another system was given up (dead-lettered)"),
}
CACHE_SECONDS = 1.0
_cache: dict[int, tuple[float, list[tuple[int, frozenset[str]]]]] = {}


def forget_subscriptions() -> None:
    """Read the subscriptions afresh at the next event (after a change to them, and between tests)."""
    _cache.clear()


def _subscriptions(site_id: int) -> list[tuple[int, frozenset[str]]]:
    now = time.monotonic()
    cached = _cache.get(site_id)
    if cached is None or cached[0] < now:
        rows = EventSubscription.objects.filter(site_id=site_id, active=True).values_list("pk", "event_types")
        cached = (now + CACHE_SECONDS, [(pk, frozenset(types)) for pk, types in rows])
        _cache[site_id] = cached
    return cached[1]


def hears(site_id: int, event_type: str) -> bool:
    """Whether any subscription of the site hears the type: ask before building many events' data."""
    return any(event_type in types for _pk, types in _subscriptions(site_id))


def publish(site: Site, event_type: str, subject: str, data: dict[str, Any], *, key: str) -> int:
    """Tell the site's subscribers of an event. `subject` orders it ("work_order:12"); `key` makes it
    once ("work_order:12:transition:40"): publishing the same key again adds nothing. Returns how many
    subscriptions will hear it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(event_type)
    hearing = [pk for pk, types in _subscriptions(site.pk) if event_type in types]
    if not hearing:
        return 0
    event = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"plantwright:{site.pk}:{key}")),
        "type": event_type,
        "occurred_at": timezone.now().isoformat(),
        "site": site.code,
        "subject": subject,
        "data": data,
    }
    for subscription in hearing:
        enqueue(TOPIC, {"subscription": subscription, "event": event}, idempotency_key=f"event:{subscription}:{key}",
                site=site, ordering_key=f"sub:{subscription}:{subject}")  # fmt: skip
    return len(hearing)


def deliver(message: OutboxMessage) -> dict[str, Any]:
    subscription = EventSubscription.objects.select_related("site").filter(pk=message.payload["subscription"]).first()
    if subscription is None:
        raise PermanentError("The subscription was deleted.")
    if not subscription.active:
        return {"skipped": "the subscription is paused"}
    event = message.payload["event"]
    return post_signed(subscription, event, idempotency_key=event["id"])


def publish_dead_letter(message: OutboxMessage) -> None:
    """The dead letters of a site, told to its subscribers (never those of event deliveries: a
    receiver that refuses events would be told so by another event, for ever)."""
    if message.topic == TOPIC or message.site_id is None:
        return
    publish(message.site, "outbox.dead_letter", f"outbox:{message.pk}",
            {"message": message.pk, "topic": message.topic, "attempts": message.attempts,
             "last_error": message.last_error[:500]}, key=f"dead:{message.pk}:{message.attempts}")  # fmt: skip


def register_handlers() -> None:
    from plantwright.outbox.registry import on_dead_letter

    register(TOPIC, deliver)
    on_dead_letter(publish_dead_letter)


def deliveries(subscription: EventSubscription):
    """The delivery log of a subscription: its messages, newest first."""
    return OutboxMessage.objects.filter(topic=TOPIC, payload__subscription=subscription.pk).order_by("-id")
