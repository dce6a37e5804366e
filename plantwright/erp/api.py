"""Inbound ERP events: `POST /api/v1/erp/events?site=CODE` (one event or a batch).

Authenticated by the site's webhook signature when the site uses the webhook connector (a bearer
token is not enough then: the ERP proves it holds the shared secret), otherwise by a bearer token of
a user who manages integrations at the site.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, site_by_code
from plantwright.accounts.services import authenticate_token
from plantwright.core.errors import NotFound, Unauthenticated
from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import answer_events, errors, events_body, read_events
from plantwright.core.inbound import InboundResult
from plantwright.erp.models import WebhookEndpoint
from plantwright.outbox.webhooks import verify
from plantwright.procurement import selectors
from plantwright.procurement.event_schemas import ErpEventIn
from plantwright.procurement.events import ingest
from plantwright.procurement.models import ConnectorKind
from plantwright.procurement.services import site_settings

router = Router(tags=["ERP events"])

MAX_BATCH = 1000


class EventResultOut(Schema):
    event_id: str
    id: int | None
    type: str
    status: str
    error: dict[str, Any] | None
    replayed: bool


class BatchOut(Schema):
    results: list[EventResultOut]


class ErpEventOut(Schema):
    id: int
    site: int
    source: str
    event_id: str
    type: str
    status: str
    po_number: str
    occurred_at: datetime | None
    received_at: datetime
    applied_at: datetime | None
    error: dict[str, Any]
    payload: Any

    @staticmethod
    def resolve_site(obj) -> int:
        return obj.site_id


# Signed requests are authenticated inside the operation (the signature covers the raw body).
_OPENAPI_BODY = {
    **events_body(ErpEventIn, MAX_BATCH, "ErpEventBatch"),
    "parameters": [
        {"in": "header", "name": "X-Plantwright-Timestamp", "required": False, "schema": {"type": "string"}},
        {"in": "header", "name": "X-Plantwright-Signature", "required": False, "schema": {"type": "string"}},
    ],
    "security": [{"BearerToken": []}, {"WebhookSignature": []}],
}


def _site(code: str | None) -> Site:
    site = site_by_code(code) if code else None
    if site is None:
        raise NotFound(f"No site {code!r}; send ?site=<site code>.", code="unknown_site")
    return site


def _authenticate(request: HttpRequest, site: Site) -> str:
    """The event source the caller speaks for."""
    if site_settings(site).connector == ConnectorKind.WEBHOOK:
        endpoint = WebhookEndpoint.objects.filter(site=site).first()
        if endpoint is None:
            raise Unauthenticated(f"{site.code} has no webhook endpoint configured.", code="signature_invalid")
        verify(endpoint.valid_secrets(), request.headers, request.body)
        return f"webhook:{site.code}"
    header = request.headers.get("Authorization", "")
    user: User | None = authenticate_token(header[7:].strip()) if header.startswith("Bearer ") else None
    if user is None:
        raise Unauthenticated("A bearer token of an integration user is needed.")
    authorize(user, Perm.MANAGE_INTEGRATIONS, site.pk)
    return f"api:{site.code}"


@router.post(
    "/erp/events",
    auth=None,
    response={200: EventResultOut | BatchOut, **errors(401, 403, 404, 409, 422)},
    openapi_extra=_OPENAPI_BODY,
    summary="Receive ERP events (one or a batch)",
    description=(
        "Applies `po.created`, `po.updated`, `po.cancelled`, `request.rejected`, `receipt.posted` and "
        "`invoice.posted` exactly once per `event_id` and source. A replay answers what the first copy "
        "became. A receipt or invoice whose PO is not yet known is parked (`status: parked`) and applied "
        "when `po.created` arrives. A refused event is stored and answered with its error (single event: "
        "the error's status; batch: 422 `events_rejected` listing every result; the accepted ones stand). "
        "See docs/erp-integration.md."
    ),
)
def receive_events(request: HttpRequest, site: str | None = None):
    site_obj = _site(site or request.headers.get("X-Plantwright-Site"))
    source = _authenticate(request, site_obj)
    raw_events, batch = read_events(request.body, MAX_BATCH)
    results: list[InboundResult] = ingest(site_obj, source, raw_events)
    return answer_events(results, batch=batch)


@router.get(
    "/erp/events",
    response={200: list[ErpEventOut], **errors(403, 422)},
    summary="Inbound events as stored (for integrators and admins)",
)
@paginate(BoundedPagination)
def list_events(request: HttpRequest, site: int | None = None, status: str | None = None):
    return selectors.list_erp_events(request.user, site_id=site, status=status)
