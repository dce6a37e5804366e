"""Reading the audit trail that django-simple-history keeps for a record."""

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext
from simple_history.utils import get_m2m_reverse_field_name


def change_log(record: Any, limit: int = 100) -> list[dict[str, Any]]:
    """Who changed which fields of `record`, from what to what, newest first.

    Foreign keys are shown by name, not id: the ids of each related model are fetched in one query.
    """
    entries = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    many = [field.name for field in entries[0]._history_m2m_fields] if entries else []
    many_rows = {name: _m2m_rows(entries, name) for name in many}
    log = []
    for newer, older in zip(entries, [*entries[1:], None], strict=False):
        if older is None:
            if len(entries) > limit:
                break  # the oldest entry shown is not the creation
            changes = [{"field": "", "old": None, "new": "created"}]
        else:
            delta = newer.diff_against(older, excluded_fields=many, foreign_keys_are_objs=False)
            changes = [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]
            for name, rows in many_rows.items():
                old, new = rows.get(older.pk, []), rows.get(newer.pk, [])
                if old != new:
                    changes.append({"field": name, "old": old, "new": new})
        if changes:
            log.append({"at": newer.history_date, "user": newer.history_user, "changes": changes})
    _name_foreign_keys(type(record), log)
    _in_words(type(record), log)
    return log[:limit]


def _in_words(model: type[models.Model], log: list[dict[str, Any]]) -> None:
    """Each change as its reader says it: the field's label and a choice's label, yes or no, dates in
    the reader's format (the raw field name stays, for the record)."""
    for entry in log:
        for change in entry["changes"]:
            if not change["field"]:
                continue
            try:
                field = model._meta.get_field(change["field"])
            except FieldDoesNotExist:
                change["label"] = change["field"]
                continue
            # The labels are the forms' (already in the catalogue): "Down since", "Due date", "Status".
            change["label"] = gettext(capfirst(str(field.verbose_name)))
            for side in ("old", "new"):
                change[side] = _value_in_words(field, change[side])


def _value_in_words(field, value: Any) -> Any:
    if value is None or value == "":
        return None
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return date_format(localtime(value) if is_aware(value) else value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return value


def _m2m_rows(entries: list, name: str) -> dict[int, list[dict[str, Any]]]:
    """A many-to-many field's rows at each of `entries` (historical records), in one query for all of them.

    simple-history's diff_against reads them twice per pair of records; the rows have its shape
    ([{"workorder": 1, "user": 3}, ...], ordered by the related record)."""
    field = entries[0].instance_type._meta.get_field(name)
    through = getattr(entries[0], name).model
    columns = [f.name for f in through._meta.fields if f.editable and f.name not in ("id", "m2m_history_id", "history")]
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    found = through.objects.filter(history__in=[entry.pk for entry in entries])
    for row in found.order_by(get_m2m_reverse_field_name(field)).values("history_id", *columns):
        rows[row.pop("history_id")].append(row)
    return rows


def _m2m_ids(value: Any, key: str) -> list:
    # simple-history gives many-to-many values as [{"workorder": 1, "user": 3}, ...]
    return [row.get(key) for row in value or [] if isinstance(row, dict)]


def _name_foreign_keys(model: type[models.Model], log: list[dict[str, Any]]) -> None:
    related: dict[str, type[models.Model]] = {
        field.name: field.related_model for field in model._meta.get_fields() if isinstance(field, models.ForeignKey)
    }
    many: dict[str, type[models.Model]] = {field.name: field.related_model for field in model._meta.many_to_many}
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for entry in log:
        for change in entry["changes"]:
            target = related.get(change["field"])
            if target is not None:
                wanted[target].update(v for v in (change["old"], change["new"]) if v is not None)
            target = many.get(change["field"])
            if target is not None:
                for side in ("old", "new"):
                    wanted[target].update(_m2m_ids(change[side], target._meta.model_name))
    names = {
        target: {obj.pk: str(obj) for obj in target._default_manager.filter(pk__in=ids)}
        for target, ids in wanted.items()
    }
    for entry in log:
        for change in entry["changes"]:
            target = related.get(change["field"])
            if target is not None:
                for side in ("old", "new"):
                    if change[side] is not None:
                        change[side] = names[target].get(change[side], change[side])
            target = many.get(change["field"])
            if target is not None:
                for side in ("old", "new"):
                    ids = _m2m_ids(change[side], target._meta.model_name)
                    change[side] = ", ".join(str(names[target].get(i, i)) for i in ids) or None
