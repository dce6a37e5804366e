"""The outbox over HTTP: what is waiting, what is dead, retry or cancel by hand; and the event
subscriptions other systems hear the sites' events through (docs/webhooks.md)."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from plantwright.accounts.selectors import list_sites
from plantwright.core.errors import ValidationFailed
from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import Id, PathId, Text
from plantwright.outbox import selectors, services, subscriptions
from plantwright.outbox.events import EVENT_TYPES, deliveries

router = Router(tags=["outbox"])


class OutboxMessageOut(Schema):
    id: int
    topic: str
    site: int | None = Field(validation_alias="site_id")
    payload: dict[str, Any]
    idempotency_key: str
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_error: str
    result: Any
    created_at: datetime
    delivered_at: datetime | None


@router.get("/outbox", response={200: list[OutboxMessageOut], **errors(422)})
@paginate(BoundedPagination)
def list_messages(
    request: HttpRequest, status: str | None = None, site: PathId | None = None, topic: str | None = None
):
    return selectors.list_messages(request.user, status=status, site_id=site, topic=topic)


@router.post("/outbox/{message_id}/retry", response={200: OutboxMessageOut, **errors(403, 404, 409)})
def retry_message(request: HttpRequest, message_id: PathId):
    return services.retry(request.user, selectors.get_message(request.user, message_id))


@router.post("/outbox/{message_id}/cancel", response={200: OutboxMessageOut, **errors(403, 404, 409)})
def cancel_message(request: HttpRequest, message_id: PathId):
    return services.cancel(request.user, selectors.get_message(request.user, message_id))


# --- event subscriptions (docs/webhooks.md) -----------------------------------------------------


class EventTypeOut(Schema):
    type: str
    description: str


@router.get("/event-types", response={200: list[EventTypeOut], **errors()}, tags=["event subscriptions"])
def list_event_types(request: HttpRequest):
    """Every event a subscription may hear."""
    return [{"type": name, "description": str(text)} for name, text in EVENT_TYPES.items()]


EventType = Literal[tuple(EVENT_TYPES)]  # type: ignore[valid-type]
Name = Text(120)
Url = Text(500, pattern=r"^https?://[^\s]+$")


class SubscriptionIn(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    site: Id
    name: Name
    url: Url
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))


class SubscriptionPatch(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: Name | None = None
    url: Url | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=len(EVENT_TYPES))
    active: bool | None = None


class SubscriptionOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    name: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecretOut(SubscriptionOut):
    secret: str = Field(description="Signs every delivery (docs/webhooks.md); shown only now")


class DeliveryOut(Schema):
    id: int = Field(description="The outbox message")
    event_id: str = Field(validation_alias="payload.event.id")
    type: str = Field(validation_alias="payload.event.type")
    subject: str = Field(validation_alias="payload.event.subject")
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    result: Any
    created_at: datetime
    delivered_at: datetime | None


SUBSCRIPTIONS = ["event subscriptions"]


@router.get("/event-subscriptions", response={200: list[SubscriptionOut], **errors(422)}, tags=SUBSCRIPTIONS)
@paginate(BoundedPagination)
def list_event_subscriptions(request: HttpRequest, site: PathId | None = None):
    """The subscriptions of the sites where the caller manages integrations."""
    return subscriptions.list_subscriptions(request.user, site)


@router.post("/event-subscriptions", response={201: SubscriptionWithSecretOut, **errors(403, 422)}, tags=SUBSCRIPTIONS)
def create_event_subscription(request: HttpRequest, payload: SubscriptionIn):
    """Subscribe a URL to event types of a site. The answer holds the signing secret, once."""
    site = list_sites(request.user).filter(pk=payload.site).first()
    if site is None:
        raise ValidationFailed(f"Site {payload.site} does not exist.", details={"field": "site"})
    subscription = subscriptions.subscribe(
        request.user, site, name=payload.name, url=payload.url, event_types=list(payload.event_types)
    )
    return Status(201, subscription)


@router.get("/event-subscriptions/{subscription_id}", response={200: SubscriptionOut, **errors(404)},
            tags=SUBSCRIPTIONS)  # fmt: skip
def get_event_subscription(request: HttpRequest, subscription_id: PathId):
    return subscriptions.get_subscription(request.user, subscription_id)


@router.patch("/event-subscriptions/{subscription_id}", response={200: SubscriptionOut, **errors(403, 404, 422)},
              tags=SUBSCRIPTIONS)  # fmt: skip
def change_event_subscription(request: HttpRequest, subscription_id: PathId, payload: SubscriptionPatch):
    """Rename, point elsewhere, choose other event types, pause (`active: false`: its events are
    still written and answered `skipped`) or resume."""
    subscription = subscriptions.get_subscription(request.user, subscription_id)
    return subscriptions.change_subscription(request.user, subscription, payload.dict(exclude_unset=True))


@router.delete("/event-subscriptions/{subscription_id}", response={204: None, **errors(403, 404)},
               tags=SUBSCRIPTIONS)  # fmt: skip
def delete_event_subscription(request: HttpRequest, subscription_id: PathId):
    subscriptions.unsubscribe(request.user, subscriptions.get_subscription(request.user, subscription_id))
    return Status(204, None)


@router.post("/event-subscriptions/{subscription_id}/rotate-secret",
             response={200: SubscriptionWithSecretOut, **errors(403, 404)}, tags=SUBSCRIPTIONS)  # fmt: skip
def rotate_event_subscription_secret(request: HttpRequest, subscription_id: PathId):
    """A new secret, shown once; deliveries carry a signature with each of the new and the old for 24 h."""
    return subscriptions.rotate_secret(request.user, subscriptions.get_subscription(request.user, subscription_id))


@router.get("/event-subscriptions/{subscription_id}/deliveries", response={200: list[DeliveryOut], **errors(404, 422)},
            tags=SUBSCRIPTIONS)  # fmt: skip
@paginate(BoundedPagination)
def list_event_deliveries(request: HttpRequest, subscription_id: PathId, status: str | None = None):
    """The delivery log: each event's message, newest first, with its attempts and the receiver's answer."""
    found = deliveries(subscriptions.get_subscription(request.user, subscription_id))
    return found.filter(status=status) if status else found
