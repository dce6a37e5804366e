"""`POST /api/v1/downtime-events`: one event or a batch, from the OEE platform's integration account;
`GET` the events as stored (refused ones with their reason) and the stops."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import answer_events, errors, events_body, read_events
from plantwright.downtime import selectors, services

router = Router(tags=["downtime"])

MAX_BATCH = 1000


class DowntimeResultOut(Schema):
    event_id: str
    id: int | None
    status: str
    stop: int | None
    work_order: str | None
    decision: str
    error: dict | None
    replayed: bool


class DowntimeBatchOut(Schema):
    results: list[DowntimeResultOut]


class DowntimeStopOut(Schema):
    id: int
    site: int
    asset: int
    asset_code: str
    started_at: str
    ended_at: str | None
    category: str
    reason_code: str
    work_order: str | None
    decision: str

    @staticmethod
    def resolve_site(obj) -> int:
        return obj.site_id

    @staticmethod
    def resolve_asset(obj) -> int:
        return obj.asset_id

    @staticmethod
    def resolve_asset_code(obj) -> str:
        return obj.asset.code

    @staticmethod
    def resolve_started_at(obj) -> str:
        return obj.started_at.isoformat()

    @staticmethod
    def resolve_ended_at(obj) -> str | None:
        return obj.ended_at.isoformat() if obj.ended_at else None

    @staticmethod
    def resolve_work_order(obj) -> str | None:
        return obj.work_order.number if obj.work_order_id else None


_BODY = events_body(services.DowntimeEventIn, MAX_BATCH, "DowntimeEventBatch")


@router.post(
    "/downtime-events",
    response={200: DowntimeResultOut | DowntimeBatchOut, **errors(403, 409, 422)},
    openapi_extra=_BODY,
    summary="Receive downtime events (one or a batch)",
    description=(
        "Each event is applied once per `event_id`; a stop is identified by machine and `started_at`, so "
        "a start and a later end event make one stop. The site's rules decide whether it opens a WO or "
        "attaches to the machine's open downtime WO. Refused events are stored with the reason "
        "(single event: its error status; batch: 422 `events_rejected` with every result)."
    ),
)
def receive_downtime_events(request: HttpRequest):
    events, batch = read_events(request.body, MAX_BATCH)
    results = services.ingest(request.user, events, source=f"http:{request.user.username}")
    return answer_events(results, batch=batch)


@router.get("/downtime-stops", response={200: list[DowntimeStopOut], **errors(422)})
@paginate(BoundedPagination)
def list_stops(request: HttpRequest, site: int | None = None, asset: int | None = None):
    return selectors.list_stops(request.user, site_id=site, asset_id=asset)


class DowntimeEventOut(Schema):
    id: int
    site: int | None = Field(validation_alias="site_id")
    source: str
    event_id: str
    status: str
    error: dict = Field(description="Why it was refused: {code, message, details, status}; empty if applied")
    stop: int | None = Field(validation_alias="stop_id", description="The stop it opened or closed")
    received_at: datetime
    payload: dict | list


class EventFilters(Schema):
    status: Literal["applied", "rejected"] | None = None
    site: int | None = Field(None, ge=1, le=2**63 - 1)
    event_id: str | None = Field(None, min_length=1, max_length=200, description="One sender's event, by its id")


@router.get("/downtime-events", response={200: list[DowntimeEventOut], **errors(422)})
@paginate(BoundedPagination)
def list_events(request: HttpRequest, filters: Query[EventFilters]):
    """Downtime events as stored, newest first, of the sites where the caller keeps the downtime rules:
    `status=rejected` lists the refused ones with their reason; `event_id` finds one event and its stop."""
    return selectors.list_events(request.user, status=filters.status, site_id=filters.site, event_id=filters.event_id)
