"""Triggers that note, in the same transaction, every asset whose KPI history changed (`AssetChange`),
so that its pre-aggregated months (`AssetMonth`) are rebuilt before anyone reads them.

A WO counts when it is created or deleted, or when its asset, site, status, type, failure times or
completion time change; labor entries, contractor entries, cost lines and PM occurrences when they
are written or deleted (their WO's asset, before and after). Nothing else changes a KPI part.
"""

from django.db import migrations

WORK_ORDER_COLUMNS = [
    "asset_id",
    "site_id",
    "status",
    "type",
    "is_failure",
    "down_since",
    "restored_at",
    "completed_at",
]
CHILDREN = {
    "maintenance_laborentry": ["work_order_id", "hours", "work_date"],
    "maintenance_contractorentry": ["work_order_id", "hours", "work_date"],
    "maintenance_costline": ["work_order_id", "category", "amount", "cost_date"],
    "pm_pmoccurrence": ["work_order_id", "due_date"],
}
NOTE = "INSERT INTO reliability_assetchange (asset_id)"


def _changed(columns: list[str], distinct: str) -> str:
    return " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in columns)


def postgres_up() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION reliability_work_order_changed() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {NOTE} VALUES (OLD.asset_id); END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.asset_id IS DISTINCT FROM OLD.asset_id) THEN
                {NOTE} VALUES (NEW.asset_id);
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION reliability_work_order_part_changed() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                {NOTE} SELECT asset_id FROM maintenance_workorder WHERE id = OLD.work_order_id;
            END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.work_order_id IS DISTINCT FROM OLD.work_order_id) THEN
                {NOTE} SELECT asset_id FROM maintenance_workorder WHERE id = NEW.work_order_id;
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER reliability_changed AFTER INSERT OR DELETE ON maintenance_workorder
        FOR EACH ROW EXECUTE FUNCTION reliability_work_order_changed()""",
        f"""CREATE TRIGGER reliability_updated AFTER UPDATE ON maintenance_workorder FOR EACH ROW
        WHEN ({_changed(WORK_ORDER_COLUMNS, "IS DISTINCT FROM")}) EXECUTE FUNCTION reliability_work_order_changed()""",
    ]
    for table, columns in CHILDREN.items():
        statements += [
            f"""CREATE TRIGGER reliability_changed AFTER INSERT OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION reliability_work_order_part_changed()""",
            f"""CREATE TRIGGER reliability_updated AFTER UPDATE ON {table} FOR EACH ROW
            WHEN ({_changed(columns, "IS DISTINCT FROM")}) EXECUTE FUNCTION reliability_work_order_part_changed()""",
        ]
    return statements


def postgres_down() -> list[str]:
    return [
        *(
            f"DROP TRIGGER IF EXISTS {name} ON {table}"
            for table in ["maintenance_workorder", *CHILDREN]
            for name in ("reliability_changed", "reliability_updated")
        ),
        "DROP FUNCTION IF EXISTS reliability_work_order_changed()",
        "DROP FUNCTION IF EXISTS reliability_work_order_part_changed()",
    ]


def sqlite_up() -> list[str]:
    wo = "maintenance_workorder"
    statements = [
        f"CREATE TRIGGER reliability_{wo}_insert AFTER INSERT ON {wo} BEGIN {NOTE} VALUES (NEW.asset_id); END",
        f"CREATE TRIGGER reliability_{wo}_delete AFTER DELETE ON {wo} BEGIN {NOTE} VALUES (OLD.asset_id); END",
        f"""CREATE TRIGGER reliability_{wo}_update AFTER UPDATE ON {wo} WHEN {_changed(WORK_ORDER_COLUMNS, "IS NOT")}
        BEGIN
            {NOTE} VALUES (OLD.asset_id);
            {NOTE} SELECT NEW.asset_id WHERE NEW.asset_id IS NOT OLD.asset_id;
        END""",
    ]
    asset_of = f"SELECT asset_id FROM {wo} WHERE id ="
    for table, columns in CHILDREN.items():
        statements += [
            f"CREATE TRIGGER reliability_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {NOTE} {asset_of} NEW.work_order_id; END",
            f"CREATE TRIGGER reliability_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {NOTE} {asset_of} OLD.work_order_id; END",
            f"""CREATE TRIGGER reliability_{table}_update AFTER UPDATE ON {table} WHEN {_changed(columns, "IS NOT")}
            BEGIN
                {NOTE} {asset_of} OLD.work_order_id;
                {NOTE} {asset_of} NEW.work_order_id AND NEW.work_order_id IS NOT OLD.work_order_id;
            END""",
        ]
    return statements


def sqlite_down() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS reliability_{table}_{event}"
        for table in ["maintenance_workorder", *CHILDREN]
        for event in ("insert", "delete", "update")
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
    dependencies = [
        ("reliability", "0002_monthly_aggregates"),
        ("maintenance", "0010_work_request_origin"),
        ("pm", "0001_initial"),
    ]
    operations = [
        migrations.RunPython(
            _run({"postgresql": postgres_up, "sqlite": sqlite_up}),
            _run({"postgresql": postgres_down, "sqlite": sqlite_down}),
        )
    ]
