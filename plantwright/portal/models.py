"""QR codes on assets, and what the request portal has accepted (for its rate limits)."""

import secrets

from django.db import models

from plantwright.assets.models import Asset


def new_code() -> str:
    return secrets.token_urlsafe(9)  # 12 characters: short in a QR, not guessable


class AssetCode(models.Model):
    """The code in an asset's QR label: /q/<code>. Replacing it voids the printed labels."""

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="portal_code")
    code = models.CharField(max_length=20, unique=True, default=new_code)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.asset.code}: {self.code}"


class PortalSubmission(models.Model):
    """One request raised through the portal: who (address) and for what, counted by the rate limits."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    address = models.GenericIPAddressField()
    work_request_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["address", "created_at"]), models.Index(fields=["asset", "created_at"])]

    def __str__(self) -> str:
        return f"{self.address} → {self.asset_id} at {self.created_at}"
