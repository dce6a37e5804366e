"""A plant's locations (areas, lines, rooms) from a CSV or XLSX file, before its assets: one row per
location, keyed by its code at the site — a new code creates it, a known one takes the file's name and
parent. Parents may come later in the file than their children; a location never lies within itself.
Checked whole, written all or nothing through create_location / update_location.

Columns: code, name, parent_code. The export (`locations_rows`) has the same columns.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.assets.models import Location
from plantwright.assets.services import create_location, update_location
from plantwright.core.files.tables import Problem, read_table, refuse_rows, unquote

MAX_BYTES = 2_000_000
MAX_ROWS = 10_000
MAX_DEPTH = 30  # plant, building, hall, line, cell ... far fewer in any plant
REQUIRED = ("code", "name")
COLUMNS = {"code": 40, "name": 200, "parent_code": 40}


@dataclass
class LocationReport:
    applied: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def import_locations(
    actor: User, site: Site, data: bytes, *, apply: bool, progress: Callable | None = None
) -> LocationReport:
    """Check a location list and, with `apply`, write it (all or nothing)."""
    authorize(actor, Perm.MANAGE_LOCATIONS, site.pk)
    raw_rows = read_table(data, columns=COLUMNS, required=REQUIRED, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    existing = {location.code: location for location in Location.objects.filter(site=site)}
    code_of = {location.pk: code for code, location in existing.items()}
    parent_of = {code: code_of.get(location.parent_id) for code, location in existing.items()}
    problems: list[Problem] = []
    rows: dict[str, tuple[int, dict[str, str]]] = {}
    for line, raw in raw_rows:
        cells = {column: unquote(text.strip()) for column, text in raw.items()}
        for column, text in cells.items():
            if len(text) > COLUMNS[column]:
                problems.append(Problem(line, column, f"longer than {COLUMNS[column]} characters"))
        for column in REQUIRED:
            if not cells.get(column):
                problems.append(Problem(line, column, "required"))
        code = cells["code"]
        if code in rows:
            problems.append(Problem(line, "code", f"{code} is also on line {rows[code][0]}"))
            continue
        rows[code] = (line, cells)
        if "parent_code" in cells:
            parent_of[code] = cells["parent_code"] or None
    for code, (line, cells) in rows.items():
        parent = cells.get("parent_code")
        if parent and parent not in rows and parent not in existing:
            problems.append(Problem(line, "parent_code", f"no location {parent} at {site.code} or in the file"))
            continue
        seen, node = {code}, parent_of.get(code)
        while node is not None and node not in seen:
            seen.add(node)
            node = parent_of.get(node)
        if node is not None:
            problems.append(Problem(line, "parent_code", f"{code} would lie within itself"))
        elif len(seen) > MAX_DEPTH:
            problems.append(Problem(line, "parent_code", f"more than {MAX_DEPTH} levels deep"))
    if problems:
        raise refuse_rows(problems)
    report = LocationReport(applied=apply, rows=len(raw_rows))
    with transaction.atomic():
        _write(actor, site, rows, existing, parent_of, report)
        if not apply:
            transaction.set_rollback(True)
    if progress:
        progress(len(rows), len(rows))
    return report


def _write(actor, site, rows, existing, parent_of, report) -> None:
    """Parents first, so each row's parent is there when it is written."""
    done: dict[str, Location] = dict(existing)
    written: set[str] = set()

    def write(code: str) -> None:
        if code in written or code not in rows:
            return
        parent = parent_of.get(code)
        if parent:
            write(parent)
        written.add(code)
        cells = rows[code][1]
        parent_id = done[parent].pk if parent else None
        location = existing.get(code)
        if location is None:
            done[code] = create_location(actor, site=site, code=code, name=cells["name"], parent_id=parent_id)
            report.created.append(code)
        elif location.name != cells["name"] or location.parent_id != parent_id:
            update_location(actor, location, name=cells["name"], parent_id=parent_id)
            report.updated.append(code)
        else:
            report.unchanged += 1

    for code in rows:
        write(code)


def location_rows(site: Site) -> Iterator[list[Any]]:
    """The site's locations in the import's columns, parents by code: an export to edit and import back."""
    rows = Location.objects.filter(site=site).order_by("code").values_list("code", "name", "parent__code")
    for row in rows:
        yield ["" if value is None else value for value in row]
