"""Connector settings per site: which connector, the webhook endpoint, secret rotation."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.crypto import constant_time_compare

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.errors import ValidationFailed
from plantwright.core.http.outbound import check_url
from plantwright.erp.connectors import connector_types
from plantwright.erp.models import TrytonConnection, WebhookEndpoint
from plantwright.inventory.models import Storeroom
from plantwright.procurement.models import ConnectorKind, ProcurementSettings
from plantwright.procurement.services import settings_for


@transaction.atomic
def configure_site(
    actor: User,
    site: Site,
    *,
    connector: str,
    approval_threshold: Decimal | None = None,
    receiving_storeroom: Storeroom | None = None,
    invoice_without_receipt_days: int | None = None,
    webhook_url: str = "",
    timeout_seconds: int = 10,
    **tryton: Any,
) -> ProcurementSettings:
    """Choose the site's connector and set it up. `tryton_*` keywords (url, database, username, password,
    warehouse_code, service_product_code, poll_every_seconds) describe the Tryton connection."""
    authorize(actor, Perm.MANAGE_INTEGRATIONS, site.pk)
    if connector not in connector_types():
        raise ValidationFailed(f"Unknown connector {connector!r}.", details={"field": "connector"})
    if approval_threshold is not None and approval_threshold < 0:
        raise ValidationFailed("The approval threshold cannot be negative.", details={"field": "approval_threshold"})
    if receiving_storeroom is not None and receiving_storeroom.site_id != site.pk:
        raise ValidationFailed(
            "The receiving storeroom must be at this site.", details={"field": "receiving_storeroom"}
        )
    if connector == ConnectorKind.WEBHOOK and not webhook_url:
        raise ValidationFailed("The webhook connector needs the ERP's URL.", details={"field": "webhook_url"})
    if not 1 <= timeout_seconds <= 120:
        raise ValidationFailed("The timeout is 1 to 120 seconds.", details={"field": "timeout_seconds"})
    if invoice_without_receipt_days is not None and not 1 <= invoice_without_receipt_days <= 365:
        raise ValidationFailed(
            "An invoice waits 1 to 365 days for its receipt.", details={"field": "invoice_without_receipt_days"}
        )
    if webhook_url:
        check_url(webhook_url, field="webhook_url")
    connection = _tryton_connection(site, connector, tryton)
    settings = settings_for(site)
    settings.connector = connector
    settings.approval_threshold = approval_threshold
    settings.receiving_storeroom = receiving_storeroom
    if invoice_without_receipt_days is not None:
        settings.invoice_without_receipt_days = invoice_without_receipt_days
    settings.save()
    if webhook_url:
        endpoint, _ = WebhookEndpoint.objects.get_or_create(site=site, defaults={"url": webhook_url})
        endpoint.url, endpoint.timeout_seconds = webhook_url, timeout_seconds
        endpoint.save()
    if connection is not None:
        connection.save()
    return settings


TRYTON_FIELDS = (
    "url",
    "database",
    "username",
    "password",
    "warehouse_code",
    "service_product_code",
    "poll_every_seconds",
)


def _tryton_connection(site: Site, connector: str, given: dict[str, Any]) -> TrytonConnection | None:
    """The Tryton connection as given (a password left empty keeps the stored one); None if not touched."""
    unknown = set(given) - {f"tryton_{name}" for name in TRYTON_FIELDS}
    if unknown:
        raise ValidationFailed(f"Unknown setting {sorted(unknown)[0]!r}.", details={"field": sorted(unknown)[0]})
    values = {name: given.get(f"tryton_{name}") for name in TRYTON_FIELDS}
    if connector != ConnectorKind.TRYTON and not values["url"]:
        return None
    connection = TrytonConnection.objects.filter(site=site).first() or TrytonConnection(site=site)
    for name in ("url", "database", "username", "warehouse_code", "service_product_code"):
        if values[name] is not None:
            setattr(connection, name, values[name].strip())
    if values["url"]:
        check_url(connection.url, field="tryton_url")
    if connection.url != connection.password_url:
        connection.password, connection.password_url = "", ""  # a new address must be given the password anew
    if values["password"]:
        environment = connection.environment_secret()
        if environment is not None and not constant_time_compare(values["password"], environment):
            raise ValidationFailed(
                f"This installation takes the password from PLANTWRIGHT_TRYTON_PASSWORD_{site.code.upper()}: "
                "type that password to confirm the address.",
                code="password_mismatch",
                details={"field": "tryton_password"},
            )
        connection.password = "" if environment is not None else values["password"]
        connection.password_url = connection.url
    if values["poll_every_seconds"] is not None:
        if not 5 <= values["poll_every_seconds"] <= 3600:
            raise ValidationFailed("Poll every 5 to 3600 seconds.", details={"field": "tryton_poll_every_seconds"})
        connection.poll_every_seconds = values["poll_every_seconds"]
    if connector == ConnectorKind.TRYTON:
        for name in ("url", "database", "username", "warehouse_code"):
            if not getattr(connection, name):
                raise ValidationFailed(
                    f"The Tryton connector needs the {name.replace('_', ' ')}.", details={"field": f"tryton_{name}"}
                )
        if not connection.secret():
            raise ValidationFailed(
                "The Tryton connector needs the password (again, when its URL changes).",
                code="password_needed",
                details={"field": "tryton_password"},
            )
    return connection


@transaction.atomic
def rotate_secret(actor: User, site: Site, *, overlap: timedelta = WebhookEndpoint.ROTATION_OVERLAP) -> WebhookEndpoint:
    """A new secret from now; the old one keeps working for `overlap` so the ERP side can switch."""
    authorize(actor, Perm.MANAGE_INTEGRATIONS, site.pk)
    endpoint = WebhookEndpoint.objects.select_for_update().filter(site=site).first()
    if endpoint is None:
        raise ValidationFailed("Configure the webhook endpoint first.", details={"field": "webhook_url"})
    endpoint.rotate(overlap)
    return endpoint
