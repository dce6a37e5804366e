"""PM compliance counts preventive and inspection WOs made by hand (or imported) by their due date
(reliability/definitions/pm.py): the WO change triggers now watch `due_date` too, and a WO's due
date is among the days its change counts from. The same triggers as 0006 otherwise."""

from django.db import migrations

NOTE = "INSERT INTO reliability_assetchange (asset_id, since)"
WO = "maintenance_workorder"
TRANSITIONS = "maintenance_workordertransition"
STARTED = "'in_progress'"
FAR = "'9999-12-31'"  # SQLite's min() is NULL as soon as one value is: a stand-in for NULL


def _columns(with_due_date: bool) -> list[str]:
    columns = ["asset_id", "site_id", "status", "type", "is_failure", "down_since", "restored_at", "completed_at"]
    return [*columns, "created_at", *(["due_date"] if with_due_date else [])]


def _days(row: str, as_date, with_due_date: bool) -> list[str]:
    return [
        as_date(f"{row}.down_since"),
        as_date(f"{row}.completed_at"),
        *([f"{row}.due_date"] if with_due_date else []),
        f"(SELECT due_date FROM pm_pmoccurrence WHERE work_order_id = {row}.id)",
        f"(SELECT MIN(work_date) FROM maintenance_laborentry WHERE work_order_id = {row}.id)",
        f"(SELECT MIN(work_date) FROM maintenance_contractorentry WHERE work_order_id = {row}.id)",
        f"(SELECT {as_date('MIN(at)')} FROM {TRANSITIONS} WHERE work_order_id = {row}.id AND to_status = {STARTED})",
    ]


def _pg_date(column: str) -> str:
    return f"(({column}) AT TIME ZONE 'UTC')::date"


def postgres(with_due_date: bool):
    def statements() -> list[str]:
        since = lambda row: f"(LEAST({', '.join(_days(row, _pg_date, with_due_date))}) - 1)"  # noqa: E731
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _columns(with_due_date))
        return [
            f"""CREATE OR REPLACE FUNCTION reliability_work_order_changed() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    {NOTE} VALUES (OLD.asset_id, NULL);
                ELSIF TG_OP = 'INSERT' THEN
                    {NOTE} VALUES (NEW.asset_id, {since("NEW")});
                ELSIF NEW.asset_id IS DISTINCT FROM OLD.asset_id OR NEW.site_id IS DISTINCT FROM OLD.site_id THEN
                    {NOTE} VALUES (OLD.asset_id, NULL);
                    {NOTE} VALUES (NEW.asset_id, NULL);
                ELSE
                    {NOTE} VALUES (NEW.asset_id, LEAST({since("OLD")}, {since("NEW")}));
                END IF;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS reliability_updated ON {WO}",
            f"""CREATE TRIGGER reliability_updated AFTER UPDATE ON {WO} FOR EACH ROW
            WHEN ({changed}) EXECUTE FUNCTION reliability_work_order_changed()""",
        ]

    return statements


def sqlite(with_due_date: bool):
    def statements() -> list[str]:
        def since(row: str) -> str:
            days = _days(row, lambda column: f"date({column})", with_due_date)
            least = f"min({', '.join(f'coalesce({day}, {FAR})' for day in days)}, {FAR})"
            return f"date(nullif({least}, {FAR}), '-1 day')"

        both = f"nullif(min(coalesce({since('OLD')}, {FAR}), coalesce({since('NEW')}, {FAR})), {FAR})"
        moved = "OLD.asset_id IS NOT NEW.asset_id OR OLD.site_id IS NOT NEW.site_id"
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _columns(with_due_date)[2:])
        return [
            *(f"DROP TRIGGER IF EXISTS reliability_{WO}_{event}" for event in ("insert", "update")),
            f"CREATE TRIGGER reliability_{WO}_insert AFTER INSERT ON {WO} "
            f"BEGIN {NOTE} VALUES (NEW.asset_id, {since('NEW')}); END",
            f"""CREATE TRIGGER reliability_{WO}_update AFTER UPDATE ON {WO} WHEN {moved} OR {changed}
            BEGIN
                {NOTE} SELECT OLD.asset_id, NULL WHERE {moved};
                {NOTE} SELECT NEW.asset_id, NULL WHERE {moved};
                {NOTE} SELECT NEW.asset_id, {both} WHERE NOT ({moved});
            END""",
        ]

    return statements


def _run(with_due_date: bool):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = {"postgresql": postgres, "sqlite": sqlite}.get(vendor)
        if statements:
            with schema_editor.connection.cursor() as cursor:
                for statement in statements(with_due_date)():
                    cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("reliability", "0006_response_times_and_definitions")]
    operations = [migrations.RunPython(_run(True), _run(False))]
