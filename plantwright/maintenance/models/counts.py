"""How many WOs each site has in each status, by the month they were created in: what the WO list
counts and pages deep with, instead of counting a million rows per page (`selectors.counts`)."""

from django.db import models


class WorkOrderCount(models.Model):
    """A change of the number of WOs of a site in a status created in a month (UTC). Database
    triggers (migration 0011) write +1/−1 rows in the same transaction as the WO, so the sum is
    always exact; the worker folds them into one row per (site, status, month) every minute."""

    site_id = models.BigIntegerField()
    status = models.CharField(max_length=12)
    month = models.DateField(help_text="The first day of the UTC month the WOs were created in")
    delta = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["site_id", "status", "month"])]

    def __str__(self) -> str:
        return f"{self.site_id} {self.status} {self.month:%Y-%m} {self.delta:+d}"
