"""The change triggers of 0003 now say from which day on an asset's months changed (`since`), so that
a refresh rebuilds only those months and the ones after (running totals carry forward), not the
asset's whole history: labor logged today rebuilds this month, not three years.

`since` is the earliest day any part of the change counts on, a day early (a timestamp's UTC date
can be a day after the site's date):
- a WO: its failure start, its completion, its PM occurrence's due date, its first labor and
  contractor work dates (its status and type decide whether and how those hours count); a new
  asset or site for the WO: any month (NULL), as for a deleted WO;
- labor and contractor hours: their work date, and their WO's failure start (active repair hours
  belong to the failure's month);
- a cost line: its cost date; a PM occurrence: its due date.
"""

from django.db import migrations

NOTE = "INSERT INTO reliability_assetchange (asset_id, since)"
CHILDREN = {
    "maintenance_laborentry": "work_date",
    "maintenance_contractorentry": "work_date",
    "maintenance_costline": "cost_date",
    "pm_pmoccurrence": "due_date",
}
WITH_FAILURE_START = {"maintenance_laborentry", "maintenance_contractorentry"}


def _work_order_days(row: str, as_date) -> list[str]:
    return [
        as_date(f"{row}.down_since"),
        as_date(f"{row}.completed_at"),
        f"(SELECT due_date FROM pm_pmoccurrence WHERE work_order_id = {row}.id)",
        f"(SELECT MIN(work_date) FROM maintenance_laborentry WHERE work_order_id = {row}.id)",
        f"(SELECT MIN(work_date) FROM maintenance_contractorentry WHERE work_order_id = {row}.id)",
    ]


def _child_days(table: str, row: str, as_date) -> list[str]:
    days = [f"{row}.{CHILDREN[table]}"]
    if table in WITH_FAILURE_START:
        days.append(f"(SELECT {as_date('down_since')} FROM maintenance_workorder WHERE id = {row}.work_order_id)")
    return days


# PostgreSQL: LEAST skips NULLs; all NULL gives NULL (any month).
def _pg_since(days: list[str]) -> str:
    return f"(LEAST({', '.join(days)}) - 1)"


def _pg_date(column: str) -> str:
    return f"(({column}) AT TIME ZONE 'UTC')::date"


def postgres_up() -> list[str]:
    new_days, old_days = _pg_since(_work_order_days("NEW", _pg_date)), _pg_since(_work_order_days("OLD", _pg_date))
    part_cases = "\n".join(
        f"""            IF TG_TABLE_NAME = '{table}' THEN
                IF TG_OP <> 'INSERT' THEN
                    {NOTE} SELECT asset_id, {_pg_since(_child_days(table, "OLD", _pg_date))}
                    FROM maintenance_workorder WHERE id = OLD.work_order_id;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    {NOTE} SELECT asset_id, {_pg_since(_child_days(table, "NEW", _pg_date))}
                    FROM maintenance_workorder WHERE id = NEW.work_order_id;
                END IF;
            END IF;"""
        for table in CHILDREN
    )
    return [
        f"""CREATE OR REPLACE FUNCTION reliability_work_order_changed() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                {NOTE} VALUES (OLD.asset_id, NULL);
            ELSIF TG_OP = 'INSERT' THEN
                {NOTE} VALUES (NEW.asset_id, {new_days});
            ELSIF NEW.asset_id IS DISTINCT FROM OLD.asset_id OR NEW.site_id IS DISTINCT FROM OLD.site_id THEN
                {NOTE} VALUES (OLD.asset_id, NULL);
                {NOTE} VALUES (NEW.asset_id, NULL);
            ELSE
                {NOTE} VALUES (NEW.asset_id, LEAST({old_days}, {new_days}));
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION reliability_work_order_part_changed() RETURNS trigger AS $$
        BEGIN
{part_cases}
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
    ]


# SQLite: min() of several values is NULL as soon as one is: stand-in for NULL, then back.
FAR = "'9999-12-31'"


def _sqlite_since(days: list[str]) -> str:
    # Always two arguments or more: min() of one is the aggregate, which makes a row out of none.
    least = f"min({', '.join(f'coalesce({day}, {FAR})' for day in days)}, {FAR})"
    return f"date(nullif({least}, {FAR}), '-1 day')"


def _sqlite_date(column: str) -> str:
    return f"date({column})"


SQLITE_WORK_ORDER_COLUMNS = ["status", "type", "is_failure", "down_since", "restored_at", "completed_at"]


def sqlite_up() -> list[str]:
    wo = "maintenance_workorder"
    new_since = _sqlite_since(_work_order_days("NEW", _sqlite_date))
    old_since = _sqlite_since(_work_order_days("OLD", _sqlite_date))
    both = f"nullif(min(coalesce({old_since}, {FAR}), coalesce({new_since}, {FAR})), {FAR})"
    moved = "OLD.asset_id IS NOT NEW.asset_id OR OLD.site_id IS NOT NEW.site_id"
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in SQLITE_WORK_ORDER_COLUMNS)
    statements = [f"DROP TRIGGER IF EXISTS reliability_{wo}_{event}" for event in ("insert", "delete", "update")] + [
        f"CREATE TRIGGER reliability_{wo}_insert AFTER INSERT ON {wo} "
        f"BEGIN {NOTE} VALUES (NEW.asset_id, {new_since}); END",
        f"CREATE TRIGGER reliability_{wo}_delete AFTER DELETE ON {wo} BEGIN {NOTE} VALUES (OLD.asset_id, NULL); END",
        f"""CREATE TRIGGER reliability_{wo}_update AFTER UPDATE ON {wo} WHEN {moved} OR {changed}
        BEGIN
            {NOTE} SELECT OLD.asset_id, NULL WHERE {moved};
            {NOTE} SELECT NEW.asset_id, NULL WHERE {moved};
            {NOTE} SELECT NEW.asset_id, {both} WHERE NOT ({moved});
        END""",
    ]
    asset_of = f"FROM {wo} WHERE id ="
    for table in CHILDREN:
        old, new = (
            _sqlite_since(_child_days(table, "OLD", _sqlite_date)),
            _sqlite_since(_child_days(table, "NEW", _sqlite_date)),
        )
        statements += [
            f"DROP TRIGGER IF EXISTS reliability_{table}_{event}" for event in ("insert", "delete", "update")
        ]
        columns = [
            "work_order_id",
            *{
                "maintenance_laborentry": ["hours", "work_date"],
                "maintenance_contractorentry": ["hours", "work_date"],
                "maintenance_costline": ["category", "amount", "cost_date"],
                "pm_pmoccurrence": ["due_date"],
            }[table],
        ]
        changed_child = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        statements += [
            f"CREATE TRIGGER reliability_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {NOTE} SELECT asset_id, {new} {asset_of} NEW.work_order_id; END",
            f"CREATE TRIGGER reliability_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {NOTE} SELECT asset_id, {old} {asset_of} OLD.work_order_id; END",
            f"""CREATE TRIGGER reliability_{table}_update AFTER UPDATE ON {table} WHEN {changed_child}
            BEGIN
                {NOTE} SELECT asset_id, {old} {asset_of} OLD.work_order_id;
                {NOTE} SELECT asset_id, {new} {asset_of} NEW.work_order_id;
            END""",
        ]
    return statements


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements:
            with schema_editor.connection.cursor() as cursor:
                for statement in statements():
                    cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("reliability", "0004_asset_change_since")]
    # Going back leaves the triggers noting `since`: 0003's readers ignore it.
    operations = [
        migrations.RunPython(_run({"postgresql": postgres_up, "sqlite": sqlite_up}), migrations.RunPython.noop)
    ]
