"""Machine stops reported by the OEE/MES platform, the rules that turn them into WOs, and the raw events."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset
from plantwright.maintenance.models import Priority, WorkOrder, WorkOrderType
from plantwright.outbox.webhooks import SignedEndpoint


class Category(models.TextChoices):
    BREAKDOWN = "breakdown", _("Breakdown")
    MINOR_STOP = "minor_stop", _("Minor stop")
    CHANGEOVER = "changeover", _("Changeover")
    STARVED = "starved", _("Starved (no material)")
    BLOCKED = "blocked", _("Blocked (downstream)")
    PLANNED_STOP = "planned_stop", _("Planned stop")
    QUALITY = "quality", _("Quality stop")
    OTHER = "other", _("Other")


class RuleAction(models.TextChoices):
    OPEN_WORK_ORDER = "open_wo", _("Open a WO for the stop")
    REPEATED = "repeated", _("Open a WO when stops repeat")
    IGNORE = "ignore", _("Ignore")


class DowntimeRule(models.Model):
    """Evaluated in `position` order per site; the first rule that matches a stop decides."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="downtime_rules")
    position = models.PositiveIntegerField(default=10)
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    categories = models.JSONField(default=list, blank=True, help_text=_("Empty: any category"))
    reason_codes = models.JSONField(default=list, blank=True, help_text=_("Empty: any reason code"))
    action = models.CharField(max_length=10, choices=RuleAction.choices)
    min_duration_minutes = models.PositiveIntegerField(
        default=0, help_text=_("A stop shorter than this does not open a WO (open_wo).")
    )
    repeat_count = models.PositiveIntegerField(null=True, blank=True, help_text=_("repeated: this many stops …"))
    repeat_window_hours = models.PositiveIntegerField(null=True, blank=True, help_text=_("… within these hours"))
    work_order_type = models.CharField(max_length=12, choices=WorkOrderType.choices, default=WorkOrderType.EMERGENCY)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.HIGH)
    is_failure = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="repeated") | (Q(repeat_count__gte=2) & Q(repeat_window_hours__gte=1)),
                name="downtime_rule_repeat_needs_count_and_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site.code} #{self.position} {self.name}"

    def matches(self, category: str, reason_code: str) -> bool:
        return (not self.categories or category in self.categories) and (
            not self.reason_codes or reason_code in self.reason_codes
        )


class DowntimeStop(models.Model):
    """One stop of one machine (the interval), built from one event or a start/end pair."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="downtime_stops")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="downtime_stops")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    reason_code = models.CharField(max_length=40, blank=True)
    text = models.CharField(max_length=500, blank=True)
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="downtime_stops"
    )
    rule = models.ForeignKey(DowntimeRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decision = models.CharField(max_length=200, blank=True, help_text=_("What the rules made of it, in words"))
    # The decision's code and values, so that each reader gets its words in their language.
    decision_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["asset", "started_at"], name="downtime_stop_unique_start")]
        indexes = [
            models.Index(fields=["site", "-started_at"]),
            models.Index(fields=["asset", "category", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.asset.code} {self.category} from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def decision_in_words(self) -> str:
        words = DECISIONS.get(self.decision_data.get("code"))
        return str(words) % self.decision_data if words else self.decision


# What the rules made of a stop, by code (`decision_data`); `decision` keeps the English words.
DECISIONS = {
    "no_rule": _("no rule matched"),
    "ignored": _("ignored by rule '%(rule)s'"),
    "too_short": _("shorter than %(minutes)s min (rule '%(rule)s')"),
    "too_short_yet": _("shorter than %(minutes)s min yet (rule '%(rule)s')"),
    "repeats": _("%(count)s of %(needed)s stops in %(hours)s h"),
    "opened": _("opened %(number)s (rule '%(rule)s')"),
    "imported": _("imported from the plant's history"),
    "attached": _("attached to %(number)s (rule '%(rule)s')"),
}


class DowntimeEvent(models.Model):
    """An event as received (HTTP or MQTT), applied exactly once; refused ones are kept with the reason.

    An `event_id` is unique per sender (the integration account) and site: nobody else can claim an id
    first and so make the real event a refused duplicate."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="downtime_events")
    source = models.CharField(max_length=80, help_text=_("http:<user> or mqtt:<topic>"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_id = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.JSONField(default=dict, blank=True)
    stop = models.ForeignKey(DowntimeStop, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "site", "event_id"],
                condition=Q(site__isnull=False),
                name="downtime_event_unique_per_sender_site",
            ),
            models.UniqueConstraint(
                fields=["sender", "event_id"], condition=Q(site__isnull=True), name="downtime_event_unique_unsited"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-received_at"]),
            models.Index(fields=["event_id"]),
            models.Index(fields=["sender", "status", "received_at"], name="downtime_event_refusals"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} ({self.status})"


class OeeWebhook(SignedEndpoint):
    """Optional: the OEE platform's URL that also receives the status of downtime WOs, signed."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="oee_webhook")
    active = models.BooleanField(default=True)
