"""A plant's contractor hours from a CSV or XLSX file, after its WOs: which contractor's person worked
on which WO, on which day, how long, on which PO or at which agreed rate. The rules are
log_contractor_hours' — a known contractor (a former one too), a person, hours 0–24 in hundredths and
at most 24 h a person a day with what is already booked, a PO line only with its PO number, a PO *or*
an agreed rate — except that a closed WO takes its history. Hours at an agreed rate post their money
to the WO's ledger on their work day; PO-paid hours post none (their money comes with the PO's
invoice, so it can never count twice). Checked whole, written all or nothing in bulk; a row already
booked (the same WO, contractor, person, day and hours) is left as it is.

Columns: number (the WO's number or its external_ref), contractor (a vendor code), person, hours,
work_date (YYYY-MM-DD), po_number, po_line, agreed_rate, note.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.files.tables import Problem, read_table, refuse_rows, unquote
from plantwright.maintenance.history_rows import already_there, entry_day, number, work_order_ids
from plantwright.maintenance.import_kinds import ImportKind
from plantwright.maintenance.models import ContractorEntry, CostCategory, CostKind, CostLine, Vendor, WorkOrder
from plantwright.maintenance.services.labor import HOURS_STEP, MAX_HOURS_PER_DAY
from plantwright.maintenance.services.ledger import build_cost_line, money
from plantwright.maintenance.services.periods import closed_through

MAX_BYTES = 60_000_000
MAX_ROWS = 500_000
BATCH = 2000
REQUIRED = ("number", "contractor", "person", "hours", "work_date")
COLUMNS = {"number": 40, "contractor": 40, "person": 200, "hours": 12, "work_date": 10, "po_number": 64,
           "po_line": 9, "agreed_rate": 20, "note": 500}  # fmt: skip


@dataclass
class ContractorReport:
    applied: bool
    rows: int = 0
    hours: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)  # posted at agreed rates (PO-paid hours post with their invoices)
    already_there: int = 0


@dataclass
class _Row:
    line: int
    work_order: int
    vendor: int
    person: str
    hours: Decimal
    day: object
    po_number: str
    po_line: int | None
    rate: Decimal | None
    note: str

    @property
    def key(self):
        return (self.work_order, self.vendor, self.person.lower(), self.day, self.hours)


def import_contractor_hours(
    actor: User, site: Site, data: bytes, *, apply: bool, progress: Callable | None = None
) -> ContractorReport:
    """Check a contractor-hours history and, with `apply`, write it (all or nothing)."""
    authorize(actor, Perm.MANAGE_WORK_ORDERS, site.pk)
    raw_rows = read_table(data, columns=COLUMNS, required=REQUIRED, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    work_orders = work_order_ids(site)
    vendors = dict(Vendor.objects.values_list("code", "pk"))
    today, through = site.local_date(), closed_through(site)
    problems: list[Problem] = []
    rows: list[_Row] = []
    for line, raw in raw_rows:
        cells = {column: unquote(text.strip()) for column, text in raw.items()}
        before = len(problems)

        def problem(column: str, message: str) -> None:
            problems.append(Problem(line, column, message))  # noqa: B023 (used within this row)

        for column in REQUIRED:
            if not cells.get(column):
                problem(column, "required")
        work_order, vendor = work_orders.get(cells["number"]), vendors.get(cells["contractor"])
        if cells["number"] and work_order is None:
            problem("number", f"no WO {cells['number']} at {site.code}")
        if cells["contractor"] and vendor is None:
            problem("contractor", f"no contractor {cells['contractor']}")
        parsed = {}
        for column in ("hours", "work_date", "po_line", "agreed_rate"):
            text = cells.get(column, "")
            if not text:
                continue
            try:
                if column == "work_date":
                    parsed[column] = entry_day(text, today=today, closed_through=through)
                elif column == "po_line":
                    if not (text.isdigit() and 0 < int(text) < 10**9):
                        raise ValueError("a whole number from 1")
                    parsed[column] = int(text)
                else:
                    parsed[column] = number(text)
            except ValueError as exc:
                problem(column, str(exc))
        hours, rate, po_number = parsed.get("hours"), parsed.get("agreed_rate"), cells.get("po_number", "")
        if hours is not None and (not (0 < hours <= MAX_HOURS_PER_DAY) or hours != hours.quantize(HOURS_STEP)):
            problem("hours", "more than 0 and at most 24, in hundredths")
        if parsed.get("po_line") and not po_number:
            problem("po_line", "a PO line needs its PO number")
        if po_number and rate is not None:
            problem("agreed_rate", "work paid through a PO gets its cost from the invoice: leave the rate empty")
        if rate is not None and rate < 0:
            problem("agreed_rate", "cannot be negative")
        if len(problems) == before:
            rows.append(_Row(line, work_order, vendor, cells["person"], hours, parsed["work_date"], po_number,
                             parsed.get("po_line"), rate, cells.get("note", "")))  # fmt: skip
    booked = ContractorEntry.objects.filter(
        work_order_id__in={row.work_order for row in rows}, reversal_of__isnull=True
    )
    existing = booked.values_list("work_order_id", "vendor_id", Lower("person"), "work_date", "hours")
    there = already_there([row.key for row in rows], existing)
    repeated = sum(there)
    rows = [row for row, known in zip(rows, there, strict=True) if not known]
    _check_daily_totals(rows, problems)
    if problems:
        raise refuse_rows(problems)
    report = ContractorReport(
        applied=apply,
        rows=len(raw_rows),
        hours=sum((row.hours for row in rows), Decimal(0)),
        amount=sum((money(row.hours * row.rate) for row in rows if row.rate is not None), Decimal(0)),
        already_there=repeated,
    )
    if apply and rows:
        with transaction.atomic():
            _write(actor, rows, progress)
    return report


def _check_daily_totals(rows: list[_Row], problems: list[Problem]) -> None:
    """At most 24 h a contractor's person a day, with what is already booked (as log_contractor_hours)."""
    per_day: dict[tuple, Decimal] = defaultdict(Decimal)
    for row in rows:
        per_day[(row.vendor, row.person.lower(), row.day)] += row.hours
    if not per_day:
        return
    booked = (
        ContractorEntry.objects.filter(
            vendor_id__in={v for v, _, _ in per_day}, work_date__in={d for _, _, d in per_day}
        )
        .values_list("vendor_id", Lower("person"), "work_date")
        .annotate(total=Sum("hours"))
    )
    for vendor, person, day, total in booked:
        if (vendor, person, day) in per_day:
            per_day[(vendor, person, day)] += total
    for row in rows:
        if per_day[(row.vendor, row.person.lower(), row.day)] > MAX_HOURS_PER_DAY:
            problems.append(Problem(row.line, "hours", f"more than 24 h on {row.day.isoformat()} for {row.person}"))


def _write(actor: User, rows: list[_Row], progress: Callable | None) -> None:
    work_orders = WorkOrder.objects.select_related("site").in_bulk({row.work_order for row in rows})
    names = dict(Vendor.objects.filter(pk__in={row.vendor for row in rows}).values_list("pk", "name"))
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        entries = ContractorEntry.objects.bulk_create([
            ContractorEntry(work_order_id=row.work_order, vendor_id=row.vendor, person=row.person, work_date=row.day,
                            hours=row.hours, po_number=row.po_number, po_line=row.po_line, agreed_rate=row.rate,
                            amount=money(row.hours * row.rate) if row.rate is not None else None, note=row.note,
                            entered_by=actor)
            for row in batch
        ])  # fmt: skip
        lines = [
            build_cost_line(work_orders[entry.work_order_id], kind=CostKind.CONTRACTOR,
                            category=CostCategory.CONTRACTOR, amount=entry.amount, quantity=entry.hours,
                            cost_date=entry.work_date, source_type="contractor_entry", source_id=entry.pk,
                            idempotency_key=f"contractor_entry:{entry.pk}",
                            description=f"{names[entry.vendor_id]}: {entry.person}, {entry.hours} h × "
                            f"{entry.agreed_rate} (imported)", posted_by=actor, history=True)
            for entry in entries
            if entry.amount is not None
        ]  # fmt: skip
        CostLine.objects.bulk_create(lines)
        if progress:
            progress(start + len(batch), len(rows))


KIND = ImportKind(
    "contractor_hours",
    _("Contractor hours"),
    _("A contractor's people on a WO: on a PO (its invoice brings the cost) or at an agreed rate."),
    import_contractor_hours,
    tuple(COLUMNS),
    REQUIRED,
    MAX_BYTES,
    40,
    Perm.MANAGE_WORK_ORDERS,
)
