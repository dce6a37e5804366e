from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plantwright.accounts.models import Site


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Location(models.Model):
    """A place in a plant (area, line, room); locations form a tree within one site."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="locations")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["site", "code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="location_code_unique_per_site")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class AssetClass(models.Model):
    """A kind of equipment (pump, conveyor, boiler ...): what reliability figures are compared across."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "asset classes"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Asset(models.Model):
    """A maintainable item: a machine, or a component of one (parent)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="assets")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="assets")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM)
    asset_class = models.ForeignKey(AssetClass, on_delete=models.PROTECT, null=True, blank=True, related_name="assets")
    commissioned_at = models.DateTimeField(null=True, blank=True)
    decommissioned_at = models.DateTimeField(null=True, blank=True)
    oee_machine_id = models.CharField(
        max_length=100, null=True, blank=True, help_text="The machine id the OEE platform / MES uses."
    )
    erp_cost_center = models.CharField(max_length=64, blank=True)
    # Ids in other systems beyond the two above (e.g. {"sap_equipment": "10004711"}).
    external_ids = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["site", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="asset_code_unique_per_site"),
            # Downtime events name a machine without a site, so the OEE id is unique installation-wide.
            models.UniqueConstraint(
                fields=["oee_machine_id"], condition=Q(oee_machine_id__isnull=False), name="asset_oee_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(decommissioned_at__isnull=True)
                | Q(commissioned_at__isnull=True)
                | Q(decommissioned_at__gte=models.F("commissioned_at")),
                name="asset_decommissioned_after_commissioned",
            ),
        ]
        indexes = [models.Index(fields=["site", "criticality"])]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def asset_class_code(self) -> str | None:
        return self.asset_class.code if self.asset_class_id else None

    @property
    def all_external_ids(self) -> dict:
        ids = dict(self.external_ids or {})
        if self.oee_machine_id:
            ids["oee_machine_id"] = self.oee_machine_id
        if self.erp_cost_center:
            ids["erp_cost_center"] = self.erp_cost_center
        return ids


class MeterKind(models.TextChoices):
    CUMULATIVE = "cumulative", _("Cumulative (running hours, cycles, km: only goes up)")
    GAUGE = "gauge", _("Gauge (a level or a condition value: temperature, vibration)")


class Meter(models.Model):
    """Something measured on an asset: running hours, cycles, kilometres, or a condition value."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="meters")
    code = models.SlugField(max_length=40, help_text="Unique per asset; the key readings are sent with.")
    name = models.CharField(max_length=120)
    unit = models.CharField(max_length=20, help_text="h, cycles, km, °C ...")
    kind = models.CharField(max_length=12, choices=MeterKind.choices, default=MeterKind.CUMULATIVE)
    max_rate_per_hour = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Cumulative: the most it rises in an hour (1 for running hours); more is refused.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "code"]
        constraints = [models.UniqueConstraint(fields=["asset", "code"], name="meter_unique_code_per_asset")]

    def __str__(self) -> str:
        return f"{self.asset.code}/{self.code} ({self.unit})"


class MeterReading(models.Model):
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="readings")
    value = models.DecimalField(max_digits=14, decimal_places=4)
    read_at = models.DateTimeField()
    source = models.CharField(max_length=80, help_text="ui:<user>, api:<user> or mqtt:<topic>")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meter", "-read_at"]
        constraints = [models.UniqueConstraint(fields=["meter", "read_at"], name="meter_reading_unique_time")]
        indexes = [models.Index(fields=["meter", "-read_at"])]

    def __str__(self) -> str:
        return f"{self.meter} = {self.value} at {self.read_at:%Y-%m-%d %H:%M}"
