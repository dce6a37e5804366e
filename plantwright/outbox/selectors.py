"""Reads of the outbox for the people who keep integrations running."""

from django.db.models import Count, Q, QuerySet

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import site_ids_with
from plantwright.core.errors import NotFound
from plantwright.outbox.models import OutboxMessage, OutboxStatus


def _visible(user: User) -> QuerySet[OutboxMessage]:
    allowed = site_ids_with(user, Perm.MANAGE_INTEGRATIONS)
    messages = OutboxMessage.objects.select_related("site")
    if allowed is None:
        return messages
    return messages.filter(site_id__in=allowed)


def list_messages(
    user: User, *, status: str | None = None, site_id: int | None = None, topic: str | None = None
) -> QuerySet[OutboxMessage]:
    messages = _visible(user)
    if status:
        messages = messages.filter(status=status)
    if site_id is not None:
        messages = messages.filter(site_id=site_id)
    if topic:
        messages = messages.filter(topic=topic)
    return messages.order_by("-created_at", "-id")


def get_message(user: User, message_id: int) -> OutboxMessage:
    message = _visible(user).filter(pk=message_id).first()
    if message is None:
        raise NotFound(f"Outbox message {message_id} does not exist.")
    return message


def status_counts(user: User) -> dict[str, int]:
    """How many messages wait, are dead, ... (one query)."""
    return _visible(user).aggregate(**{status: Count("id", filter=Q(status=status)) for status in OutboxStatus.values})
