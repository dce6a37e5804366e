"""Connector settings per site: which connector, the webhook endpoint, secret rotation."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.erp.models import WebhookEndpoint
from plantwright.errors import ValidationFailed
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
    webhook_url: str = "",
    timeout_seconds: int = 10,
) -> ProcurementSettings:
    authorize(actor, Perm.MANAGE_INTEGRATIONS, site.pk)
    if connector not in ConnectorKind.values:
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
    settings = settings_for(site)
    settings.connector = connector
    settings.approval_threshold = approval_threshold
    settings.receiving_storeroom = receiving_storeroom
    settings.save()
    if webhook_url:
        endpoint, _ = WebhookEndpoint.objects.get_or_create(site=site, defaults={"url": webhook_url})
        endpoint.url, endpoint.timeout_seconds = webhook_url, timeout_seconds
        endpoint.save()
    return settings


@transaction.atomic
def rotate_secret(actor: User, site: Site, *, overlap: timedelta = WebhookEndpoint.ROTATION_OVERLAP) -> WebhookEndpoint:
    """A new secret from now; the old one keeps working for `overlap` so the ERP side can switch."""
    authorize(actor, Perm.MANAGE_INTEGRATIONS, site.pk)
    endpoint = WebhookEndpoint.objects.select_for_update().filter(site=site).first()
    if endpoint is None:
        raise ValidationFailed("Configure the webhook endpoint first.", details={"field": "webhook_url"})
    endpoint.rotate(overlap)
    return endpoint
