"""Job plans (what a PM does) and PM schedules (when), and each occurrence's WO."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset, Meter
from plantwright.core.formatting import plain
from plantwright.inventory.models import Part
from plantwright.maintenance.models import PlannedCheck, PlannedTask, Priority, WorkOrder, WorkOrderType


class PmSettings(models.Model):
    """Per site: how late a PM WO may be completed and still count as on time (SMRP 5.4.14 style)."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="pm_settings")
    grace_days = models.PositiveSmallIntegerField(default=3)

    def __str__(self) -> str:
        return f"{self.site.code}: grace {self.grace_days} d"


class JobPlan(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="job_plans")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    safety_notes = models.TextField(blank=True, max_length=5000, help_text=_("Isolation, PPE, permits"))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="job_plan_unique_code_per_site")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class JobPlanTask(PlannedTask):
    plan = models.ForeignKey(JobPlan, on_delete=models.CASCADE, related_name="tasks")

    class Meta:
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return f"#{self.position} {self.description}"


class JobPlanPart(models.Model):
    """Standard parts: listed on each WO from the plan, so storeroom can stage them."""

    plan = models.ForeignKey(JobPlan, on_delete=models.CASCADE, related_name="parts")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return f"{plain(self.quantity)} × {self.part}"


class JobPlanCheck(PlannedCheck):
    plan = models.ForeignKey(JobPlan, on_delete=models.CASCADE, related_name="checks")

    class Meta:
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return f"#{self.position} {self.text}"


class Trigger(models.TextChoices):
    CALENDAR = "calendar", _("Calendar")
    METER = "meter", _("Meter")
    EITHER = "either", _("Calendar or meter, whichever comes first")


class IntervalUnit(models.TextChoices):
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


class CalendarMode(models.TextChoices):
    FIXED = "fixed", _("Fixed: due dates stay on the calendar")
    FLOATING = "floating", _("Floating: next due counted from the last completion")


class PmSchedule(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="pm_schedules")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="pm_schedules")
    job_plan = models.ForeignKey(JobPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="schedules")
    name = models.CharField(max_length=200)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.CALENDAR)
    mode = models.CharField(max_length=10, choices=CalendarMode.choices, default=CalendarMode.FIXED)
    interval = models.PositiveIntegerField(null=True, blank=True, help_text=_("Calendar: every N …"))
    interval_unit = models.CharField(max_length=6, choices=IntervalUnit.choices, default=IntervalUnit.MONTHS)
    starts_on = models.DateField(help_text=_("The first due date (the anchor of a fixed schedule)"))
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, null=True, blank=True, related_name="pm_schedules")
    meter_interval = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    meter_start = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("The reading the first interval counts from"),
    )
    lead_days = models.PositiveSmallIntegerField(default=7, help_text=_("Create the WO this many days before due"))
    season_start_month = models.PositiveSmallIntegerField(null=True, blank=True)
    season_end_month = models.PositiveSmallIntegerField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    work_order_type = models.CharField(max_length=12, choices=WorkOrderType.choices, default=WorkOrderType.PREVENTIVE)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "asset", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger="meter") | Q(interval__gte=1), name="pm_calendar_needs_interval"
            ),
            models.CheckConstraint(
                condition=Q(trigger="calendar") | (Q(meter__isnull=False) & Q(meter_interval__gt=0)),
                name="pm_meter_needs_meter_and_interval",
            ),
            models.CheckConstraint(
                condition=(Q(season_start_month__isnull=True) & Q(season_end_month__isnull=True))
                | (Q(season_start_month__range=(1, 12)) & Q(season_end_month__range=(1, 12))),
                name="pm_season_is_two_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset.code}: {self.name}"

    @property
    def every(self) -> str:
        """The calendar interval as people say it, in the reader's language ("every 2 weeks, fixed")."""
        if self.interval is None:
            return ""
        n = self.interval
        words = {
            IntervalUnit.DAYS: ngettext("every %(n)d day", "every %(n)d days", n),
            IntervalUnit.WEEKS: ngettext("every %(n)d week", "every %(n)d weeks", n),
            IntervalUnit.MONTHS: ngettext("every %(n)d month", "every %(n)d months", n),
        }[self.interval_unit] % {"n": n}
        mode = (
            pgettext("PM schedule mode", "fixed")
            if self.mode == CalendarMode.FIXED
            else pgettext("PM schedule mode", "floating")
        )
        return f"{words}, {mode}"


class PmOccurrence(models.Model):
    """The n-th occurrence of a schedule and the WO generated for it (one, ever: `sequence` is unique)."""

    schedule = models.ForeignKey(PmSchedule, on_delete=models.CASCADE, related_name="occurrences")
    sequence = models.PositiveIntegerField()
    due_date = models.DateField()
    due_meter = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    work_order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="pm_occurrence")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["schedule", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "sequence"], name="pm_occurrence_once"),
        ]
        indexes = [models.Index(fields=["due_date"])]

    def __str__(self) -> str:
        return f"{self.schedule} #{self.sequence} due {self.due_date}"
