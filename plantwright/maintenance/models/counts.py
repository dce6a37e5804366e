"""How many WOs each site has in each status, by the month they were created in: what the WO list
counts and pages deep with, instead of counting a million rows per page (`WorkOrderQuerySet.count`,
`page_keys`). Folding the rows is the worker's job (`selectors.counts.compact`)."""

from datetime import UTC, date, datetime

from django.db import models
from django.db.models import Sum


class WorkOrderCountQuerySet(models.QuerySet):
    def of(self, site_ids: tuple[int, ...] | None, statuses: tuple[str, ...] | None) -> "WorkOrderCountQuerySet":
        """The rows of those sites (every site: None) in those statuses (any: None)."""
        rows = self.order_by()
        if site_ids is not None:
            rows = rows.filter(site_id__in=site_ids)
        if statuses is not None:
            rows = rows.filter(status__in=statuses)
        return rows

    def total(self, site_ids, statuses) -> int:
        """WOs of those sites in those statuses: a sum over a few hundred rows."""
        return self.of(site_ids, statuses).aggregate(n=Sum("delta"))["n"] or 0

    def by_month(self, site_ids, statuses) -> list[tuple[datetime, int]]:
        """(the instant the month begins, WOs created in it), newest month first, empty months left out."""
        rows = self.of(site_ids, statuses).values("month").annotate(n=Sum("delta")).filter(n__gt=0)
        return [(_instant(row["month"]), row["n"]) for row in rows.order_by("-month")]


class WorkOrderCount(models.Model):
    """A change of the number of WOs of a site in a status created in a month (UTC). Database
    triggers (migration 0011) write +1/−1 rows in the same transaction as the WO, so the sum is
    always exact; the worker folds them into one row per (site, status, month) every minute."""

    site_id = models.BigIntegerField()
    status = models.CharField(max_length=12)
    month = models.DateField(help_text="The first day of the UTC month the WOs were created in")
    delta = models.IntegerField()

    objects = WorkOrderCountQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["site_id", "status", "month"])]

    def __str__(self) -> str:
        return f"{self.site_id} {self.status} {self.month:%Y-%m} {self.delta:+d}"


def _instant(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)
