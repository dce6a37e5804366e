"""What people are told (in the app and by e-mail), and how each wants to be told."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REQUEST_TRIAGED = "request_triaged", _("My request was approved or rejected")
    WO_ASSIGNED = "wo_assigned", _("A WO was assigned to me")
    PARTS_RECEIVED = "parts_received", _("Parts arrived for a WO of mine")
    DEAD_LETTER = "dead_letter", _("A message to the ERP or OEE side failed for good (admins)")


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=2000)
    link = models.CharField(max_length=300, blank=True, help_text="A path in Plantwright")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"


class Preference(models.Model):
    """A user's choice for one kind; without a row, both channels are on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: app={self.in_app} email={self.email}"
