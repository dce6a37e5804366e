"""The WO list counted and paged deep from `WorkOrderCount`: a sum over a few hundred rows instead of
a count over up to a million, and the month a deep page starts in, so that its OFFSET walks at most
one month of the list's index (`WorkOrderQuerySet.page_keys`)."""

from datetime import UTC, date, datetime

from django.db import connection, transaction
from django.db.models import Sum

from plantwright.maintenance.models import WorkOrderCount


def _rows(site_ids, statuses):
    rows = WorkOrderCount.objects.order_by()
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    return rows


def count(site_ids: tuple[int, ...] | None, statuses: tuple[str, ...] | None) -> int:
    """WOs of those sites (every site: None) in those statuses (any: None)."""
    return _rows(site_ids, statuses).aggregate(n=Sum("delta"))["n"] or 0


def by_month(site_ids, statuses) -> list[tuple[datetime, int]]:
    """(the instant the month begins, WOs created in it), newest month first, empty months left out."""
    rows = _rows(site_ids, statuses).values("month").annotate(n=Sum("delta")).filter(n__gt=0).order_by("-month")
    return [(_instant(row["month"]), row["n"]) for row in rows]


def compact() -> None:
    """Fold the +1/−1 rows into one per (site, status, month): the worker's job every minute."""
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


def _instant(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)
