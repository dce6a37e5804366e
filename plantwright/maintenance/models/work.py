from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset
from plantwright.maintenance.models.counts import WorkOrderCount


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class WorkOrderType(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective")
    EMERGENCY = "emergency", _("Emergency (breakdown)")
    PREVENTIVE = "preventive", _("Preventive")
    PREDICTIVE = "predictive", _("Predictive")
    INSPECTION = "inspection", _("Inspection")
    IMPROVEMENT = "improvement", _("Improvement")


# Planned vs reactive for reporting (SMRP 5.3.1): work that was planned before it began.
PLANNED_TYPES = frozenset(
    {WorkOrderType.PREVENTIVE, WorkOrderType.PREDICTIVE, WorkOrderType.INSPECTION, WorkOrderType.IMPROVEMENT}
)
# Breakdown work is a failure unless the planner says otherwise.
FAILURE_BY_DEFAULT_TYPES = frozenset({WorkOrderType.EMERGENCY})


class WorkOrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# Work finished (completed, or closed after review): what reports count as done.
DONE_STATUSES = frozenset({WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED})
OPEN_STATUSES = frozenset(
    {
        WorkOrderStatus.DRAFT,
        WorkOrderStatus.APPROVED,
        WorkOrderStatus.SCHEDULED,
        WorkOrderStatus.IN_PROGRESS,
        WorkOrderStatus.ON_HOLD,
    }
)


class FailureCodeKind(models.TextChoices):
    PROBLEM = "problem", _("Problem")
    CAUSE = "cause", _("Cause")
    REMEDY = "remedy", _("Remedy")


class FailureCode(models.Model):
    """A managed code list entry (ISO 14224 style) for the failure of a WO."""

    kind = models.CharField(max_length=10, choices=FailureCodeKind.choices)
    code = models.CharField(max_length=32)
    description = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="failure_code_unique_per_kind")]

    def __str__(self) -> str:
        return f"{self.code} · {self.description}"


class NumberSequence(models.Model):
    """Gap-free counters for human numbers (WO-000123), incremented under a row lock."""

    name = models.CharField(max_length=20, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class WorkRequest(models.Model):
    class Origin(models.TextChoices):
        APP = "app", _("Plantwright (signed in)")
        PORTAL = "portal", _("Request portal (QR label, no account)")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Duplicate")

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="work_requests")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="work_requests")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_requests")
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.APP)
    reporter_name = models.CharField(max_length=100, blank=True, help_text="Who reported it through the portal")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, max_length=2000)
    # The WO this request became (approved) or duplicates (duplicate).
    work_order = models.ForeignKey(
        "WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="work_requests"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["site", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "rejected"]) | Q(work_order__isnull=False),
                name="work_request_approved_or_duplicate_has_wo",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"


class WorkOrderOrigin(models.TextChoices):
    MANUAL = "manual", _("Created by a planner")
    REQUEST = "request", _("From a work request")
    DOWNTIME = "downtime", _("Opened by a downtime rule")
    PM = "pm", _("Generated by a PM schedule")
    INSPECTION = "inspection", _("Follow-up of a failed inspection item")
    IMPORT = "import", _("Imported with the plant's history")


class WorkOrderQuerySet(models.QuerySet):
    """WOs; `counted_as(sites, statuses)` marks a list filtered by nothing but sites and statuses, whose
    count and deep pages then come from `WorkOrderCount`. A further filter, a
    slice or `none()` drops the mark: they would make its counts wrong."""

    _counted: tuple | None = None
    NEWEST_FIRST = ("-created_at", "-id")
    # Pages up to this offset walk the index directly; deeper ones start at their month.
    SHALLOW = 2000

    def counted_as(self, site_ids, statuses) -> "WorkOrderQuerySet":
        clone = self._chain()
        clone._counted = (tuple(site_ids) if site_ids is not None else None, tuple(statuses) if statuses else None)
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._counted = self._counted
        return clone

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = super()._filter_or_exclude(negate, args, kwargs)
        clone._counted = None
        return clone

    def _counts(self) -> tuple | None:
        if self._counted is None or self.query.is_sliced or self.query.is_empty() or self.query.distinct:
            return None
        return self._counted

    def count(self) -> int:
        scope = self._counts()
        if scope is None or self._result_cache is not None:
            return super().count()
        return WorkOrderCount.objects.total(*scope)

    def page_keys(self, offset: int, limit: int) -> list:
        """The ids of `limit` WOs from `offset` on, in the list's order."""
        scope = self._counts()
        rows = self
        if scope is not None and offset > self.SHALLOW and tuple(self.query.order_by) == self.NEWEST_FIRST:
            skipped, upper = 0, None
            months = WorkOrderCount.objects.by_month(*scope)
            for n, (_begins, created) in enumerate(months):
                if skipped + created > offset:
                    upper = months[n - 1][0] if n else None
                    break
                skipped += created
            else:
                return []
            if upper is not None:  # the page starts in this month: newer months are skipped by their count
                rows, offset = self.filter(created_at__lt=upper), offset - skipped
        return list(rows.values_list("pk", flat=True)[offset : offset + limit])


class WorkOrder(models.Model):
    number = models.CharField(max_length=20, unique=True)
    external_ref = models.CharField(
        max_length=40, blank=True, help_text="Its number in the system it came from (an imported history)."
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="work_orders")
    asset = models.ForeignKey(Asset, verbose_name=_("Asset"), on_delete=models.PROTECT, related_name="work_orders")
    type = models.CharField(_("Type"), max_length=12, choices=WorkOrderType.choices)
    priority = models.CharField(_("Priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    title = models.CharField(_("Title"), max_length=200)
    description = models.TextField(_("Description"), blank=True, max_length=10000)
    status = models.CharField(
        _("Status"), max_length=12, choices=WorkOrderStatus.choices, default=WorkOrderStatus.DRAFT
    )
    origin = models.CharField(
        _("Origin"), max_length=10, choices=WorkOrderOrigin.choices, default=WorkOrderOrigin.MANUAL
    )
    is_failure = models.BooleanField(_("Failure"), default=False)
    problem_code = models.ForeignKey(
        FailureCode,
        verbose_name=_("Problem"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": FailureCodeKind.PROBLEM},
    )
    cause_code = models.ForeignKey(
        FailureCode,
        verbose_name=_("Cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": FailureCodeKind.CAUSE},
    )
    remedy_code = models.ForeignKey(
        FailureCode,
        verbose_name=_("Remedy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": FailureCodeKind.REMEDY},
    )
    down_since = models.DateTimeField(_("Down since"), null=True, blank=True)
    restored_at = models.DateTimeField(_("Restored at"), null=True, blank=True)
    due_date = models.DateField(_("Due date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("Completed at"), null=True, blank=True)
    assigned_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Assigned technicians"),
        blank=True,
        related_name="assigned_work_orders",
    )
    estimated_cost = models.DecimalField(
        _("Estimated cost"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The planner's estimate, in site currency.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A default, not auto_now_add: an imported history keeps each WO's own creation time.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords(m2m_fields=[assigned_to])
    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["asset", "status"]),
            models.Index(fields=["asset", "down_since"]),
            # The WO list's default order: newest first, paged.
            models.Index(fields=["-created_at", "-id"], name="work_order_newest_first"),
            # The WO list filtered by site and status (the planner's everyday view), paged deep.
            models.Index(fields=["site", "status", "-created_at", "-id"], name="work_order_site_status_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True)
                | Q(down_since__isnull=True)
                | Q(restored_at__gte=models.F("down_since")),
                name="work_order_restored_after_down",
            ),
            # An imported WO once per site: importing the same history again changes nothing.
            models.UniqueConstraint(
                fields=["site", "external_ref"], condition=~Q(external_ref=""), name="work_order_external_ref_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    @property
    def planned(self) -> bool:
        return self.type in PLANNED_TYPES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class WorkOrderTransition(models.Model):
    """One status change of a WO: who, when, from, to, and why."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=WorkOrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=WorkOrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["work_order", "at"])]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.from_status or '∅'} → {self.to_status}"
