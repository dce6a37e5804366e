"""The optional signed webhook that tells the OEE platform the status of downtime WOs (besides MQTT)."""

from datetime import timedelta

from django.db import transaction

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.errors import ValidationFailed
from plantwright.core.http.outbound import check_url
from plantwright.downtime.models import OeeWebhook


@transaction.atomic
def configure_oee_webhook(actor: User, site: Site, *, url: str, active: bool, timeout_seconds: int = 10) -> OeeWebhook:
    authorize(actor, Perm.MANAGE_INTEGRATIONS, site.pk)
    url = url.strip()
    check_url(url)
    if not 1 <= timeout_seconds <= 120:
        raise ValidationFailed("The timeout is 1 to 120 seconds.", details={"field": "timeout_seconds"})
    webhook, _ = OeeWebhook.objects.select_for_update().get_or_create(site=site, defaults={"url": url})
    webhook.url, webhook.active, webhook.timeout_seconds = url, active, timeout_seconds
    webhook.save()
    return webhook


@transaction.atomic
def rotate_oee_secret(actor: User, site: Site, *, overlap: timedelta = OeeWebhook.ROTATION_OVERLAP) -> OeeWebhook:
    """A new secret from now; the old one is still sent alongside for `overlap`."""
    authorize(actor, Perm.MANAGE_INTEGRATIONS, site.pk)
    webhook = OeeWebhook.objects.select_for_update().filter(site=site).first()
    if webhook is None:
        raise ValidationFailed("Configure the webhook first.", details={"field": "url"})
    webhook.rotate(overlap)
    return webhook
