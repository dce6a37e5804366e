"""What a WO asks of purchasing, and the link to what the ERP ordered, received and invoiced.

A WO never *is* a PO: the PO lives in the ERP (or, for shops without one, in the builtin connector's
own PO records); here we keep the request, the link (PO number and lines ↔ request lines) and the
postings of receipts and invoices that carry actual cost back to the WO.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site
from plantwright.inventory.models import Part, Storeroom
from plantwright.maintenance.models import CostLine, Vendor, WorkOrder

MONEY = {"max_digits": 14, "decimal_places": 4}
QUANTITY = {"max_digits": 14, "decimal_places": 4}


class ConnectorKind:
    """The connectors that come with Plantwright. Which kinds exist, and what each is called, is the
    connector registry's (erp.connectors.register_connector): a new one needs no migration."""

    BUILTIN = "builtin"
    WEBHOOK = "webhook"
    TRYTON = "tryton"


class ProcurementSettings(models.Model):
    """Per site: which connector hands requests to purchasing, and when a manager must approve first."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="procurement_settings")
    connector = models.CharField(
        max_length=40, default=ConnectorKind.BUILTIN, help_text=_("A registered connector kind")
    )
    approval_threshold = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Requests estimated above this need a manager's approval."
    )
    receiving_storeroom = models.ForeignKey(
        Storeroom,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where catalogue parts bought for stock are received.",
    )
    invoice_without_receipt_days = models.PositiveSmallIntegerField(
        default=30,
        help_text="An invoice with no receipt this many days later is an audit finding (unless the line is "
        "paid on the invoice alone).",
    )

    def __str__(self) -> str:
        return f"{self.site.code}: {self.connector}"


class PartsRequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        SUBMITTED = "submitted", _("Submitted to purchasing")
        ORDERED = "ordered", _("Ordered")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(max_length=20, unique=True)
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="parts_requests")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="parts_requests")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(blank=True, max_length=2000)
    need_arose_on = models.DateField(
        null=True, blank=True, help_text="When the need arose, if before the request was raised (a late entry)."
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return f"{self.number} for {self.work_order.number}"


class LineKind(models.TextChoices):
    PART = "part", _("Part or material")
    SERVICE = "service", _("Contractor service")


class PartsRequestLine(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ORDERED = "ordered", _("Ordered")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected by purchasing")

    request = models.ForeignKey(PartsRequest, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=LineKind.choices, default=LineKind.PART)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(**QUANTITY)
    unit = models.CharField(max_length=12, default="ea")
    estimated_unit_cost = models.DecimalField(**MONEY)
    need_by = models.DateField(null=True, blank=True)
    suggested_vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cost_center = models.CharField(max_length=64, blank=True)
    for_stock = models.BooleanField(
        default=False, help_text="A catalogue part received into stock; its cost reaches the WO when issued."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["request", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["request", "line_no"], name="parts_request_line_unique_no"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="parts_request_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(estimated_unit_cost__gte=0), name="parts_request_line_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(for_stock=False) | Q(part__isnull=False), name="parts_request_line_stock_needs_part"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.number}/{self.line_no} {self.description}"


class PurchaseOrder(models.Model):
    """The CMMS's link to a PO of the ERP (or of the builtin connector): number, vendor, status."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (builtin, not sent)")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="purchase_orders")
    source = models.CharField(max_length=60, help_text="Which connector it came from, e.g. webhook:ist")
    po_number = models.CharField(max_length=64)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    vendor_name = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The ERP time of the last applied change: an older update arriving late changes nothing.
    erp_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["site", "po_number"], name="purchase_order_unique_number")]

    def __str__(self) -> str:
        return self.po_number


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    request_line = models.ForeignKey(
        PartsRequestLine, on_delete=models.PROTECT, null=True, blank=True, related_name="po_lines"
    )
    description = models.CharField(max_length=300, blank=True)
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**MONEY)
    cancelled = models.BooleanField(default=False)
    invoice_only = models.BooleanField(
        default=False,
        help_text="Paid on the invoice alone (a service the ERP posts no receipt for): its invoices post the cost.",
    )
    # Running state, rewritten by every applied receipt/invoice (the postings are the record).
    received_quantity = models.DecimalField(**QUANTITY, default=0)
    invoiced_quantity = models.DecimalField(**QUANTITY, default=0)
    invoiced_amount = models.DecimalField(**MONEY, default=0)
    erp_updated_at = models.DateTimeField(null=True, blank=True, help_text="ERP time of the last applied change")
    stocked_quantity = models.DecimalField(
        **QUANTITY, default=0, help_text="Of the received quantity, what went into stock (for_stock lines)."
    )

    class Meta:
        ordering = ["purchase_order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_number"], name="purchase_order_line_unique"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="purchase_order_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order.po_number}/{self.line_number}"


class ErpEvent(models.Model):
    """One inbound event, stored before anything else, applied exactly once whatever the order."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        PARKED = "parked", _("Waiting for its PO")
        REJECTED = "rejected", _("Rejected")
        IGNORED = "ignored", _("Stale (a newer change was already applied)")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="erp_events")
    source = models.CharField(max_length=60)
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=30)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.JSONField(default=dict, blank=True)
    po_number = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When it happened in the ERP")
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="erp_event_unique_per_source")]
        indexes = [models.Index(fields=["site", "status"]), models.Index(fields=["site", "po_number", "status"])]

    def __str__(self) -> str:
        return f"{self.source}/{self.event_id} {self.type} ({self.status})"


class Posting(models.Model):
    """A receipt or an invoice applied to a PO line, with the cost line it posted (if any)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        INVOICE = "invoice", _("Invoice")
        REVALUATION = "revaluation", _("Price change on received quantity")

    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="postings")
    event = models.ForeignKey(ErpEvent, on_delete=models.PROTECT, related_name="postings")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    document = models.CharField(max_length=64, blank=True, help_text="Receipt or invoice number in the ERP")
    quantity = models.DecimalField(**QUANTITY)
    amount = models.DecimalField(**MONEY, help_text="Receipt: value at PO price; invoice: invoiced amount")
    variance = models.DecimalField(**MONEY, default=0, help_text="What this posting moved on the WO beyond receipts")
    unit_price = models.DecimalField(**MONEY, help_text="The PO line's price when it was applied")
    cost_line = models.OneToOneField(CostLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    document_date = models.DateField()
    # A document sent again (corrected) replaces its older version: the latest occurred_at counts.
    occurred_at = models.DateTimeField()
    superseded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["po_line", "kind"]), models.Index(fields=["po_line", "document"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} on {self.po_line}"
