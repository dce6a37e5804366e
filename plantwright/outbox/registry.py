"""Topic → delivery function. Apps higher up register their handlers at start-up (AppConfig.ready)."""

from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], dict[str, Any] | None]
# Called once per claimed batch with that topic's messages, to load what the handler needs in a few
# queries instead of a few per message; it may set attributes on the messages for the handler.
Prepare = Callable[[list[Any]], None]

_HANDLERS: dict[str, tuple[Handler, Prepare | None]] = {}


class PermanentError(Exception):
    """Delivery can never succeed (the receiver refused the content): dead-letter at once, no retries."""


class RetryableDeliveryError(Exception):
    """The far side could not take it now; the outbox tries again later."""


class Waiting(Exception):
    """Not this message's turn: an earlier one with its ordering key is not delivered yet. It is tried
    again soon, without counting as an attempt, so waiting never dead-letters it."""


def register(topic: str, handler: Handler, *, prepare: Prepare | None = None) -> None:
    _HANDLERS[topic] = (handler, prepare)


def handler_for(topic: str) -> Handler | None:
    entry = _HANDLERS.get(topic)
    return entry[0] if entry else None


def prepare_batch(messages: list[Any]) -> dict[int, Exception]:
    """Run each topic's preparation; a topic whose preparation raises fails the attempt of its messages
    (returned by message id), never the batch: one poisoned message cannot stop the others."""
    from django.db import InterfaceError, OperationalError

    by_topic: dict[str, list[Any]] = {}
    for message in messages:
        by_topic.setdefault(message.topic, []).append(message)
    failed: dict[int, Exception] = {}
    for topic, group in by_topic.items():
        entry = _HANDLERS.get(topic)
        if entry and entry[1]:
            try:
                entry[1](group)
            except (OperationalError, InterfaceError):
                raise  # the database is away: the worker waits, the leases hand the batch back
            except Exception as exc:
                failed.update((message.pk, exc) for message in group)
    return failed


# Called with each message that has just been dead-lettered, inside the transaction that records it
# (notifications registers one: the admins hear of it).
_ON_DEAD: list[Callable[[Any], None]] = []


def on_dead_letter(callback: Callable[[Any], None]) -> None:
    _ON_DEAD.append(callback)


def dead_lettered(message: Any) -> None:
    for callback in _ON_DEAD:
        callback(message)
