"""The outbox over HTTP: what is waiting, what is dead, retry or cancel by hand."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import PathId
from plantwright.outbox import selectors, services

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
