"""A PM schedule's past occurrences from a CSV or XLSX file: when each was due and whether it was done
on time, late or missed. Each becomes an occurrence of its schedule with its closed WO (the
schedule's asset, type and priority; `origin = import`), so PM compliance counts it on the SMRP rule
with the site's grace, the schedule's page shows its history, and the schedule goes on from its last
occurrence: a floating one counts its next due date from the last completion.

The outcome is checked against the dates — done means completed by due date + grace, late after it,
missed not completed at all (the WO is closed without a completion, so it counts as due and not done)
— and a due date must lie before the occurrences the schedule has generated already (those are
renumbered after the history). Checked whole, written all or nothing; an occurrence already there
(the same `number`, or the same schedule and due date) is left as it is.

Columns: schedule (its name at the site), due_date (YYYY-MM-DD), outcome (done, late, missed),
completed_at, number (its number in the old system), note.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.files.tables import Problem, moment, read_table, refuse_rows, unquote
from plantwright.maintenance.history_import import write_work_orders
from plantwright.maintenance.import_kinds import ImportKind
from plantwright.maintenance.models import WorkOrder, WorkOrderStatus
from plantwright.pm.models import PmOccurrence, PmSchedule
from plantwright.pm.services import grace_days

MAX_BYTES = 20_000_000
MAX_ROWS = 200_000
REQUIRED = ("schedule", "due_date", "outcome")
COLUMNS = {"schedule": 200, "due_date": 10, "outcome": 6, "completed_at": 40, "number": 40, "note": 2000}
OUTCOMES = ("done", "late", "missed")
_RENUMBER = 1_000_000_000  # above any real sequence: existing occurrences step aside through it


@dataclass
class PmHistoryReport:
    applied: bool
    rows: int = 0
    created: int = 0
    done: int = 0
    late: int = 0
    missed: int = 0
    already_there: int = 0


def import_pm_history(
    actor: User, site: Site, data: bytes, *, apply: bool, progress: Callable | None = None
) -> PmHistoryReport:
    """Check a PM history and, with `apply`, write it (all or nothing)."""
    authorize(actor, Perm.MANAGE_WORK_ORDERS, site.pk)
    raw_rows = read_table(data, columns=COLUMNS, required=REQUIRED, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    schedules: dict[str, list[PmSchedule]] = {}
    for schedule in PmSchedule.objects.filter(site=site).select_related("asset"):
        schedules.setdefault(schedule.name.strip().lower(), []).append(schedule)
    first_due = dict(
        PmOccurrence.objects.filter(schedule__site=site).values("schedule_id").annotate(first=Min("due_date"))
        .values_list("schedule_id", "first")
    )  # fmt: skip
    known_refs = set(
        WorkOrder.objects.filter(site=site).exclude(external_ref="").values_list("external_ref", flat=True)
    )
    known_dues = set(PmOccurrence.objects.filter(schedule__site=site).values_list("schedule_id", "due_date"))
    grace, today, now = grace_days(site), site.local_date(), timezone.now()
    problems: list[Problem] = []
    rows, seen = [], {}
    report = PmHistoryReport(applied=apply, rows=len(raw_rows))
    for line, raw in raw_rows:
        cells = {column: unquote(text.strip()) for column, text in raw.items()}
        before = len(problems)
        for column in REQUIRED:
            if not cells.get(column):
                problems.append(Problem(line, column, "required"))
        named = schedules.get(cells["schedule"].lower(), [])
        if cells["schedule"] and len(named) != 1:
            message = "two schedules have this name: rename one" if named else f"no PM schedule {cells['schedule']}"
            problems.append(Problem(line, "schedule", message))
        schedule = named[0] if len(named) == 1 else None
        outcome = cells["outcome"].lower()
        if outcome and outcome not in OUTCOMES:
            problems.append(Problem(line, "outcome", "done, late or missed"))
        due = completed = None
        try:
            due = date.fromisoformat(cells["due_date"]) if cells["due_date"] else None
        except ValueError:
            problems.append(Problem(line, "due_date", "not a date (YYYY-MM-DD)"))
        if due and (due > today or due.year < 1990):
            problems.append(Problem(line, "due_date", "in the future or before 1990"))
        if cells.get("completed_at"):
            try:
                completed = moment(cells["completed_at"], site.zone)
            except ValueError as exc:
                problems.append(Problem(line, "completed_at", str(exc)))
            else:
                if completed > now or completed.year < 1990:
                    problems.append(Problem(line, "completed_at", "in the future or before 1990"))
        if len(problems) > before:
            continue
        message = _outcome_problem(outcome, due, completed and site.local_date(completed), grace)
        if message:
            problems.append(Problem(line, "completed_at" if outcome != "missed" else "outcome", message))
            continue
        ref = cells.get("number") or f"PM-{schedule.pk}-{due.isoformat()}"
        if ref in known_refs or (schedule.pk, due) in known_dues:
            report.already_there += 1
            continue
        if (schedule.pk, due) in seen:
            problems.append(
                Problem(line, "due_date", f"this schedule's occurrence due then is on line {seen[schedule.pk, due]}")
            )
            continue
        seen[(schedule.pk, due)] = line
        if schedule.pk in first_due and due >= first_due[schedule.pk]:
            problems.append(Problem(line, "due_date", f"not before the occurrences generated already (the first due "
                                    f"{first_due[schedule.pk].isoformat()})"))  # fmt: skip
            continue
        rows.append((schedule, due, outcome, completed, ref, cells.get("note", "")))
    if problems:
        raise refuse_rows(problems)
    report.created = len(rows)
    for outcome in OUTCOMES:
        setattr(report, outcome, sum(1 for row in rows if row[2] == outcome))
    if apply and rows:
        with transaction.atomic():
            _write(actor, site, rows, progress)
    return report


def _outcome_problem(outcome: str, due: date, completed_on: date | None, grace: int) -> str:
    deadline = due + timedelta(days=grace)
    if outcome == "missed":
        return "a missed occurrence has no completed_at" if completed_on else ""
    if completed_on is None:
        return f"required for a {outcome} occurrence"
    if outcome == "done" and completed_on > deadline:
        return f"after due date + {grace} days' grace ({deadline.isoformat()}): late, not done"
    if outcome == "late" and completed_on <= deadline:
        return f"by due date + {grace} days' grace ({deadline.isoformat()}): done, not late"
    return ""


def _write(actor: User, site: Site, rows: list[tuple], progress: Callable | None) -> None:
    rows = sorted(rows, key=lambda row: (row[0].pk, row[1]))
    values = []
    for schedule, due, outcome, completed, ref, note in rows:
        raised = datetime.combine(due - timedelta(days=schedule.lead_days), time(), tzinfo=site.zone)
        values.append({
            "external_ref": ref, "asset_id": schedule.asset_id, "type": schedule.work_order_type,
            "priority": schedule.priority, "status": WorkOrderStatus.CLOSED, "is_failure": False,
            "title": f"PM: {schedule.name}", "description": f"{outcome}. {note}".strip() if note else outcome,
            "due_date": due, "created_at": min(raised, completed) if completed else raised, "completed_at": completed,
            "down_since": None, "restored_at": None, "problem_code_id": None, "cause_code_id": None,
            "remedy_code_id": None,
        })  # fmt: skip
    work_orders = write_work_orders(actor, site, values, progress)
    counts = dict(
        PmOccurrence.objects.filter(schedule_id__in={row[0].pk for row in rows})
        .values("schedule_id").annotate(n=Count("pk")).values_list("schedule_id", "n")
    )  # fmt: skip
    imported = Counter(row[0].pk for row in rows)
    for schedule_id, count in imported.items():
        if counts.get(schedule_id):  # the generated occurrences step after the history
            later = PmOccurrence.objects.filter(schedule_id=schedule_id)
            later.update(sequence=F("sequence") + _RENUMBER)
            later.update(sequence=F("sequence") - _RENUMBER + count)
    sequence: dict[int, int] = {}
    occurrences = []
    for (schedule, due, *_rest), work_order in zip(rows, work_orders, strict=True):
        sequence[schedule.pk] = sequence.get(schedule.pk, 0) + 1
        occurrences.append(PmOccurrence(schedule=schedule, sequence=sequence[schedule.pk], due_date=due,
                                        work_order=work_order))  # fmt: skip
    PmOccurrence.objects.bulk_create(occurrences)


KIND = ImportKind(
    "pm_history",
    _("PM history"),
    _("A PM schedule's past occurrences: due when, done on time, late or missed."),
    import_pm_history,
    tuple(COLUMNS),
    REQUIRED,
    MAX_BYTES,
    70,
    Perm.MANAGE_WORK_ORDERS,
)
