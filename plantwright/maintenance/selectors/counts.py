"""The upkeep of `WorkOrderCount`, whose rows the WO list counts and pages deep with
(`WorkOrderCount.objects.total`, `by_month`)."""

from django.db import connection, transaction

from plantwright.maintenance.models import WorkOrderCount


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
