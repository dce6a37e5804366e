"""Write to the outbox inside the business transaction; claim and deliver from workers."""

import logging
import os
import random
import socket
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.errors import Conflict
from plantwright.outbox.models import OutboxMessage, OutboxStatus
from plantwright.outbox.registry import PermanentError, handler_for

log = logging.getLogger(__name__)

BASE_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 3600


def enqueue(topic: str, payload: dict[str, Any], *, idempotency_key: str, site: Site | None = None) -> OutboxMessage:
    """Record a message; call inside the transaction of the change that causes it (it commits or not with it)."""
    existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    return OutboxMessage.objects.create(
        topic=topic, payload=payload, idempotency_key=idempotency_key, site=site, next_attempt_at=timezone.now()
    )


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter: 2 s, 4 s, 8 s ... capped at an hour."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(batch: int = 20, *, worker: str | None = None) -> list[OutboxMessage]:
    """Take up to `batch` due messages for this worker. Several workers never take the same one:
    PostgreSQL skips rows another worker has locked; SQLite serialises writers."""
    now = timezone.now()
    worker = worker or worker_name()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            status__in=[OutboxStatus.PENDING, OutboxStatus.DELIVERING], next_attempt_at__lte=now
        ).exclude(status=OutboxStatus.DELIVERING, leased_until__gt=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        messages = list(due.order_by("next_attempt_at", "id")[:batch])
        ids = [m.pk for m in messages]
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.DELIVERING, leased_until=now + lease, leased_by=worker
        )
    for message in messages:
        message.status, message.leased_until, message.leased_by = OutboxStatus.DELIVERING, now + lease, worker
    return messages


def deliver(message: OutboxMessage) -> bool:
    """One attempt. Success → delivered; failure → retry later with backoff, or dead after max attempts."""
    handler = handler_for(message.topic)
    attempts = message.attempts + 1
    try:
        if handler is None:
            raise PermanentError(f"No handler for topic {message.topic!r}.")
        result = handler(message) or {}
    except Exception as exc:
        permanent = isinstance(exc, PermanentError) or attempts >= message.max_attempts
        fields = {
            "attempts": attempts,
            "last_error": f"{type(exc).__name__}: {exc}"[:4000],
            "leased_until": None,
            "leased_by": "",
            "status": OutboxStatus.DEAD if permanent else OutboxStatus.PENDING,
            "next_attempt_at": timezone.now() + backoff(attempts),
        }
        _finish(message, fields)
        log.warning("outbox %s attempt %s failed: %s", message.pk, attempts, exc)
        return False
    _finish(
        message,
        {
            "attempts": attempts,
            "status": OutboxStatus.DELIVERED,
            "delivered_at": timezone.now(),
            "leased_until": None,
            "last_error": "",
            "result": result,
        },
    )
    return True


def _finish(message: OutboxMessage, fields: dict[str, Any]) -> None:
    # Only the lease holder may record the outcome; a worker whose lease ran out lost the message.
    updated = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.DELIVERING, leased_by=message.leased_by
    ).update(**fields)
    if updated:
        for key, value in fields.items():
            setattr(message, key, value)


def run_once(batch: int = 20, *, worker: str | None = None) -> int:
    """Claim and deliver one batch; returns how many were delivered."""
    return sum(deliver(message) for message in claim(batch, worker=worker))


def retry(actor: User, message: OutboxMessage) -> OutboxMessage:
    _authorize(actor, message)
    if message.status not in (OutboxStatus.DEAD, OutboxStatus.CANCELLED):
        raise Conflict("Only dead-lettered or cancelled messages are retried by hand.", code="not_dead")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, leased_until=None, leased_by=""
    )
    message.refresh_from_db()
    return message


def cancel(actor: User, message: OutboxMessage) -> OutboxMessage:
    _authorize(actor, message)
    if message.status in (OutboxStatus.DELIVERED, OutboxStatus.CANCELLED):
        raise Conflict(f"The message is {message.status}.", code="not_cancellable")
    OutboxMessage.objects.filter(pk=message.pk).exclude(status=OutboxStatus.DELIVERED).update(
        status=OutboxStatus.CANCELLED, leased_until=None
    )
    message.refresh_from_db()
    return message


def _authorize(actor: User, message: OutboxMessage) -> None:
    if message.site_id is None:
        if not actor.is_superuser:
            from plantwright.errors import PermissionDenied

            raise PermissionDenied("Only installation administrators handle installation-wide messages.")
        return
    authorize(actor, Perm.MANAGE_INTEGRATIONS, message.site_id)
