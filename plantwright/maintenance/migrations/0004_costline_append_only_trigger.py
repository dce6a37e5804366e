"""The database itself refuses to change or delete a cost line (the ledger is append-only).

PostgreSQL: UPDATE and DELETE raise (TRUNCATE, for whole-database maintenance, stays possible).
SQLite: UPDATE raises; DELETE stays possible there because test isolation empties tables with DELETE.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION maintenance_costline_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'maintenance_costline is append-only: post a reversing line instead'
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER maintenance_costline_append_only
    BEFORE UPDATE OR DELETE ON maintenance_costline
    FOR EACH ROW EXECUTE FUNCTION maintenance_costline_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS maintenance_costline_append_only ON maintenance_costline;
DROP FUNCTION IF EXISTS maintenance_costline_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER maintenance_costline_append_only BEFORE UPDATE ON maintenance_costline
BEGIN SELECT RAISE(ABORT, 'maintenance_costline is append-only: post a reversing line instead'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS maintenance_costline_append_only;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("maintenance", "0003_costs")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
