"""How many WOs each site has in each status, by the month they were created in: what the WO list
counts and pages deep with, instead of counting a million rows per page (`WorkOrderQuerySet.count`,
`page_keys`). The worker folds the rows every minute (`fold`); a reader folds them itself when they
have piled up (no worker running, or a bulk load that fired a trigger per row), so the counts and
their speed never depend on a worker."""

import time
from datetime import UTC, date, datetime

from django.db import connection, models, transaction
from django.db.models import Sum

# Among the newest PILE_SAMPLE rows, more than PILE_LIMIT that repeat a (site, status, month) already
# there: deltas have piled up. Folded, every key has one row, so the newest rows repeat none.
PILE_SAMPLE = 2000
PILE_LIMIT = 500
LOOK_EVERY_SECONDS = 10.0
_looked_at = [0.0]


class WorkOrderCountQuerySet(models.QuerySet):
    def of(self, site_ids: tuple[int, ...] | None, statuses: tuple[str, ...] | None) -> "WorkOrderCountQuerySet":
        """The rows of those sites (every site: None) in those statuses (any: None)."""
        fold_if_piled()
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


def fold() -> None:
    """Fold the +1/−1 rows into one per (site, status, month)."""
    table = WorkOrderCount._meta.db_table
    columns = "site_id, status, month"
    if connection.vendor == "postgresql":  # one statement: readers see the rows before or after
        sql = f"""WITH gone AS (DELETE FROM {table} RETURNING {columns}, delta)
                  INSERT INTO {table} ({columns}, delta)
                  SELECT {columns}, SUM(delta) FROM gone GROUP BY {columns} HAVING SUM(delta) <> 0"""
        with connection.cursor() as cursor:
            cursor.execute(sql)
        return
    with transaction.atomic(), connection.cursor() as cursor:  # SQLite: one writer at a time
        cursor.execute(f"SELECT {columns}, SUM(delta) FROM {table} GROUP BY {columns} HAVING SUM(delta) <> 0")
        folded = cursor.fetchall()
        cursor.execute(f"DELETE FROM {table}")
        cursor.executemany(f"INSERT INTO {table} ({columns}, delta) VALUES (%s, %s, %s, %s)", folded)


def piled_up() -> int:
    """How many of the newest rows repeat a key among them (0 when folded): one index scan of
    PILE_SAMPLE rows."""
    table = WorkOrderCount._meta.db_table
    sql = f"""WITH newest AS (SELECT site_id, status, month FROM {table} ORDER BY id DESC LIMIT {PILE_SAMPLE})
              SELECT (SELECT COUNT(*) FROM newest)
                     - (SELECT COUNT(*) FROM (SELECT 1 FROM newest GROUP BY site_id, status, month) AS k)"""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def fold_if_piled() -> None:
    """Fold now if the deltas have piled up; looked at most every LOOK_EVERY_SECONDS per process."""
    now = time.monotonic()
    if now - _looked_at[0] < LOOK_EVERY_SECONDS:
        return
    _looked_at[0] = now
    if piled_up() > PILE_LIMIT:
        fold()
