"""A site's connector settings over HTTP: what *Sites → Connector* does, for setup scripts
(docs/erp-integration.md, docs/erp/tryton.md). Secrets are write-only: the Tryton password is never
answered; the webhook's signing secret, which Plantwright makes, is answered once, when the endpoint
is made or its secret rotated (`manage_integrations`)."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from plantwright.accounts.models import Site
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, get_site
from plantwright.core.errors import ValidationFailed
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import Id, Money, PathId, Text
from plantwright.erp import services
from plantwright.erp.connectors import connector_types
from plantwright.erp.models import TrytonConnection, WebhookEndpoint
from plantwright.inventory.models import Storeroom
from plantwright.procurement.services import site_settings

router = Router(tags=["connector"])

Url = Text(500, pattern=r"^https?://[^\s]+$")
ConnectorName = Literal[tuple(connector_types())]  # type: ignore[valid-type]


class TrytonIn(Schema):
    model_config = ConfigDict(extra="forbid")  # each field strict of its own (Money reads decimal text)
    url: Url | None = None
    database: Text(100) | None = None
    username: Text(100) | None = None
    password: str | None = Field(
        default=None, min_length=1, max_length=200, description="Write-only; omitted: the stored one is kept"
    )
    warehouse_code: Text(60) | None = None
    service_product_code: Text(60, min_length=0) | None = None
    poll_every_seconds: int | None = Field(default=None, strict=True, ge=5, le=3600)


class ConnectorIn(Schema):
    model_config = ConfigDict(extra="forbid")
    connector: ConnectorName
    approval_threshold: Money | None = Field(default=None, description="Requests estimated above it need approval")
    receiving_storeroom: Id | None = None
    invoice_without_receipt_days: int | None = Field(default=None, strict=True, ge=1, le=365)
    webhook_url: Url | None = Field(default=None, description="The ERP's URL (the webhook connector)")
    timeout_seconds: int = Field(default=10, strict=True, ge=1, le=120)
    tryton: TrytonIn | None = None


class TrytonOut(Schema):
    url: str
    database: str
    username: str
    password_set: bool
    warehouse_code: str
    service_product_code: str
    poll_every_seconds: int
    last_polled_at: datetime | None
    last_poll_error: str


class WebhookOut(Schema):
    url: str
    timeout_seconds: int
    previous_secret_valid_until: datetime | None


class ConnectorOut(Schema):
    site: int
    connector: str
    approval_threshold: Decimal | None
    receiving_storeroom: int | None
    invoice_without_receipt_days: int
    webhook: WebhookOut | None
    tryton: TrytonOut | None
    webhook_secret: str | None = Field(
        default=None, description="Only when the webhook endpoint was just made, or its secret rotated"
    )


def _answer(site: Site, *, secret: bool = False) -> dict:
    settings = site_settings(site)
    endpoint = WebhookEndpoint.objects.filter(site=site).first()
    tryton = TrytonConnection.objects.filter(site=site).first()
    webhook = tryton_out = None
    if endpoint is not None:
        webhook = {"url": endpoint.url, "timeout_seconds": endpoint.timeout_seconds,
                   "previous_secret_valid_until": endpoint.previous_valid_until}  # fmt: skip
    if tryton is not None:
        tryton_out = {
            "url": tryton.url, "database": tryton.database, "username": tryton.username,
            "password_set": bool(tryton.secret()), "warehouse_code": tryton.warehouse_code,
            "service_product_code": tryton.service_product_code, "poll_every_seconds": tryton.poll_every_seconds,
            "last_polled_at": tryton.last_polled_at, "last_poll_error": tryton.last_poll_error,
        }  # fmt: skip
    return {
        "site": site.pk,
        "connector": settings.connector,
        "approval_threshold": settings.approval_threshold,
        "receiving_storeroom": settings.receiving_storeroom_id,
        "invoice_without_receipt_days": settings.invoice_without_receipt_days,
        "webhook": webhook,
        "tryton": tryton_out,
        "webhook_secret": endpoint.secret if secret and endpoint else None,
    }


def _site(request: HttpRequest, site_id: int) -> Site:
    site = get_site(request.user, site_id)
    authorize(request.user, Perm.MANAGE_INTEGRATIONS, site.pk)
    return site


@router.get("/sites/{site_id}/connector", response={200: ConnectorOut, **errors(403, 404)})
def get_connector(request: HttpRequest, site_id: PathId):
    """Which connector buys the site's parts requests, and how it is set up (no secret)."""
    return _answer(_site(request, site_id))


@router.put("/sites/{site_id}/connector", response={200: ConnectorOut, **errors(403, 404, 409, 422)})
def set_connector(request: HttpRequest, site_id: PathId, payload: ConnectorIn):
    """Choose and set up the connector, as the page does: omitted Tryton fields keep what is stored.
    The answer holds `webhook_secret` when this call made the webhook endpoint."""
    site = _site(request, site_id)
    storeroom = None
    if payload.receiving_storeroom is not None:
        storeroom = Storeroom.objects.filter(pk=payload.receiving_storeroom, site=site).first()
        if storeroom is None:
            raise ValidationFailed(f"Storeroom {payload.receiving_storeroom} does not exist at {site.code}.",
                                   details={"field": "receiving_storeroom"})  # fmt: skip
    had_endpoint = WebhookEndpoint.objects.filter(site=site).exists()
    tryton = payload.tryton.dict(exclude_none=True) if payload.tryton else {}
    services.configure_site(
        request.user,
        site,
        connector=payload.connector,
        approval_threshold=payload.approval_threshold,
        receiving_storeroom=storeroom,
        invoice_without_receipt_days=payload.invoice_without_receipt_days,
        webhook_url=payload.webhook_url or "",
        timeout_seconds=payload.timeout_seconds,
        **{f"tryton_{name}": value for name, value in tryton.items()},
    )
    made = not had_endpoint and WebhookEndpoint.objects.filter(site=site).exists()
    return _answer(site, secret=made)


@router.post("/sites/{site_id}/connector/rotate-secret", response={200: ConnectorOut, **errors(403, 404, 422)})
def rotate_connector_secret(request: HttpRequest, site_id: PathId):
    """A new signing secret for the webhook connector, answered once; the old one keeps working for 24 h
    so the ERP side can switch."""
    site = _site(request, site_id)
    services.rotate_secret(request.user, site)
    return _answer(site, secret=True)
