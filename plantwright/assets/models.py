from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from plantwright.accounts.models import Site


class Criticality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


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


class Asset(models.Model):
    """A maintainable item: a machine, or a component of one (parent)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="assets")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="assets")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM)
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
    def all_external_ids(self) -> dict:
        ids = dict(self.external_ids or {})
        if self.oee_machine_id:
            ids["oee_machine_id"] = self.oee_machine_id
        if self.erp_cost_center:
            ids["erp_cost_center"] = self.erp_cost_center
        return ids
