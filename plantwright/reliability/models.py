"""Export jobs: a spreadsheet built in the background, with its progress, for the one who asked."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

import plantwright.reliability.definitions  # noqa: F401  (fills the registry: the stored parts are columns here)
from plantwright.reliability.registry import stored_parts


class Export(models.Model):
    class Kind(models.TextChoices):
        KPIS = "kpis", _("Asset KPIs")
        WORK_ORDERS = "work_orders", _("WO history")
        LEDGER = "ledger", _("Asset cost ledger")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    params = models.JSONField(default=dict, help_text="The page's filters, as it was asked from")
    name = models.CharField(max_length=120, help_text="The file name, without extension")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.requested_by_id} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class AssetMonth(models.Model):
    """One asset's additive KPI parts (`figures.Parts` but time in service) in one calendar month of
    its site: what a whole month of the history adds up to, kept equal to it by `monthly`."""

    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day, in the site's calendar")
    # One column per stored part of the registry, added below: exact integers (sums of integers are
    # several times faster than of numerics): seconds in milliseconds, hours in hundredths, money in
    # ten-thousandths (the precision of the history).

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "month"], name="asset_month_once")]
        indexes = [models.Index(fields=["site", "month"])]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.month:%Y-%m}"


for _part in stored_parts():
    _column = models.PositiveIntegerField if _part.scale is None else models.BigIntegerField
    AssetMonth.add_to_class(_part.column, _column(default=0))


class SiteMonth(models.Model):
    """A site's running totals through one month: the sum of its `AssetMonth` rows of that month,
    written with them (`monthly`), so that a whole site's monthly trend reads one row a month
    instead of one per asset and month (130,000 for a year of 10,000 assets, a third of the
    Reliability page)."""

    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day, in the site's calendar")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "month"], name="site_month_once")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.month:%Y-%m}"


for _part in stored_parts():
    SiteMonth.add_to_class(_part.column, models.BigIntegerField(default=0))


class AggregatedMonths(models.Model):
    """The months [first_month, end_month) of a site that `AssetMonth` holds, and what they were
    computed with: another time zone, PM grace or definition of a part makes them stale. Locked by
    whoever refreshes them."""

    site = models.OneToOneField("accounts.Site", on_delete=models.CASCADE, primary_key=True, related_name="+")
    first_month = models.DateField(null=True)
    end_month = models.DateField(null=True)
    timezone = models.CharField(max_length=64)
    grace_days = models.PositiveSmallIntegerField()
    definitions = models.CharField(max_length=16, blank=True, help_text="The registry's stamp they were computed with")
    refreshed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.site_id}: {self.first_month} – {self.end_month}"


class AssetChange(models.Model):
    """An asset whose history changed since its months were aggregated. Database triggers (migration
    0002) write one in the same transaction as the change; `monthly.refresh` reads and clears them."""

    asset_id = models.BigIntegerField(db_index=True)
    since = models.DateField(
        null=True, help_text="No month before this day's changed (a day early, for time zones); empty: any month"
    )

    def __str__(self) -> str:
        return f"asset {self.asset_id} changed since {self.since or 'ever'}"
