"""Where a site's ERP listens (webhook connector) and the secrets both sides sign with."""

from django.db import models

from plantwright.accounts.models import Site
from plantwright.webhooks import SignedEndpoint, new_secret  # noqa: F401 (migration 0001 names erp.models.new_secret)


class WebhookEndpoint(SignedEndpoint):
    """The ERP's address for the webhook connector: parts requests and cancellations are POSTed there."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="webhook_endpoint")
