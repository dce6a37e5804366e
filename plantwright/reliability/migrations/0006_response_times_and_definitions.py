"""Mean time to respond and to complete (reliability/definitions/response.py): their stored parts, and
change triggers that watch what they read; and the definition stamp of the stored months.

- `AggregatedMonths.definitions`: the registry's stamp of the stored parts the months were computed
  with. Empty here, so every site's months are rebuilt on their next read: the new columns fill in
  instead of staying 0.
- A WO's creation time now counts (the response is measured from it), and its first start
  (`in_progress`) is among the days its change counts from.
- Starts: a WO's transitions to `in_progress`, written, deleted or changed, note its asset from the
  transition's day on.
"""

from django.db import migrations, models

NOTE = "INSERT INTO reliability_assetchange (asset_id, since)"
WO = "maintenance_workorder"
TRANSITIONS = "maintenance_workordertransition"
WORK_ORDER_COLUMNS = [
    "asset_id", "site_id", "status", "type", "is_failure", "down_since", "restored_at", "completed_at", "created_at",
]  # fmt: skip
TRANSITION_COLUMNS = ["work_order_id", "to_status", "at"]
STARTED = "'in_progress'"


def _work_order_days(row: str, as_date) -> list[str]:
    return [
        as_date(f"{row}.down_since"),
        as_date(f"{row}.completed_at"),
        f"(SELECT due_date FROM pm_pmoccurrence WHERE work_order_id = {row}.id)",
        f"(SELECT MIN(work_date) FROM maintenance_laborentry WHERE work_order_id = {row}.id)",
        f"(SELECT MIN(work_date) FROM maintenance_contractorentry WHERE work_order_id = {row}.id)",
        f"(SELECT {as_date('MIN(at)')} FROM {TRANSITIONS} WHERE work_order_id = {row}.id AND to_status = {STARTED})",
    ]


def _pg_since(days: list[str]) -> str:
    return f"(LEAST({', '.join(days)}) - 1)"  # LEAST skips NULLs; all NULL: any month


def _pg_date(column: str) -> str:
    return f"(({column}) AT TIME ZONE 'UTC')::date"


def postgres_up() -> list[str]:
    new_days, old_days = _pg_since(_work_order_days("NEW", _pg_date)), _pg_since(_work_order_days("OLD", _pg_date))
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in WORK_ORDER_COLUMNS)
    started = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in TRANSITION_COLUMNS)
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
        f"DROP TRIGGER IF EXISTS reliability_updated ON {WO}",
        f"""CREATE TRIGGER reliability_updated AFTER UPDATE ON {WO} FOR EACH ROW
        WHEN ({changed}) EXECUTE FUNCTION reliability_work_order_changed()""",
        f"""CREATE OR REPLACE FUNCTION reliability_start_changed() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND OLD.to_status = {STARTED} THEN
                {NOTE} SELECT asset_id, {_pg_date("OLD.at")} - 1 FROM {WO} WHERE id = OLD.work_order_id;
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.to_status = {STARTED} THEN
                {NOTE} SELECT asset_id, {_pg_date("NEW.at")} - 1 FROM {WO} WHERE id = NEW.work_order_id;
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER reliability_changed AFTER INSERT OR DELETE ON {TRANSITIONS}
        FOR EACH ROW EXECUTE FUNCTION reliability_start_changed()""",
        f"""CREATE TRIGGER reliability_updated AFTER UPDATE ON {TRANSITIONS} FOR EACH ROW
        WHEN ({started}) EXECUTE FUNCTION reliability_start_changed()""",
    ]


def postgres_down() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS reliability_changed ON {TRANSITIONS}",
        f"DROP TRIGGER IF EXISTS reliability_updated ON {TRANSITIONS}",
        "DROP FUNCTION IF EXISTS reliability_start_changed()",
    ]


FAR = "'9999-12-31'"  # SQLite's min() is NULL as soon as one value is: a stand-in for NULL


def _sqlite_since(days: list[str]) -> str:
    least = f"min({', '.join(f'coalesce({day}, {FAR})' for day in days)}, {FAR})"
    return f"date(nullif({least}, {FAR}), '-1 day')"


def _sqlite_date(column: str) -> str:
    return f"date({column})"


def sqlite_up() -> list[str]:
    new_since = _sqlite_since(_work_order_days("NEW", _sqlite_date))
    old_since = _sqlite_since(_work_order_days("OLD", _sqlite_date))
    both = f"nullif(min(coalesce({old_since}, {FAR}), coalesce({new_since}, {FAR})), {FAR})"
    moved = "OLD.asset_id IS NOT NEW.asset_id OR OLD.site_id IS NOT NEW.site_id"
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in WORK_ORDER_COLUMNS[2:])
    started = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in TRANSITION_COLUMNS)
    asset_of = f"FROM {WO} WHERE id ="
    return [
        *(f"DROP TRIGGER IF EXISTS reliability_{WO}_{event}" for event in ("insert", "update")),
        f"CREATE TRIGGER reliability_{WO}_insert AFTER INSERT ON {WO} "
        f"BEGIN {NOTE} VALUES (NEW.asset_id, {new_since}); END",
        f"""CREATE TRIGGER reliability_{WO}_update AFTER UPDATE ON {WO} WHEN {moved} OR {changed}
        BEGIN
            {NOTE} SELECT OLD.asset_id, NULL WHERE {moved};
            {NOTE} SELECT NEW.asset_id, NULL WHERE {moved};
            {NOTE} SELECT NEW.asset_id, {both} WHERE NOT ({moved});
        END""",
        f"CREATE TRIGGER reliability_{TRANSITIONS}_insert AFTER INSERT ON {TRANSITIONS} "
        f"WHEN NEW.to_status = {STARTED} "
        f"BEGIN {NOTE} SELECT asset_id, date(NEW.at, '-1 day') {asset_of} NEW.work_order_id; END",
        f"CREATE TRIGGER reliability_{TRANSITIONS}_delete AFTER DELETE ON {TRANSITIONS} "
        f"WHEN OLD.to_status = {STARTED} "
        f"BEGIN {NOTE} SELECT asset_id, date(OLD.at, '-1 day') {asset_of} OLD.work_order_id; END",
        f"""CREATE TRIGGER reliability_{TRANSITIONS}_update AFTER UPDATE ON {TRANSITIONS}
        WHEN ({started}) AND (OLD.to_status = {STARTED} OR NEW.to_status = {STARTED})
        BEGIN
            {NOTE} SELECT asset_id, date(OLD.at, '-1 day') {asset_of} OLD.work_order_id;
            {NOTE} SELECT asset_id, date(NEW.at, '-1 day') {asset_of} NEW.work_order_id;
        END""",
    ]


def sqlite_down() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS reliability_{TRANSITIONS}_{event}" for event in ("insert", "delete", "update")]


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
        ("reliability", "0005_asset_change_since_triggers"),
        ("maintenance", "0012_work_order_count_triggers"),
    ]
    # Going back leaves the WO triggers watching the creation time and the first start: harmless.
    operations = [
        migrations.AddField(
            model_name="aggregatedmonths",
            name="definitions",
            field=models.CharField(blank=True, help_text="The registry's stamp they were computed with", max_length=16),
        ),
        migrations.AddField(model_name="assetmonth", name="responded", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="assetmonth", name="response_us", field=models.BigIntegerField(default=0)),
        migrations.AddField(model_name="assetmonth", name="completion_us", field=models.BigIntegerField(default=0)),
        migrations.RunPython(
            _run({"postgresql": postgres_up, "sqlite": sqlite_up}),
            _run({"postgresql": postgres_down, "sqlite": sqlite_down}),
        ),
    ]
