"""One interface, chosen per site: how a parts request reaches purchasing, and how a cancelled line is told.

The outbox worker calls these; they run outside the business transaction and may be retried, so
every call carries the outbox message's idempotency key for the far side to drop repeats.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from plantwright.erp.models import TrytonConnection, WebhookEndpoint
from plantwright.erp.payloads import cancellation_payload, parts_request_payload
from plantwright.erp.tryton.connector import TrytonConnector
from plantwright.outbox.models import OutboxMessage
from plantwright.outbox.registry import PermanentError, RetryableDeliveryError, register
from plantwright.outbox.webhooks import post_signed
from plantwright.procurement.models import ConnectorKind, PartsRequest, PartsRequestLine, ProcurementSettings
from plantwright.procurement.services import CANCEL_TOPIC, SUBMIT_TOPIC


class Connector(Protocol):
    kind: str

    def submit_parts_request(self, request: PartsRequest, message: OutboxMessage) -> dict[str, Any]: ...

    def cancel(self, request_line: PartsRequestLine, message: OutboxMessage) -> dict[str, Any]: ...


class BuiltinConnector:
    """No ERP: the request waits in Plantwright's own purchasing queue, where buyers turn it into POs."""

    kind = ConnectorKind.BUILTIN

    def submit_parts_request(self, request: PartsRequest, message: OutboxMessage) -> dict[str, Any]:
        return {"queued": "purchasing", "lines": request.lines.count()}

    def cancel(self, request_line: PartsRequestLine, message: OutboxMessage) -> dict[str, Any]:
        # Buyers see the cancelled line in the queue; a PO line already sent is cancelled on the PO page.
        return {"cancelled": request_line.pk}


class WebhookConnector:
    """POST signed JSON to the ERP's URL. 2xx delivered; 408/429/5xx/timeouts retried; other 4xx dead."""

    kind = ConnectorKind.WEBHOOK

    def __init__(self, endpoint: WebhookEndpoint):
        self.endpoint = endpoint

    def submit_parts_request(self, request: PartsRequest, message: OutboxMessage) -> dict[str, Any]:
        return self.post(parts_request_payload(request, message.idempotency_key), message)

    def cancel(self, request_line: PartsRequestLine, message: OutboxMessage) -> dict[str, Any]:
        return self.post(cancellation_payload(request_line, message.idempotency_key), message)

    def post(self, payload: dict[str, Any], message: OutboxMessage) -> dict[str, Any]:
        return post_signed(self.endpoint, payload, idempotency_key=message.idempotency_key)


@dataclass(frozen=True)
class ConnectorType:
    """A kind of connector a site may choose: its name on the settings page and how to build it."""

    kind: str
    label: Any  # a (lazy) translated name
    build: Callable[[Any], Connector]


_TYPES: dict[str, ConnectorType] = {}


def register_connector(kind: str, label: Any, build: Callable[[Any], Connector]) -> None:
    """Make a connector kind choosable per site (no migration: the site's setting is its kind's name)."""
    _TYPES[kind] = ConnectorType(kind, label, build)


def connector_types() -> dict[str, ConnectorType]:
    return dict(_TYPES)


def connector_for(site) -> Connector:
    """The site's connector (reads `site.procurement_settings` and its endpoint or connection: select them)."""
    try:
        kind = site.procurement_settings.connector
    except ProcurementSettings.DoesNotExist:
        kind = ConnectorKind.BUILTIN
    if kind not in _TYPES:
        raise RetryableDeliveryError(f"No connector {kind!r} is installed for {site.code}.")
    return _TYPES[kind].build(site)


def _webhook(site) -> Connector:
    try:
        return WebhookConnector(site.webhook_endpoint)
    except WebhookEndpoint.DoesNotExist:
        raise RetryableDeliveryError(
            f"{site.code} uses the webhook connector but has no endpoint configured."
        ) from None


def _tryton(site) -> Connector:
    try:
        return TrytonConnector(site.tryton_connection)
    except TrytonConnection.DoesNotExist:
        raise RetryableDeliveryError(f"{site.code} uses the Tryton connector but has no connection set up.") from None


register_connector(ConnectorKind.BUILTIN, _("Built-in purchasing (no ERP)"), lambda site: BuiltinConnector())
register_connector(ConnectorKind.WEBHOOK, _("Signed webhook to an ERP"), _webhook)
register_connector(ConnectorKind.TRYTON, _("Tryton ERP (JSON-RPC)"), _tryton)


_SITE_CONNECTOR = ("site__procurement_settings", "site__webhook_endpoint", "site__tryton_connection")


def _submissions():
    lines = PartsRequestLine.objects.select_related("part", "suggested_vendor")
    return PartsRequest.objects.select_related(
        *_SITE_CONNECTOR, "work_order__asset", "requested_by", "approved_by"
    ).prefetch_related(Prefetch("lines", queryset=lines))


def _prepare_submissions(messages: list[OutboxMessage]) -> None:
    """Load every request of a claimed batch in two queries."""
    ids = [message.payload.get("parts_request") for message in messages]
    requests = {request.pk: request for request in _submissions().filter(pk__in=ids)}
    for message in messages:
        message.prepared = requests.get(message.payload.get("parts_request"))


def _deliver_submission(message: OutboxMessage) -> dict[str, Any]:
    request = getattr(message, "prepared", None) or _submissions().filter(pk=message.payload["parts_request"]).first()
    if request is None:
        raise PermanentError(f"Parts request {message.payload['parts_request']} no longer exists.")
    return connector_for(request.site).submit_parts_request(request, message)


def _deliver_cancellation(message: OutboxMessage) -> dict[str, Any]:
    line = PartsRequestLine.objects.select_related("request__site").filter(pk=message.payload["request_line"]).first()
    if line is None:
        raise PermanentError(f"Request line {message.payload['request_line']} no longer exists.")
    return connector_for(line.request.site).cancel(line, message)


def register_outbox_handlers() -> None:
    register(SUBMIT_TOPIC, _deliver_submission, prepare=_prepare_submissions)
    register(CANCEL_TOPIC, _deliver_cancellation)
