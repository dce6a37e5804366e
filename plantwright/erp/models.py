"""Where a site's ERP listens (webhook connector) and the secrets both sides sign with; the Tryton connection
and the requisitions Plantwright created in it."""

import os

from django.db import models

from plantwright.accounts.models import Site
from plantwright.outbox.webhooks import SignedEndpoint, new_secret  # noqa: F401 (migration 0001 names erp.models.new_secret)


class WebhookEndpoint(SignedEndpoint):
    """The ERP's address for the webhook connector: parts requests and cancellations are POSTed there."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="webhook_endpoint")


class TrytonConnection(models.Model):
    """Per site: the Tryton ERP that buys its parts requests (docs/erp/tryton.md).

    The password is never shown back; `PLANTWRIGHT_TRYTON_PASSWORD_<SITE CODE>` in the environment
    overrides the stored one, so production can keep it out of the database. Either is sent only to the
    URL it was entered for (`password_url`): whoever changes the URL must type the password again, so
    repointing the connection cannot hand the password to another server.
    """

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="tryton_connection")
    url = models.URLField(max_length=500, help_text="The Tryton server, e.g. https://erp.example.com")
    database = models.CharField(max_length=100)
    username = models.CharField(max_length=100)
    password = models.CharField(max_length=200, blank=True)
    password_url = models.URLField(max_length=500, blank=True, help_text="The URL the password was entered for")
    warehouse_code = models.CharField(max_length=60, default="WH", help_text="The warehouse to receive into")
    service_product_code = models.CharField(
        max_length=60, blank=True, help_text="The Tryton service product contractor lines are ordered as"
    )
    poll_every_seconds = models.PositiveIntegerField(default=60)
    lookback_seconds = models.PositiveIntegerField(
        default=600, help_text="How far before the checkpoint each poll reads again (long ERP transactions)"
    )
    checkpoint = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.site.code} → {self.url} ({self.database})"

    def environment_secret(self) -> str | None:
        return os.environ.get(f"PLANTWRIGHT_TRYTON_PASSWORD_{self.site.code.upper()}")

    def secret(self) -> str:
        """The password, only for the URL it was entered for ('' otherwise)."""
        if not self.url or self.url != self.password_url:
            return ""
        environment = self.environment_secret()
        return environment if environment is not None else self.password


class TrytonRequisition(models.Model):
    """The purchase requisition a parts request became in Tryton."""

    parts_request = models.OneToOneField(
        "procurement.PartsRequest", on_delete=models.PROTECT, related_name="tryton_requisition"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    requisition_id = models.PositiveIntegerField()
    number = models.CharField(max_length=60, blank=True)
    rejected = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "requisition_id"], name="tryton_requisition_once")]

    def __str__(self) -> str:
        return f"{self.parts_request_id} → requisition {self.requisition_id}"


class TrytonLine(models.Model):
    """A requisition line and the request line it orders: the key the poller maps purchases back with."""

    requisition = models.ForeignKey(TrytonRequisition, on_delete=models.CASCADE, related_name="lines")
    requisition_line_id = models.PositiveIntegerField()
    request_line = models.OneToOneField(
        "procurement.PartsRequestLine", on_delete=models.PROTECT, related_name="tryton_line"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["requisition", "requisition_line_id"], name="tryton_line_once")]

    def __str__(self) -> str:
        return f"requisition line {self.requisition_line_id} → request line {self.request_line_id}"
