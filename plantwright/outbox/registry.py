"""Topic → delivery function. Apps higher up register their handlers at start-up (AppConfig.ready)."""

from collections.abc import Callable
from typing import Any

Handler = Callable[["OutboxMessage"], dict[str, Any] | None]  # noqa: F821

_HANDLERS: dict[str, Handler] = {}


class PermanentError(Exception):
    """Delivery can never succeed (the receiver refused the content): dead-letter at once, no retries."""


def register(topic: str, handler: Handler) -> None:
    _HANDLERS[topic] = handler


def handler_for(topic: str) -> Handler | None:
    return _HANDLERS.get(topic)
