"""Inserting many new rows at once, as fast as the database allows.

On PostgreSQL that is COPY: several times faster than a multi-row INSERT for the few hundred rows
an ingest batch writes, because the rows travel in one stream and are not planned as a statement.
COPY returns no ids, so they are drawn from the table's own sequence first (the same numbers an
INSERT would have taken). Elsewhere (SQLite) it is Django's bulk_create.
"""

from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

# Values psycopg writes exactly as Django would have prepared them: skip Django's per-field
# preparation for them (most of the cost of a row). Aware datetimes only; anything else (JSON,
# Decimal, enums, naive datetimes) goes through the field.
_PLAIN = frozenset({int, str, bool, type(None)})


def _db_value(value, field, connection):
    kind = type(value)
    if field.get_internal_type() == "JSONField":  # a str there is a JSON string, not the column's text
        return field.get_db_prep_save(value, connection)
    if kind in _PLAIN or (kind is datetime and value.tzinfo is not None):
        return value
    return field.get_db_prep_save(value, connection)


def insert_new(model: type[Model], objs: list[Model]) -> None:
    """Insert unsaved `objs` of `model`; afterwards each has its id, as after bulk_create."""
    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-access proxy
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    meta = model._meta
    fields = meta.concrete_fields
    quote = connection.ops.quote_name
    # The COPY runs on psycopg's own cursor: wrap it so its errors are Django's (an IntegrityError is
    # one, whichever way the row was written).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(quote(field.column) for field in fields)
        prepare = [(field, field.pre_save) for field in fields]
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                obj._prepare_related_fields_for_save(operation_name="insert_new")  # ids of related objects saved since
                copy.write_row([_db_value(pre_save(obj, True), field, connection) for field, pre_save in prepare])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


# Rows per UPDATE … FROM (VALUES …): a statement's parameters stay well under PostgreSQL's 65,535.
UPDATE_CHUNK = 1000


def update_fields(model: type[Model], objs: list[Model], field_names: list[str]) -> None:
    """Write `field_names` of saved `objs` back, as bulk_update does. On PostgreSQL that is one
    `UPDATE … FROM (VALUES …)` per thousand rows: bulk_update's CASE WHEN per field and row costs more
    Python to build than the database takes to run (most of an ERP batch's time). Elsewhere (SQLite)
    it is bulk_update."""
    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, field_names)
        return
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in field_names)]
    quote = connection.ops.quote_name
    casts = ", ".join(f"%s::{field.db_type(connection)}" for field in fields)
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields[1:])
    names = ", ".join(quote(field.column) for field in fields)
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), UPDATE_CHUNK):
            chunk = objs[start : start + UPDATE_CHUNK]
            values = ", ".join(f"({casts})" for _ in chunk)
            params = [_db_value(getattr(obj, field.attname), field, connection) for obj in chunk for field in fields]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v({names}) WHERE {table}.{pk} = v.{pk}",
                params,
            )
