"""A plant's WO history from a CSV or XLSX file: its old CMMS or spreadsheet, or our own WO export edited.

One row per WO, in the WO export's columns (docs/history-import.md); `number` is the WO's number
where it came from, kept as `external_ref`: a number already at the site (imported before, or one of
our own WOs, as an export holds them) is left as it is, so importing the same file again changes
nothing. The export's figures (hours, cost, planned, origin) are accepted and ignored: they are read
from the entries, not typed. The whole file is checked against the rules a WO typed in follows — the
asset of the site, a known type and status, failure codes of the right kind, down since ≤ restored at,
nothing in the future, and a completed failure with its times and codes (`completion_gaps`) — and then
written all or nothing in bulk (numbered from the WO sequence, a history row and a status transition
for each), so MTBF, MTTR, PM compliance and the WO counts read them as any WO. `apply=False` checks
and reports without writing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.assets.models import Asset
from plantwright.core.files.tables import Problem, moment, read_table, refuse_rows, unquote
from plantwright.maintenance.import_kinds import ImportKind
from plantwright.maintenance.models import (
    DONE_STATUSES,
    FAILURE_BY_DEFAULT_TYPES,
    FailureCode,
    NumberSequence,
    Priority,
    WorkOrder,
    WorkOrderOrigin,
    WorkOrderStatus,
    WorkOrderTransition,
    WorkOrderType,
)
from plantwright.maintenance.models.counts import fold
from plantwright.maintenance.services.work import completion_gaps

MAX_BYTES = 60_000_000
MAX_ROWS = 200_000
BATCH = 2000
REQUIRED = ("number", "asset", "type", "title", "created_at")
COLUMNS: dict[str, int] = {  # column -> max length
    "number": 40, "asset": 40, "type": 12, "status": 12, "priority": 10, "title": 200, "description": 10000,
    "is_failure": 5, "problem": 32, "cause": 32, "remedy": 32, "down_since": 40, "restored_at": 40,
    "due_date": 10, "created_at": 40, "completed_at": 40,
}  # fmt: skip
# In the WO export, computed from the entries: read on import, never written.
IGNORED = ("planned", "origin", "labor_hours", "contractor_hours", "labor_cost", "parts_cost", "contractor_cost",
           "total_cost")  # fmt: skip
TRUE, FALSE = {"true", "yes", "1", "ja", "evet"}, {"false", "no", "0", "", "nein", "hayır"}


@dataclass
class HistoryReport:
    applied: bool
    rows: int = 0
    created: int = 0
    already_there: list[str] = field(default_factory=list)


class _Checker:
    def __init__(self, site: Site):
        self.site = site
        self.problems: list[Problem] = []
        self.assets = dict(Asset.objects.filter(site=site).values_list("code", "pk"))
        self.codes = {(kind, code): pk for pk, kind, code in FailureCode.objects.values_list("pk", "kind", "code")}
        site_wos = WorkOrder.objects.filter(site=site)
        self.known = set(site_wos.exclude(external_ref="").values_list("external_ref", flat=True))
        self.known |= set(site_wos.values_list("number", flat=True))  # our own export, imported back
        self.lines: dict[str, int] = {}
        self.now = timezone.now()

    def problem(self, line: int, column: str | None, message: str) -> None:
        self.problems.append(Problem(line, column, message))

    def row(self, line: int, raw: dict[str, str]) -> dict[str, Any] | None:
        cells = {column: unquote(text.strip()) for column, text in raw.items() if column not in IGNORED}
        before = len(self.problems)
        for column, text in cells.items():
            if len(text) > COLUMNS[column]:
                self.problem(line, column, f"longer than {COLUMNS[column]} characters")
        number = cells["number"]
        if number in self.lines:
            self.problem(line, "number", f"{number} is also on line {self.lines[number]}")
        self.lines.setdefault(number, line)
        values = {"external_ref": number}
        for column in REQUIRED:
            if not cells.get(column):
                self.problem(line, column, "required")
        values["asset_id"] = self.assets.get(cells["asset"])
        if cells["asset"] and values["asset_id"] is None:
            self.problem(line, "asset", f"no asset {cells['asset']} at {self.site.code}")
        for column, choices, default in (("type", WorkOrderType, None), ("status", WorkOrderStatus, "closed"),
                                         ("priority", Priority, Priority.MEDIUM)):  # fmt: skip
            value = cells.get(column, "").lower() or default
            if value is not None and value not in choices.values:
                self.problem(line, column, f"not one of {', '.join(choices.values)}")
            values[column] = value  # a missing type is already "required"
        failure = cells.get("is_failure", "").lower()
        if failure not in TRUE | FALSE:
            self.problem(line, "is_failure", "true or false")
        values["is_failure"] = failure in TRUE if failure else values["type"] in FAILURE_BY_DEFAULT_TYPES
        for kind in ("problem", "cause", "remedy"):
            code = cells.get(kind, "")
            values[f"{kind}_code_id"] = self.codes.get((kind, code)) if code else None
            if code and values[f"{kind}_code_id"] is None:
                self.problem(line, kind, f"no {kind} code {code}")
        for column in ("down_since", "restored_at", "created_at", "completed_at"):
            values[column] = self.when(line, column, cells.get(column, ""))
        values["due_date"] = self.when(line, "due_date", cells.get("due_date", ""))
        values["due_date"] = values["due_date"].date() if values["due_date"] else None
        values["title"], values["description"] = cells["title"], cells.get("description", "")
        if len(self.problems) == before:
            self.rules(line, values)
        return values if len(self.problems) == before else None

    def when(self, line: int, column: str, text: str) -> datetime | None:
        if not text:
            return None
        try:
            value = moment(text, self.site.zone)
        except ValueError as exc:
            self.problem(line, column, str(exc))
            return None
        if value > self.now or value.year < 1990:
            self.problem(line, column, "in the future or before 1990")
        return value

    def rules(self, line: int, values: dict[str, Any]) -> None:
        """What a WO typed in may not be either (services/work.py)."""
        down, restored = values["down_since"], values["restored_at"]
        if down and restored and restored < down:
            self.problem(line, "restored_at", "before down_since")
        done = values["status"] in DONE_STATUSES
        if done and not values["completed_at"]:
            self.problem(line, "completed_at", f"required for a {values['status']} WO")
        if not done and values["completed_at"]:
            self.problem(line, "completed_at", f"a {values['status']} WO is not completed")
        if values["completed_at"] and values["created_at"] and values["completed_at"] < values["created_at"]:
            self.problem(line, "completed_at", "before created_at")
        if done:
            gaps = completion_gaps(WorkOrder(**{k: v for k, v in values.items() if k != "external_ref"}))
            for gap in gaps:
                self.problem(line, gap.removeprefix("failure."), "required for a completed failure")


def _numbers(count: int) -> list[str]:
    """`count` WO numbers from the sequence, taken in one step."""
    counter = NumberSequence.objects.select_for_update().filter(name="WO").first()
    if counter is None:
        NumberSequence.objects.get_or_create(name="WO")
        counter = NumberSequence.objects.select_for_update().get(name="WO")
    first = counter.last_value + 1
    counter.last_value += count
    counter.save(update_fields=["last_value"])
    return [f"WO-{n:06d}" for n in range(first, first + count)]


def write_work_orders(
    actor: User, site: Site, rows: list[dict[str, Any]], progress: Callable | None = None
) -> list[WorkOrder]:
    """Imported WOs (checked rows of WorkOrder fields, with their external_ref) in bulk: numbered from
    the WO sequence, each with its history row and one status transition. Also the PM history's."""
    written = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        numbers = _numbers(len(batch))
        work_orders = [
            WorkOrder(number=number, site=site, origin=WorkOrderOrigin.IMPORT, created_by=actor, **values)
            for number, values in zip(numbers, batch, strict=True)
        ]
        bulk_create_with_history(work_orders, WorkOrder, batch_size=BATCH, default_user=actor)
        if any(wo.pk is None for wo in work_orders):  # a database that does not return the new ids
            created = dict(WorkOrder.objects.filter(number__in=numbers).values_list("number", "pk"))
            for wo in work_orders:
                wo.pk = created[wo.number]
        transitions = [
            WorkOrderTransition(work_order=wo, from_status="", to_status=wo.status, actor=actor,
                                at=wo.completed_at or wo.created_at, note=f"Imported as {wo.external_ref}")
            for wo in work_orders
        ]  # fmt: skip
        WorkOrderTransition.objects.bulk_create(transitions, batch_size=BATCH)
        written += work_orders
        if progress:
            progress(start + len(batch), len(rows))
    fold()  # a trigger row per WO and status: leave the counts folded, whether a worker runs or not
    return written


def import_history(
    actor: User, site: Site, data: bytes, *, apply: bool, progress: Callable | None = None
) -> HistoryReport:
    """Check a CSV or XLSX WO history and, with `apply`, write it (all or nothing).

    Raises ValidationFailed (`invalid_file`, `not_utf8`, `unknown_columns` … for the file itself;
    `import_invalid` with `details.problems` [{line, column, message}] for its rows)."""
    authorize(actor, Perm.MANAGE_WORK_ORDERS, site.pk)
    columns = {**COLUMNS, **dict.fromkeys(IGNORED, 0)}
    raw_rows = read_table(data, columns=columns, required=REQUIRED, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    checker = _Checker(site)
    report = HistoryReport(applied=apply, rows=len(raw_rows))
    new = []
    for line, raw in raw_rows:
        if unquote(raw["number"].strip()) in checker.known:
            report.already_there.append(raw["number"].strip())
            continue
        values = checker.row(line, raw)
        if values is not None:
            new.append(values)
    if checker.problems:
        raise refuse_rows(checker.problems)
    report.created = len(new)
    if apply and new:
        with transaction.atomic():
            write_work_orders(actor, site, new, progress)
    return report


KIND = ImportKind(
    "work_orders",
    _("Work orders"),
    _("One row per WO of the old system: its number is kept, its dates and codes too."),
    import_history,
    tuple(COLUMNS),
    REQUIRED,
    MAX_BYTES,
    20,
    Perm.MANAGE_WORK_ORDERS,
)
