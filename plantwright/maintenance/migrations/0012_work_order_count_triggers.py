"""Triggers that keep `WorkOrderCount` exact: +1 for a new WO, −1 for a deleted one, −1/+1 when a
WO's status, site or creation time (an import may backdate it) changes, in the same transaction.
Then one row per (site, status, month) for the WOs that exist already."""

from django.db import migrations

COUNT = "INSERT INTO maintenance_workordercount (site_id, status, month, delta)"
FILL = f"{COUNT} SELECT site_id, status, {{month}}, COUNT(*) FROM maintenance_workorder GROUP BY 1, 2, 3"
POSTGRES_MONTH = "date_trunc('month', {row}.created_at AT TIME ZONE 'UTC')::date"
SQLITE_MONTH = "date({row}.created_at, 'start of month')"


def postgres_up() -> list[str]:
    new, old = POSTGRES_MONTH.format(row="NEW"), POSTGRES_MONTH.format(row="OLD")
    return [
        f"""CREATE OR REPLACE FUNCTION maintenance_work_order_counted() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {COUNT} VALUES (OLD.site_id, OLD.status, {old}, -1); END IF;
            IF TG_OP <> 'DELETE' THEN {COUNT} VALUES (NEW.site_id, NEW.status, {new}, 1); END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER maintenance_counted AFTER INSERT OR DELETE ON maintenance_workorder
        FOR EACH ROW EXECUTE FUNCTION maintenance_work_order_counted()""",
        """CREATE TRIGGER maintenance_recounted AFTER UPDATE ON maintenance_workorder FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.site_id IS DISTINCT FROM NEW.site_id
              OR OLD.created_at IS DISTINCT FROM NEW.created_at)
        EXECUTE FUNCTION maintenance_work_order_counted()""",
        FILL.format(month=POSTGRES_MONTH.format(row="maintenance_workorder")),
    ]


def postgres_down() -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS maintenance_counted ON maintenance_workorder",
        "DROP TRIGGER IF EXISTS maintenance_recounted ON maintenance_workorder",
        "DROP FUNCTION IF EXISTS maintenance_work_order_counted()",
        "DELETE FROM maintenance_workordercount",
    ]


def sqlite_up() -> list[str]:
    new, old = SQLITE_MONTH.format(row="NEW"), SQLITE_MONTH.format(row="OLD")
    wo = "maintenance_workorder"
    return [
        f"CREATE TRIGGER maintenance_counted_insert AFTER INSERT ON {wo} "
        f"BEGIN {COUNT} VALUES (NEW.site_id, NEW.status, {new}, 1); END",
        f"CREATE TRIGGER maintenance_counted_delete AFTER DELETE ON {wo} "
        f"BEGIN {COUNT} VALUES (OLD.site_id, OLD.status, {old}, -1); END",
        f"""CREATE TRIGGER maintenance_counted_update AFTER UPDATE ON {wo}
        WHEN OLD.status IS NOT NEW.status OR OLD.site_id IS NOT NEW.site_id OR OLD.created_at IS NOT NEW.created_at
        BEGIN
            {COUNT} VALUES (OLD.site_id, OLD.status, {old}, -1);
            {COUNT} VALUES (NEW.site_id, NEW.status, {new}, 1);
        END""",
        FILL.format(month=SQLITE_MONTH.format(row=wo)),
    ]


def sqlite_down() -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS maintenance_counted_{event}" for event in ("insert", "delete", "update")),
        "DELETE FROM maintenance_workordercount",
    ]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements:
            with schema_editor.connection.cursor() as cursor:
                for statement in statements():
                    cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("maintenance", "0011_work_order_counts")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": postgres_up, "sqlite": sqlite_up}),
            _run({"postgresql": postgres_down, "sqlite": sqlite_down}),
        )
    ]
