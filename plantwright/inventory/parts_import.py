"""The parts a plant's WOs used, from a CSV or XLSX file, after its WOs: which part, how many, on
which day, at what unit cost — the file's, or else the part's current moving average at the site's
storerooms (weighted by what each holds). Each row posts its cost to the WO's ledger on the day it was
used, as an issue does, so parts cost per asset and per month comes out of the history. Stock is not
moved: what the storerooms hold today is counted, not derived from years of issues. Checked whole,
written all or nothing in bulk; each row's ledger line has a key made of its cells, so the same file
imported again writes nothing.

Columns: number (the WO's number or its external_ref), part (a part number), quantity, used_on
(YYYY-MM-DD), unit_cost, note.
"""

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.files.tables import Problem, read_table, refuse_rows, unquote
from plantwright.inventory.models import Part, StockLevel
from plantwright.inventory.services import MAX_QUANTITY, QUANTITY_STEP
from plantwright.maintenance.history_rows import entry_day, number, work_order_ids
from plantwright.maintenance.import_kinds import ImportKind
from plantwright.maintenance.models import CostCategory, CostKind, CostLine, WorkOrder
from plantwright.maintenance.services.ledger import build_cost_line, money
from plantwright.maintenance.services.periods import closed_through

MAX_BYTES = 60_000_000
MAX_ROWS = 500_000
BATCH = 2000
REQUIRED = ("number", "part", "quantity", "used_on")
COLUMNS = {"number": 40, "part": 60, "quantity": 20, "used_on": 10, "unit_cost": 20, "note": 200}
SOURCE = "parts_import"


@dataclass
class PartsReport:
    applied: bool
    rows: int = 0
    amount: Decimal = Decimal(0)
    already_there: int = 0


def _averages(site: Site) -> dict[int, Decimal]:
    """Part id → its moving-average unit cost over the site's storerooms, weighted by what each holds."""
    held = ExpressionWrapper(F("quantity_on_hand") * F("average_cost"), output_field=DecimalField())
    levels = StockLevel.objects.filter(storeroom__site=site, quantity_on_hand__gt=0).values("part_id")
    return {
        row["part_id"]: money(row["value"] / row["quantity"])
        for row in levels.annotate(value=Sum(held), quantity=Sum("quantity_on_hand"))
    }


def _key(site: Site, cells: dict[str, str], nth: int) -> str:
    """The ledger key of a row: its cells (and which copy of them, for a row twice in the file)."""
    text = "\x1f".join([str(site.pk), *(cells.get(column, "") for column in COLUMNS), str(nth)])
    return f"{SOURCE}:{hashlib.sha256(text.encode()).hexdigest()}"


def import_parts_used(
    actor: User, site: Site, data: bytes, *, apply: bool, progress: Callable | None = None
) -> PartsReport:
    """Check a parts-used history and, with `apply`, post it (all or nothing)."""
    authorize(actor, Perm.MANAGE_WORK_ORDERS, site.pk)
    raw_rows = read_table(data, columns=COLUMNS, required=REQUIRED, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    work_orders = work_order_ids(site)
    parts = dict(Part.objects.values_list("part_number", "pk"))
    averages = _averages(site)
    today, through = site.local_date(), closed_through(site)
    problems: list[Problem] = []
    rows, copies = [], Counter()
    for line, raw in raw_rows:
        cells = {column: unquote(text.strip()) for column, text in raw.items()}
        before = len(problems)
        for column in REQUIRED:
            if not cells.get(column):
                problems.append(Problem(line, column, "required"))
        work_order, part = work_orders.get(cells["number"]), parts.get(cells["part"])
        if cells["number"] and work_order is None:
            problems.append(Problem(line, "number", f"no WO {cells['number']} at {site.code}"))
        if cells["part"] and part is None:
            problems.append(Problem(line, "part", f"no part {cells['part']}"))
        values = {}
        for column in ("quantity", "used_on", "unit_cost"):
            if not cells.get(column):
                continue
            try:
                values[column] = (
                    entry_day(cells[column], today=today, closed_through=through)
                    if column == "used_on"
                    else number(cells[column])
                )
            except ValueError as exc:
                problems.append(Problem(line, column, str(exc)))
        quantity = values.get("quantity")
        if quantity is not None and not (0 < quantity < MAX_QUANTITY and quantity == quantity.quantize(QUANTITY_STEP)):
            problems.append(Problem(line, "quantity", "positive, below 1 000 000 000, at most 4 decimals"))
        unit_cost = values.get("unit_cost", averages.get(part))
        if unit_cost is None and part is not None and not cells.get("unit_cost"):
            problems.append(Problem(line, "unit_cost", f"{cells['part']} has no stock to take an average cost from"))
        elif unit_cost is not None and not (0 <= unit_cost < Decimal("1e9")):
            problems.append(Problem(line, "unit_cost", "between 0 and 1 000 000 000"))
        if len(problems) == before:
            identity = tuple(cells.get(column, "") for column in COLUMNS)
            copies[identity] += 1
            rows.append(
                (work_order, cells, quantity, values["used_on"], unit_cost, _key(site, cells, copies[identity]))
            )
    if problems:
        raise refuse_rows(problems)
    keys = [row[5] for row in rows]
    known = set()
    for start in range(0, len(keys), BATCH):
        known |= set(CostLine.objects.filter(idempotency_key__in=keys[start : start + BATCH])
                     .values_list("idempotency_key", flat=True))  # fmt: skip
    new = [row for row in rows if row[5] not in known]
    report = PartsReport(applied=apply, rows=len(raw_rows), already_there=len(rows) - len(new),
                         amount=sum((money(row[2] * row[4]) for row in new), Decimal(0)))  # fmt: skip
    if apply and new:
        with transaction.atomic():
            _write(actor, new, progress)
    return report


def _write(actor: User, rows: list[tuple], progress: Callable | None) -> None:
    work_orders = WorkOrder.objects.select_related("site").in_bulk({row[0] for row in rows})
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        lines = [
            build_cost_line(work_orders[wo], kind=CostKind.PART_ISSUE, category=CostCategory.PARTS,
                            amount=money(quantity * unit_cost), quantity=quantity, cost_date=day, source_type=SOURCE,
                            source_id=key.removeprefix(f"{SOURCE}:")[:64], idempotency_key=key,
                            description=f"{cells['part']} × {quantity} @ {unit_cost} (imported)"
                            + (f": {cells['note']}" if cells.get("note") else ""), posted_by=actor, history=True)
            for wo, cells, quantity, day, unit_cost, key in batch
        ]  # fmt: skip
        CostLine.objects.bulk_create(lines)
        if progress:
            progress(start + len(batch), len(rows))


KIND = ImportKind(
    "parts_used",
    _("Parts used"),
    _("Parts a WO used, on the day used, at the file's unit cost or today's average; stock is not moved."),
    import_parts_used,
    tuple(COLUMNS),
    REQUIRED,
    MAX_BYTES,
    50,
    Perm.MANAGE_WORK_ORDERS,
)
