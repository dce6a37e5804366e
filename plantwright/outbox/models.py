"""The transactional outbox: a message to another system, written in the same transaction as the
business change that causes it, and delivered later by a worker with retries and a dead-letter state."""

import json

from django.db import models
from django.utils.translation import gettext_lazy as _

from plantwright.outbox.webhooks import SignedEndpoint


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERING = "delivering", _("Delivering")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Dead-lettered")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMessage(models.Model):
    topic = models.CharField(max_length=80, help_text="Which handler delivers it, e.g. erp.submit_parts_request")
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payload = models.JSONField(default=dict)
    # Sent with every attempt so the receiver can drop repeats (a retry after a lost answer).
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=10)
    next_attempt_at = models.DateTimeField()
    # A claimed message belongs to one worker until the lease ends; a killed worker's lease runs out.
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Messages with the same key are delivered in the order they were written (one WO's status
    # changes to one subscriber); empty: any order.
    ordering_key = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["topic", "status"]),
            models.Index(
                fields=["ordering_key", "id"],
                name="outbox_in_order",
                condition=models.Q(status__in=["pending", "delivering"]) & ~models.Q(ordering_key=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} ({self.status})"

    @property
    def payload_text(self) -> str:
        """The payload as the receiver gets it (JSON), for the outbox page."""
        return json.dumps(self.payload, ensure_ascii=False, sort_keys=True)


class EventSubscription(SignedEndpoint):
    """A URL another system gave us to hear of a site's events (docs/webhooks.md): each event of the
    types it chose is POSTed to it, signed with its secret, through the outbox — retried, logged, in
    order per subject (one WO's events arrive as they happened)."""

    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, related_name="event_subscriptions")
    name = models.CharField(max_length=120)
    event_types = models.JSONField(default=list, help_text="The event types it hears (events.EVENT_TYPES)")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "name", "id"]
