"""The asset register from a CSV file: what a plant brings from its spreadsheet or its old CMMS.

One row per asset, keyed by its code at the site: a new code creates the asset, a known one updates the
columns the file has (a column left out is left alone; an empty cell clears an optional field). Parents
may come later in the file than their children. The whole file is checked before anything is written and
is applied all or nothing; a check-only run (`apply=False`) does the same work and rolls it back, so what
it reports is exactly what applying would do. Every asset is written through `create_asset` /
`update_asset`, so the register's rules and history are the same as for one asset typed in.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.assets.models import Asset, AssetClass, Criticality, Location
from plantwright.assets.services import COLUMN_EXTERNAL_IDS, create_asset, update_asset
from plantwright.core.errors import DomainError
from plantwright.core.files.tables import Problem, moment, read_table, refuse_rows, unquote

MAX_BYTES = 2_000_000
MAX_ROWS = 10_000

# column -> (max length, what it is); `code` and `name` are required.
COLUMNS: dict[str, tuple[int, Any]] = {
    "code": (40, _("the asset's code at the site (the key: a known code updates that asset)")),
    "name": (200, _("its name")),
    "parent_code": (40, _("the code of the asset it is part of (at the site or in the file)")),
    "location_code": (40, _("the code of its location at the site")),
    "asset_class": (40, _("the code of its asset class")),
    "criticality": (10, _("low, medium, high or critical (empty: medium)")),
    "description": (5000, _("free text")),
    "commissioned_at": (40, _("YYYY-MM-DD (midnight at the site) or an ISO 8601 date and time")),
    "decommissioned_at": (40, _("as commissioned_at")),
    "oee_machine_id": (100, _("the machine id the OEE platform sends downtime with (unique)")),
    "erp_cost_center": (64, _("the ERP cost center")),
}
REQUIRED = ("code", "name")


@dataclass
class ImportReport:
    applied: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # cleaned, only the file's columns


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Each data row of a CSV asset register, with its line; file-level faults raise ValidationFailed."""
    return read_table(data, columns=COLUMNS, required=REQUIRED, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)


class _Checker:
    """Cleans each row and checks it against the site's records and the rest of the file."""

    def __init__(self, site: Site):
        self.site = site
        self.problems: list[Problem] = []
        self.existing = {asset.code: asset for asset in Asset.objects.filter(site=site)}
        self.locations = dict(Location.objects.filter(site=site).values_list("code", "pk"))
        self.classes = set(AssetClass.objects.values_list("code", flat=True))
        self.lines: dict[str, int] = {}  # code -> first line

    def problem(self, line: int, column: str | None, message: str) -> None:
        self.problems.append(Problem(line, column, message))

    def row(self, line: int, raw: dict[str, str]) -> _Row:
        values: dict[str, Any] = {}
        for column, text in raw.items():
            value = unquote(text.strip())
            limit = COLUMNS[column][0]
            if len(value) > limit:
                self.problem(line, column, f"longer than {limit} characters")
                continue
            try:
                values[column] = self.clean(column, value)
            except ValueError as exc:
                self.problem(line, column, str(exc))
        code = values.get("code")
        if code:
            if code in self.lines:
                self.problem(line, "code", f"{code} is also on line {self.lines[code]}")
            else:
                self.lines[code] = line
        return _Row(line, values)

    def clean(self, column: str, value: str) -> Any:
        if column in REQUIRED:
            if not value:
                raise ValueError("required")
            return value
        if column == "criticality":
            value = value.lower() or Criticality.MEDIUM
            if value not in Criticality.values:
                raise ValueError(f"not one of {', '.join(Criticality.values)}")
            return value
        if column in ("commissioned_at", "decommissioned_at"):
            return moment(value, self.site.zone) if value else None
        if column == "location_code":
            if value and value not in self.locations:
                raise ValueError(f"no location {value} at {self.site.code}")
            return self.locations.get(value)
        if column == "asset_class":
            if value and value not in self.classes:
                raise ValueError(f"no asset class {value}")
            return value or None
        if column == "oee_machine_id":
            return value or None
        return value  # parent_code (checked with the whole file), description, erp_cost_center

    def parents(self, rows: list[_Row]) -> list[_Row]:
        """Rows ordered parents first; unknown parents and cycles are problems."""
        code_of = {asset.pk: code for code, asset in self.existing.items()}
        parent_of = {code: code_of[asset.parent_id] for code, asset in self.existing.items() if asset.parent_id}
        by_code = {row.values["code"]: row for row in rows if row.values.get("code")}
        for code, row in by_code.items():
            if "parent_code" not in row.values:
                continue
            parent = row.values["parent_code"] or None
            if parent is not None and parent not in by_code and parent not in self.existing:
                self.problem(row.line, "parent_code", f"no asset {parent} at {self.site.code} or in the file")
            parent_of[code] = parent
        ordered: list[_Row] = []
        placed: set[str] = set()
        for code, row in by_code.items():
            chain: list[str] = []  # from this asset up to the first one already placed (or the root)
            node: str | None = code
            while node is not None and node not in placed and node not in chain:
                chain.append(node)
                node = parent_of.get(node)
            if node is not None and node in chain:
                self.problem(row.line, "parent_code", f"{code} would be its own ancestor")
                placed.update(chain)
                continue
            for link in reversed(chain):
                placed.add(link)
                if link in by_code:
                    ordered.append(by_code[link])
        return ordered


def _changes(asset: Asset, values: dict[str, Any], pks: dict[str, int]) -> dict[str, Any]:
    """The update_asset changes that make `asset` match the row's columns (only what differs)."""
    current = {
        "name": asset.name,
        "description": asset.description,
        "criticality": asset.criticality,
        "commissioned_at": asset.commissioned_at,
        "decommissioned_at": asset.decommissioned_at,
        "asset_class": asset.asset_class_code,
        "location": asset.location_id,
        "parent": asset.parent_id,
    }
    wanted = {name: values[name] for name in current if name in values}
    if "location_code" in values:
        wanted["location"] = values["location_code"]
    if "parent_code" in values:
        wanted["parent"] = pks[values["parent_code"]] if values["parent_code"] else None
    changes = {name: value for name, value in wanted.items() if current[name] != value}
    ids = {name: getattr(asset, name) or None for name in COLUMN_EXTERNAL_IDS}
    new_ids = {name: values.get(name, ids[name]) or None for name in ids}
    if new_ids != ids:
        changes["external_ids"] = {**asset.external_ids, **new_ids}
    return changes


def _write(
    actor: User, site: Site, rows: list[_Row], existing: dict[str, Asset], report: ImportReport
) -> list[Problem]:
    pks = {code: asset.pk for code, asset in existing.items()}
    problems = []
    for row in rows:
        values = row.values
        code = values["code"]
        parent = values.get("parent_code")
        if parent and parent not in pks:  # its parent's own row was refused while writing
            problems.append(Problem(row.line, "parent_code", f"its parent {parent} could not be written"))
            continue
        try:
            if code not in existing:
                asset = create_asset(
                    actor,
                    site=site,
                    code=code,
                    name=values["name"],
                    location_id=values.get("location_code"),
                    parent_id=pks[values["parent_code"]] if values.get("parent_code") else None,
                    description=values.get("description", ""),
                    criticality=values.get("criticality", Criticality.MEDIUM),
                    asset_class=values.get("asset_class"),
                    commissioned_at=values.get("commissioned_at"),
                    decommissioned_at=values.get("decommissioned_at"),
                    external_ids={name: values[name] for name in COLUMN_EXTERNAL_IDS if name in values},
                )
                pks[code] = asset.pk
                report.created.append(code)
                continue
            changes = _changes(existing[code], values, pks)
            if changes:
                update_asset(actor, existing[code], changes)
                report.updated.append(code)
            else:
                report.unchanged += 1
        except DomainError as exc:
            column = exc.details.get("field")
            problems.append(Problem(row.line, column if column in COLUMNS else None, exc.message))
    return problems


def import_assets(actor: User, site: Site, data: bytes, *, apply: bool) -> ImportReport:
    """Check a CSV asset register and, with `apply`, write it (all or nothing).

    Raises ValidationFailed (`invalid_file`, `not_utf8`, `unknown_columns` … for the file itself;
    `import_invalid` with `details.problems` [{line, column, message}] for its rows)."""
    authorize(actor, Perm.MANAGE_ASSETS, site.pk)
    raw_rows = read_rows(data)
    checker = _Checker(site)
    rows = [checker.row(line, raw) for line, raw in raw_rows]
    ordered = checker.parents(rows)
    report = ImportReport(applied=apply, rows=len(rows))
    problems = checker.problems
    if not problems:
        with transaction.atomic():
            problems = _write(actor, site, ordered, checker.existing, report)
            if problems or not apply:
                transaction.set_rollback(True)
    if problems:
        raise refuse_rows(problems)
    return report


def register_rows(assets) -> Iterator[list[Any]]:
    """The register as the import reads it (COLUMNS, in order): an export to edit and import back."""
    rows = assets.order_by("site_id", "code").values_list(
        "code", "name", "parent__code", "location__code", "asset_class__code", "criticality", "description",
        "commissioned_at", "decommissioned_at", "oee_machine_id", "erp_cost_center",
    )  # fmt: skip
    for row in rows.iterator(chunk_size=2000):
        yield ["" if value is None else value for value in row]
