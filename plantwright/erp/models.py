"""Where a site's ERP listens (webhook connector) and the secrets both sides sign with."""

import secrets as secret_tokens
from datetime import timedelta

from django.db import models
from django.utils import timezone

from plantwright.accounts.models import Site


def new_secret() -> str:
    return "whsec_" + secret_tokens.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="webhook_endpoint")
    url = models.URLField(max_length=500, help_text="Where parts requests and cancellations are POSTed.")
    secret = models.CharField(max_length=100, default=new_secret)
    # After a rotation the old secret stays valid for a while, so neither side has to switch at the same second.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    timeout_seconds = models.PositiveSmallIntegerField(default=10)
    updated_at = models.DateTimeField(auto_now=True)

    ROTATION_OVERLAP = timedelta(hours=24)

    def __str__(self) -> str:
        return f"{self.site.code} → {self.url}"

    def valid_secrets(self) -> list[str]:
        valid = [self.secret]
        if self.previous_secret and self.previous_valid_until and self.previous_valid_until > timezone.now():
            valid.append(self.previous_secret)
        return valid
