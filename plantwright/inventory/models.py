"""Parts catalogue, storerooms, stock levels at moving-average cost, and every movement of stock."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site
from plantwright.maintenance.models import Vendor

MONEY = {"max_digits": 14, "decimal_places": 4}
QUANTITY = {"max_digits": 14, "decimal_places": 4}


class Part(models.Model):
    part_number = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=300)
    unit = models.CharField(max_length=12, default="ea", help_text="ea, m, l, kg, set, ...")
    manufacturer = models.CharField(max_length=120, blank=True)
    manufacturer_part_number = models.CharField(max_length=80, blank=True)
    preferred_vendors = models.ManyToManyField(Vendor, blank=True, related_name="preferred_parts")
    default_min_quantity = models.DecimalField(**QUANTITY, default=0)
    default_max_quantity = models.DecimalField(**QUANTITY, default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["part_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_min_quantity__gte=0)
                & Q(default_max_quantity__gte=models.F("default_min_quantity")),
                name="part_min_max_sane",
            )
        ]

    def __str__(self) -> str:
        return f"{self.part_number} · {self.description}"


class Storeroom(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="storerooms")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["site", "code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="storeroom_code_unique_per_site")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class StockLevel(models.Model):
    """What one storeroom holds of one part, and at what moving-average unit cost."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock_levels")
    storeroom = models.ForeignKey(Storeroom, on_delete=models.PROTECT, related_name="stock_levels")
    bin = models.CharField(max_length=40, blank=True)
    quantity_on_hand = models.DecimalField(**QUANTITY, default=0)
    average_cost = models.DecimalField(**MONEY, default=0)
    min_quantity = models.DecimalField(**QUANTITY, default=0)
    max_quantity = models.DecimalField(**QUANTITY, default=0)

    class Meta:
        ordering = ["part__part_number"]
        constraints = [
            models.UniqueConstraint(fields=["part", "storeroom"], name="stock_level_unique"),
            # The last line of defence: stock never goes negative, whatever the code does.
            models.CheckConstraint(condition=Q(quantity_on_hand__gte=0), name="stock_level_not_negative"),
            models.CheckConstraint(condition=Q(average_cost__gte=0), name="stock_average_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.part.part_number} @ {self.storeroom.code}: {self.quantity_on_hand}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue to WO")
    RETURN = "return", _("Return from WO")
    ADJUSTMENT = "adjustment", _("Adjustment")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    VENDOR_RETURN = "vendor_return", _("Return to vendor")


class StockMovement(models.Model):
    """One change of stock. Quantity is signed (+ in, − out); value = quantity × unit cost."""

    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    storeroom = models.ForeignKey(Storeroom, on_delete=models.PROTECT, related_name="movements")
    quantity = models.DecimalField(**QUANTITY)
    unit_cost = models.DecimalField(**MONEY)
    value = models.DecimalField(**MONEY)
    quantity_after = models.DecimalField(**QUANTITY)
    average_cost_after = models.DecimalField(**MONEY)
    work_order = models.ForeignKey(
        "maintenance.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="stock_movements"
    )
    returned_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns",
        help_text="For a return: the issue it gives back (and whose cost it reverses).",
    )
    transfer_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="transfer_counterpart"
    )
    reference = models.CharField(max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    moved_at = models.DateTimeField(auto_now_add=True)
    moved_on = models.DateField(
        null=True, blank=True, help_text="The day it happened (an issue or return recorded later); else moved_at's."
    )
    # Empty when an integration moved it (a receipt reported by the ERP), not a person.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["moved_at", "id"]
        indexes = [
            models.Index(fields=["part", "storeroom", "moved_at"]),
            models.Index(fields=["work_order", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} {self.part.part_number}"


class StockReservation(models.Model):
    """Parts set aside in a storeroom for a WO (a PM's standard parts). Outstanding while the WO is
    open and less than the reserved quantity has been issued to it: others see the stock as taken."""

    work_order = models.ForeignKey("maintenance.WorkOrder", on_delete=models.CASCADE, related_name="reservations")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="reservations")
    storeroom = models.ForeignKey(Storeroom, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.DecimalField(**QUANTITY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["work_order", "part"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "part", "storeroom"], name="reservation_once_per_wo_part"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.work_order.number}: {self.quantity} × {self.part.part_number} @ {self.storeroom.code}"
