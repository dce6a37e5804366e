"""Hours and money on a work order: labor and contractor entries, rates, and the append-only ledger."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site
from plantwright.core.errors import Conflict

MONEY = {"max_digits": 14, "decimal_places": 4}
HOURS = {"max_digits": 7, "decimal_places": 2}


class Craft(models.Model):
    """A trade (mechanic, electrician, instrument tech); labor rates can be set per craft."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Vendor(models.Model):
    """A supplier or contractor company. The ERP owns vendor approval; this is the CMMS's reference."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    is_contractor = models.BooleanField(default=False, help_text="Sends people to work on our assets.")
    erp_id = models.CharField(max_length=64, blank=True, help_text="The vendor's id in the ERP.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LaborRate(models.Model):
    """An hourly rate for a technician or a craft at a site, valid from a date until the next one."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="labor_rates")
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="labor_rates"
    )
    craft = models.ForeignKey(Craft, on_delete=models.PROTECT, null=True, blank=True, related_name="labor_rates")
    hourly_rate = models.DecimalField(**MONEY)
    effective_from = models.DateField()

    class Meta:
        ordering = ["site", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(technician__isnull=False) & Q(craft__isnull=True))
                | (Q(technician__isnull=True) & Q(craft__isnull=False)),
                name="labor_rate_for_technician_xor_craft",
            ),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="labor_rate_not_negative"),
            models.UniqueConstraint(
                fields=["site", "technician", "effective_from"],
                condition=Q(technician__isnull=False),
                name="labor_rate_unique_technician_date",
            ),
            models.UniqueConstraint(
                fields=["site", "craft", "effective_from"],
                condition=Q(craft__isnull=False),
                name="labor_rate_unique_craft_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technician or self.craft}: {self.hourly_rate}/h from {self.effective_from}"


class LaborEntry(models.Model):
    """Hours an internal technician worked on a WO. Corrections are reversing entries (negative hours)."""

    work_order = models.ForeignKey("maintenance.WorkOrder", on_delete=models.PROTECT, related_name="labor_entries")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="labor_entries")
    craft = models.ForeignKey(Craft, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    work_date = models.DateField()
    hours = models.DecimalField(**HOURS)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    overtime_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    hourly_rate = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["work_date", "id"]
        indexes = [models.Index(fields=["technician", "work_date"]), models.Index(fields=["work_date"])]

    def __str__(self) -> str:
        return f"{self.technician} {self.hours} h on {self.work_date}"


class ContractorEntry(models.Model):
    """Hours a contractor's person worked on a WO: work history even when a PO pays for it."""

    work_order = models.ForeignKey("maintenance.WorkOrder", on_delete=models.PROTECT, related_name="contractor_entries")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="contractor_entries")
    person = models.CharField(max_length=200)
    work_date = models.DateField()
    hours = models.DecimalField(**HOURS)
    # The PO line that pays for it (the money then posts from the ERP invoice, never from here).
    po_number = models.CharField(max_length=64, blank=True)
    po_line = models.PositiveIntegerField(null=True, blank=True)
    agreed_rate = models.DecimalField(**MONEY, null=True, blank=True)
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["work_date", "id"]
        indexes = [models.Index(fields=["work_date"]), models.Index(fields=["po_number", "po_line"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(po_number="") | Q(agreed_rate__isnull=True), name="contractor_entry_po_or_agreed_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.vendor}) {self.hours} h on {self.work_date}"


class LaborTimer(models.Model):
    """A running start/stop clock; stopping it turns the elapsed time into a labor entry."""

    technician = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="labor_timer")
    work_order = models.ForeignKey("maintenance.WorkOrder", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.technician} on {self.work_order_id} since {self.started_at}"


class CostCategory(models.TextChoices):
    LABOR = "labor", _("Labor")
    PARTS = "parts", _("Parts")
    CONTRACTOR = "contractor", _("Contractor")


class CostKind(models.TextChoices):
    LABOR = "labor", _("Labor")
    CONTRACTOR = "contractor", _("Contractor")
    PART_ISSUE = "part_issue", _("Part issue")
    PART_RETURN = "part_return", _("Part return")
    PO_RECEIPT = "po_receipt", _("PO receipt")
    INVOICE_VARIANCE = "invoice_variance", _("Invoice variance")
    PO_INVOICE = "po_invoice", _("PO invoice (no receipt)")
    REVERSAL = "reversal", _("Reversal")


class CostLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise Conflict("Cost lines are append-only; post a reversal instead.", code="ledger_append_only")

    def delete(self):
        raise Conflict("Cost lines are append-only; post a reversal instead.", code="ledger_append_only")


class CostLine(models.Model):
    """One line of a WO's cost ledger. Append-only: a correction is a reversing line, never an edit.

    On PostgreSQL a trigger refuses UPDATE and DELETE too (migration 0004).
    """

    work_order = models.ForeignKey("maintenance.WorkOrder", on_delete=models.PROTECT, related_name="cost_lines")
    kind = models.CharField(max_length=20, choices=CostKind.choices)
    category = models.CharField(max_length=12, choices=CostCategory.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    quantity = models.DecimalField(**MONEY, null=True, blank=True)
    description = models.CharField(max_length=300, blank=True)
    source_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=200, unique=True)
    cost_date = models.DateField()
    posted_at = models.DateTimeField(auto_now_add=True)
    after_close = models.BooleanField(default=False)
    redated_from = models.DateField(
        null=True,
        blank=True,
        help_text="The day it belonged to, in a period closed before it arrived: it posts on the first open day.",
    )
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CostLineQuerySet.as_manager()

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [
            models.Index(fields=["work_order", "cost_date"]),
            models.Index(fields=["cost_date", "category"]),
            models.Index(fields=["source_type", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.kind} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise Conflict("Cost lines are append-only; post a reversal instead.", code="ledger_append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Conflict("Cost lines are append-only; post a reversal instead.", code="ledger_append_only")


class ClosedPeriod(models.Model):
    """A site's books closed through a day (a month's last day): afterwards nothing may be dated on or
    before it; a correction posts as a reversal in the open period, dated there. Each close is a row,
    so who closed what and when stays on record."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="closed_periods")
    through = models.DateField(help_text="The last day closed")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["site", "through"]
        constraints = [models.UniqueConstraint(fields=["site", "through"], name="closed_period_once")]

    def __str__(self) -> str:
        return f"{self.site.code}: closed through {self.through}"
