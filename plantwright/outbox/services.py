"""Write to the outbox inside the business transaction; claim and deliver from workers."""

import logging
import os
import random
import socket
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.db.bulk import insert_new, update_fields
from plantwright.core.errors import Conflict
from plantwright.outbox.models import OutboxMessage, OutboxStatus
from plantwright.outbox.registry import PermanentError, Waiting, dead_lettered, handler_for, prepare_batch

log = logging.getLogger(__name__)

BASE_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 3600


def enqueue(
    topic: str, payload: dict[str, Any], *, idempotency_key: str, site: Site | None = None, ordering_key: str = ""
) -> OutboxMessage:
    """Record a message; call inside the transaction of the change that causes it (it commits or not
    with it). Messages sharing an `ordering_key` are delivered in the order they were enqueued."""
    existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    return OutboxMessage.objects.create(
        topic=topic, payload=payload, idempotency_key=idempotency_key, site=site, next_attempt_at=timezone.now(),
        ordering_key=ordering_key,
    )  # fmt: skip


def enqueue_many(messages: list[OutboxMessage]) -> None:
    """`enqueue` for many messages (not yet saved) at once: one read of the keys already there, one
    insert of the others (a key twice in `messages` is written once)."""
    if not messages:
        return
    present = set(
        OutboxMessage.objects.filter(idempotency_key__in=[m.idempotency_key for m in messages]).values_list(
            "idempotency_key", flat=True
        )
    )
    now = timezone.now()
    new: dict[str, OutboxMessage] = {}
    for message in messages:
        if message.idempotency_key not in present:
            message.next_attempt_at = now
            new.setdefault(message.idempotency_key, message)
    insert_new(OutboxMessage, list(new.values()))


# How soon a message waiting for an earlier one of its ordering key looks again.
WAIT_SECONDS = 1


class _Turns:
    """Whose turn it is among messages sharing an ordering key: read once per claimed batch (one
    query, none for a batch without keys), kept up to date as the batch is delivered."""

    def __init__(self, messages: list[OutboxMessage]):
        keys = {m.ordering_key for m in messages if m.ordering_key}
        self.waiting: dict[str, list[tuple[int, Any]]] = {}
        if keys:
            rows = (
                OutboxMessage.objects.filter(
                    ordering_key__in=keys,
                    pk__lte=max(m.pk for m in messages),
                    status__in=[OutboxStatus.PENDING, OutboxStatus.DELIVERING],
                )
                .exclude(ordering_key="")
                .order_by("pk")
                .values_list("ordering_key", "pk", "next_attempt_at")
            )
            for key, pk, due in rows:
                self.waiting.setdefault(key, []).append((pk, due))

    def earlier(self, message: OutboxMessage) -> tuple[int, Any] | None:
        """The first message before this one with its key still to be delivered, or None."""
        for pk, due in self.waiting.get(message.ordering_key, ()) if message.ordering_key else ():
            return (pk, due) if pk < message.pk else None
        return None

    def settled(self, message: OutboxMessage) -> None:
        """Delivered or dead: the next one with its key may go."""
        if message.ordering_key and message.status in (OutboxStatus.DELIVERED, OutboxStatus.DEAD):
            queue = self.waiting.get(message.ordering_key, [])
            self.waiting[message.ordering_key] = [entry for entry in queue if entry[0] != message.pk]


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


# A claimed message is only attempted while this much of its lease is left (at most a quarter of
# it), so a batch held up by a slow receiver hands the rest back instead of racing another worker.
LEASE_SAFETY = timedelta(seconds=15)
_OUTCOME_FIELDS = [
    "attempts",
    "status",
    "delivered_at",
    "leased_until",
    "leased_by",
    "last_error",
    "result",
    "next_attempt_at",
]


def attempt(message: OutboxMessage, *, failed: Exception | None = None, turns: _Turns | None = None) -> None:
    """Call the topic's handler once and set the outcome on `message` (not yet saved); `failed`: its
    batch's preparation already raised this for it; `turns`: its batch's ordering."""
    turns = turns if turns is not None else _Turns([message])
    _attempt(message, failed, turns)
    turns.settled(message)


def _attempt(message: OutboxMessage, failed: Exception | None, turns: _Turns) -> None:
    handler = handler_for(message.topic)
    message.attempts += 1
    message.leased_until = None
    try:
        if failed is not None:
            raise failed
        if handler is None:
            raise PermanentError(f"No handler for topic {message.topic!r}.")
        earlier = turns.earlier(message)
        if earlier is not None:
            raise Waiting(*earlier)
        result = handler(message) or {}
    except Waiting as wait:
        earlier_pk, earlier_due = wait.args
        message.attempts -= 1  # not an attempt: it was not its turn
        message.status = OutboxStatus.PENDING
        message.last_error = f"Waiting for message {earlier_pk}, written before it with the same ordering key."
        message.next_attempt_at = max(earlier_due, timezone.now()) + timedelta(seconds=WAIT_SECONDS)
        return
    except Exception as exc:
        permanent = isinstance(exc, PermanentError) or message.attempts >= message.max_attempts
        message.status = OutboxStatus.DEAD if permanent else OutboxStatus.PENDING
        message.last_error = f"{type(exc).__name__}: {exc}"[:4000]
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        log.warning("outbox %s attempt %s failed: %s", message.pk, message.attempts, exc)
        return
    message.status, message.delivered_at = OutboxStatus.DELIVERED, timezone.now()
    message.last_error, message.result = "", result


def _record(worker: str, messages: list[OutboxMessage]) -> None:
    """Save the outcomes of one batch in one transaction, only where this worker still holds the lease.

    If the worker dies before this commits, the batch is delivered again after the lease: receivers
    drop the repeat by its idempotency key (at-least-once delivery, never lost).
    """
    if not messages:
        return
    for message in messages:
        message.leased_by = ""
    try:
        _save_outcomes(worker, messages)
    except (OperationalError, InterfaceError):
        raise  # the database is away: the leases run out and the batch is delivered again
    except Exception:
        # An outcome the database will not store (a receiver's answer it refuses): one by one, and
        # one that still fails is kept without the answer, so it is never delivered again and again.
        log.exception("outbox: recording a batch failed; recording its messages one by one")
        for message in messages:
            try:
                _save_outcomes(worker, [message])
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:
                message.result = {"not_kept": f"The receiver's answer could not be stored ({type(exc).__name__})."}
                _save_outcomes(worker, [message])


def _save_outcomes(worker: str, messages: list[OutboxMessage]) -> None:
    with transaction.atomic():
        still_mine = set(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=[m.pk for m in messages], status=OutboxStatus.DELIVERING, leased_by=worker)
            .values_list("pk", flat=True)
        )
        delivered = [m for m in messages if m.pk in still_mine and m.status == OutboxStatus.DELIVERED]
        # The common outcome: one UPDATE … FROM (VALUES …) for the batch (bulk_update's CASE WHEN per
        # field and row cost two thirds of recording a batch of 50).
        update_fields(OutboxMessage, delivered, _OUTCOME_FIELDS)
        for message in messages:
            if message.pk in still_mine and message.status != OutboxStatus.DELIVERED:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    **{name: getattr(message, name) for name in _OUTCOME_FIELDS}
                )
                if message.status == OutboxStatus.DEAD:
                    dead_lettered(message)


def _release(messages: list[OutboxMessage], worker: str) -> None:
    OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages], status=OutboxStatus.DELIVERING, leased_by=worker
    ).update(status=OutboxStatus.PENDING, leased_until=None, leased_by="")


def deliver(message: OutboxMessage) -> bool:
    """One attempt of one claimed message, recorded at once."""
    worker = message.leased_by
    attempt(message)
    _record(worker, [message])
    return message.status == OutboxStatus.DELIVERED


def run_once(batch: int = 20, *, worker: str | None = None) -> int:
    """Claim and deliver one batch; returns how many were delivered."""
    worker = worker or worker_name()
    messages = claim(batch, worker=worker)
    unprepared = prepare_batch(messages) if messages else {}
    turns = _Turns(messages)
    done: list[OutboxMessage] = []
    safety = min(LEASE_SAFETY, timedelta(seconds=settings.OUTBOX_LEASE_SECONDS / 4))
    for index, message in enumerate(messages):
        if message.leased_until - timezone.now() < safety:
            _release(messages[index:], worker)
            break
        attempt(message, failed=unprepared.get(message.pk), turns=turns)
        done.append(message)
    _record(worker, done)
    return sum(message.status == OutboxStatus.DELIVERED for message in done)


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
            from plantwright.core.errors import PermissionDenied

            raise PermissionDenied("Only installation administrators handle installation-wide messages.")
        return
    authorize(actor, Perm.MANAGE_INTEGRATIONS, message.site_id)
