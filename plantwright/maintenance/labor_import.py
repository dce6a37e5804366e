"""A plant's labor history from a CSV file, after its WOs (history_import.py): who worked on which
WO, on which day, how long. Each hour is costed as log_labor costs it — the technician's own rate in
force that day, else the craft's (`rate_for`), times the overtime factor — and posted to the WO's
ledger on its work day, so labor hours and labor cost per asset and per month come out of the history
as from entries typed in. The rules are log_labor's (hours 0–24 in hundredths, at most 24 h a person
a day with what is already booked, no work day in the future or in a closed month), except that a
closed WO takes its history. The whole file is checked, then written all or nothing, in bulk; a row
already booked (the same WO, person, day and hours) is left as it is, so a file imported again
writes nothing.

Columns: number (the WO's number or its external_ref), technician (a username), hours, work_date
(YYYY-MM-DD), craft (a craft code), overtime (a factor 1–3, 1 if empty), note.
"""

import bisect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.files.tables import Problem, read_table, refuse_rows, unquote
from plantwright.maintenance.history_rows import already_there, entry_day, number, work_order_ids
from plantwright.maintenance.import_kinds import ImportKind
from plantwright.maintenance.models import CostCategory, CostKind, CostLine, Craft, LaborEntry, LaborRate, WorkOrder
from plantwright.maintenance.services.labor import HOURS_STEP, MAX_HOURS_PER_DAY
from plantwright.maintenance.services.ledger import build_cost_line, money
from plantwright.maintenance.services.periods import closed_through

MAX_BYTES = 60_000_000
MAX_ROWS = 500_000
BATCH = 2000
REQUIRED = ("number", "technician", "hours", "work_date")
COLUMNS = {"number": 40, "technician": 150, "hours": 12, "work_date": 10, "craft": 32, "overtime": 6, "note": 2000}


@dataclass
class LaborReport:
    applied: bool
    rows: int = 0
    hours: Decimal = Decimal(0)
    already_there: int = 0


class _Rates:
    """The site's labor rates in memory, answering as `rate_for` does."""

    def __init__(self, site: Site):
        self.by: dict[tuple[str, int], list[tuple[date, Decimal]]] = defaultdict(list)
        for rate in LaborRate.objects.filter(site=site).order_by("effective_from"):
            key = ("technician", rate.technician_id) if rate.technician_id else ("craft", rate.craft_id)
            self.by[key].append((rate.effective_from, rate.hourly_rate))

    def on(self, technician: int, craft: int | None, day: date) -> Decimal | None:
        for key in (("technician", technician), ("craft", craft)):
            rates = self.by.get(key, [])
            at = bisect.bisect_right([d for d, _ in rates], day)
            if at:
                return rates[at - 1][1]
        return None


def import_labor(actor: User, site: Site, data: bytes, *, apply: bool, progress: Callable | None = None) -> LaborReport:
    """Check a CSV or XLSX labor history and, with `apply`, write it (all or nothing); `progress(done,
    total)` is told after each batch written."""
    authorize(actor, Perm.MANAGE_WORK_ORDERS, site.pk)
    raw_rows = read_table(data, columns=COLUMNS, required=REQUIRED, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    work_orders = work_order_ids(site)
    people = dict(User.objects.values_list("username", "pk"))
    names = {pk: username for username, pk in people.items()}
    crafts = dict(Craft.objects.values_list("code", "pk"))
    rates, through = _Rates(site), closed_through(site)
    today = site.local_date()
    problems: list[Problem] = []
    rows, per_day = [], defaultdict(Decimal)
    for line, raw in raw_rows:
        cells = {column: unquote(text.strip()) for column, text in raw.items()}
        before = len(problems)

        def problem(column: str, message: str) -> None:
            problems.append(Problem(line, column, message))  # noqa: B023 (used within this row)

        for column in REQUIRED:
            if not cells.get(column):
                problem(column, "required")
        work_order, technician = work_orders.get(cells["number"]), people.get(cells["technician"])
        if cells["number"] and work_order is None:
            problem("number", f"no WO {cells['number']} at {site.code}")
        if cells["technician"] and technician is None:
            problem("technician", f"no user {cells['technician']}")
        craft = crafts.get(cells.get("craft", "")) if cells.get("craft") else None
        if cells.get("craft") and craft is None:
            problem("craft", f"no craft {cells['craft']}")
        parsed = {}
        for column, read in (("hours", number), ("overtime", number), ("work_date", entry_day)):
            text = cells.get(column, "") or ("1" if column == "overtime" else "")
            try:
                parsed[column] = read(text, today=today, closed_through=through) if read is entry_day else read(text)
            except ValueError as exc:
                if text:  # an empty required cell is "required" already
                    problem(column, str(exc))
        if len(parsed) < 3:
            continue
        hours, overtime, day = parsed["hours"], parsed["overtime"], parsed["work_date"]
        if not (0 < hours <= MAX_HOURS_PER_DAY) or hours != hours.quantize(HOURS_STEP):
            problem("hours", "more than 0 and at most 24, in hundredths")
        if not Decimal(1) <= overtime <= Decimal(3):
            problem("overtime", "a factor from 1 to 3")
        rate = rates.on(technician, craft, day) if technician else None
        if technician and rate is None:
            problem("technician", f"no labor rate for {cells['technician']} on {day.isoformat()}")
        if len(problems) == before:
            rows.append((line, work_order, technician, craft, hours, overtime, day, rate, cells.get("note", "")))
    keys = [(row[1], row[2], row[6], row[4]) for row in rows]
    booked_there = LaborEntry.objects.filter(work_order_id__in={key[0] for key in keys}, reversal_of__isnull=True)
    there = already_there(keys, booked_there.values_list("work_order_id", "technician_id", "work_date", "hours"))
    repeated = sum(there)
    rows = [row for row, known in zip(rows, there, strict=True) if not known]
    for row in rows:
        per_day[(row[2], row[6])] += row[4]
    if per_day:
        booked = (
            LaborEntry.objects.filter(
                Q(technician_id__in={t for t, _ in per_day}), Q(work_date__in={d for _, d in per_day})
            )
            .values_list("technician_id", "work_date")
            .annotate(total=Sum("hours"))
        )
        for technician, day, total in booked:
            if (technician, day) in per_day:
                per_day[(technician, day)] += total
        for line, _wo, technician, _c, _h, _o, day, _r, _n in rows:
            if per_day[(technician, day)] > MAX_HOURS_PER_DAY:
                problems.append(Problem(line, "hours", f"more than 24 h on {day.isoformat()} for this person"))
    if problems:
        raise refuse_rows(problems)
    hours = sum((row[4] for row in rows), Decimal(0))
    report = LaborReport(applied=apply, rows=len(raw_rows), hours=hours, already_there=repeated)
    if apply and rows:
        with transaction.atomic():
            _write(actor, site, rows, names, progress)
    return report


def _write(actor: User, site: Site, rows: list[tuple], names: dict[int, str], progress: Callable | None) -> None:
    work_orders = WorkOrder.objects.select_related("site").in_bulk({row[1] for row in rows})
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        entries = [
            LaborEntry(work_order_id=wo, technician_id=tech, craft_id=craft, work_date=day, hours=hours,
                       overtime_multiplier=overtime, hourly_rate=rate, amount=money(hours * rate * overtime),
                       note=note, entered_by=actor)
            for _line, wo, tech, craft, hours, overtime, day, rate, note in batch
        ]  # fmt: skip
        entries = LaborEntry.objects.bulk_create(entries)
        lines = [
            build_cost_line(work_orders[entry.work_order_id], kind=CostKind.LABOR, category=CostCategory.LABOR,
                            amount=entry.amount, quantity=entry.hours, cost_date=entry.work_date,
                            source_type="labor_entry", source_id=entry.pk, idempotency_key=f"labor_entry:{entry.pk}",
                            description=f"{names[entry.technician_id]}, {entry.hours} h × {entry.hourly_rate} "
                            "(imported)", posted_by=actor, history=True)
            for entry in entries
        ]  # fmt: skip
        CostLine.objects.bulk_create(lines)
        if progress:
            progress(start + len(batch), len(rows))


KIND = ImportKind(
    "labor",
    _("Labor hours"),
    _("Who worked on which WO, which day, how long: costed at the rate in force that day."),
    import_labor,
    tuple(COLUMNS),
    REQUIRED,
    MAX_BYTES,
    30,
    Perm.MANAGE_WORK_ORDERS,
)
