"""What a WO plans to do: its tasks (with craft hours) and its inspection checklist."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plantwright.core.formatting import plain
from plantwright.maintenance.models.cost import Craft
from plantwright.maintenance.models.work import WorkOrder


class PlannedTask(models.Model):
    """A task as planned: on a job plan, and copied from it onto each WO."""

    position = models.PositiveSmallIntegerField(default=10)
    description = models.CharField(max_length=500)
    craft = models.ForeignKey(Craft, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    estimated_hours = models.DecimalField(max_digits=7, decimal_places=2, default=0)

    COPIED = ("position", "description", "craft", "estimated_hours")

    class Meta:
        abstract = True

    def copied(self) -> dict:
        return {name: getattr(self, name) for name in self.COPIED}


class WorkOrderTask(PlannedTask):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="tasks")
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["work_order", "position", "id"]

    def __str__(self) -> str:
        return f"{self.work_order.number} #{self.position} {self.description}"


class CheckKind(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    VALUE = "value", _("Measured value")


class CheckResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class PlannedCheck(models.Model):
    """A checklist item as planned: pass/fail, or a value with limits."""

    position = models.PositiveSmallIntegerField(default=10)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=CheckKind.choices, default=CheckKind.PASS_FAIL)
    lower_limit = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    upper_limit = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)

    COPIED = ("position", "text", "kind", "lower_limit", "upper_limit", "unit")

    class Meta:
        abstract = True

    def copied(self) -> dict:
        return {name: getattr(self, name) for name in self.COPIED}

    @property
    def limits(self) -> str:
        low = "" if self.lower_limit is None else plain(self.lower_limit)
        high = "" if self.upper_limit is None else plain(self.upper_limit)
        return f"{low}…{high} {self.unit}".strip() if (low or high) else self.unit


class WorkOrderCheck(PlannedCheck):
    """One checklist item of an inspection. A failed item or a value outside its limits opens a
    follow-up corrective WO (`follow_up`), with the finding copied in."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="checks")
    result = models.CharField(max_length=4, choices=CheckResult.choices, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="raised_by_checks"
    )

    class Meta:
        ordering = ["work_order", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lower_limit__isnull=True)
                | Q(upper_limit__isnull=True)
                | Q(upper_limit__gte=models.F("lower_limit")),
                name="check_limits_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_order.number} #{self.position} {self.text}"
