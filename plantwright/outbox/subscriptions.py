"""Writes to event subscriptions (docs/webhooks.md): a site's integrators (`manage_integrations`)
subscribe a URL to event types; its secret is shown once, when it is made or rotated."""

from typing import Any

from django.db import transaction

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, restrict_to_sites
from plantwright.core.errors import NotFound, ValidationFailed
from plantwright.core.http.outbound import check_url
from plantwright.outbox.events import EVENT_TYPES, forget_subscriptions
from plantwright.outbox.models import EventSubscription

MAX_PER_SITE = 20


def _types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown or not event_types:
        raise ValidationFailed(
            f"Unknown event types: {', '.join(unknown)}." if unknown else "Choose at least one event type.",
            details={"field": "event_types", "known": list(EVENT_TYPES)},
        )
    return [name for name in EVENT_TYPES if name in event_types]  # in the catalogue's order, once each


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("Name the subscription (who listens).", details={"field": "name"})
    return name


def list_subscriptions(user: User, site_id: int | None = None):
    found = restrict_to_sites(EventSubscription.objects.select_related("site"), user, Perm.MANAGE_INTEGRATIONS)
    return found.filter(site_id=site_id) if site_id is not None else found


def get_subscription(user: User, subscription_id: int) -> EventSubscription:
    subscription = list_subscriptions(user).filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound(f"Event subscription {subscription_id} does not exist.")
    return subscription


@transaction.atomic
def subscribe(actor: User, site: Site, *, name: str, url: str, event_types: list[str]) -> EventSubscription:
    authorize(actor, Perm.MANAGE_INTEGRATIONS, site.pk)
    check_url(url)
    if EventSubscription.objects.filter(site=site).count() >= MAX_PER_SITE:
        raise ValidationFailed(f"A site has at most {MAX_PER_SITE} subscriptions.", details={"field": "site"})
    subscription = EventSubscription.objects.create(
        site=site, name=_name(name), url=url, event_types=_types(event_types)
    )
    forget_subscriptions()
    return subscription


@transaction.atomic
def change_subscription(actor: User, subscription: EventSubscription, changes: dict[str, Any]) -> EventSubscription:
    authorize(actor, Perm.MANAGE_INTEGRATIONS, subscription.site_id)
    if "url" in changes:
        check_url(changes["url"])
        subscription.url = changes["url"]
    if "name" in changes:
        subscription.name = _name(changes["name"])
    if "event_types" in changes:
        subscription.event_types = _types(changes["event_types"])
    if "active" in changes:
        subscription.active = changes["active"]
    subscription.save()
    forget_subscriptions()
    return subscription


def rotate_secret(actor: User, subscription: EventSubscription) -> EventSubscription:
    """A new secret from now; the old one still signs for a day, so the receiver can switch."""
    authorize(actor, Perm.MANAGE_INTEGRATIONS, subscription.site_id)
    subscription.rotate()
    return subscription


def unsubscribe(actor: User, subscription: EventSubscription) -> None:
    """Gone: its messages not yet delivered are dead-lettered at their next attempt (their log stays)."""
    authorize(actor, Perm.MANAGE_INTEGRATIONS, subscription.site_id)
    subscription.delete()
    forget_subscriptions()
