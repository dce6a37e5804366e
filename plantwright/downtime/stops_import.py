"""A plant's past machine stops from a CSV or XLSX file (its OEE platform's or its own log): which asset
stopped, from when to when, why, and the WO it was repaired under, if any. History is not run through
the downtime rules — nobody opens a WO for a stop of 2023 — so each stop is recorded as the OEE
platform would have reported it, its decision "imported". The checks are those of an event: the asset
of the site, a known category, an end not before its start, nothing in the future; the WO (its number
or external_ref) of the same asset. Checked whole, written all or nothing; a stop already recorded (the
same asset and start) is left as it is, so a file imported again writes nothing.

Columns: asset, started_at, ended_at (date and time, ISO 8601, at the site without an offset),
category, reason_code, text, number.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.assets.models import Asset
from plantwright.core.files.tables import Problem, moment, read_table, refuse_rows, unquote
from plantwright.downtime.models import Category, DowntimeStop
from plantwright.maintenance.history_rows import work_order_ids
from plantwright.maintenance.import_kinds import ImportKind
from plantwright.maintenance.models import WorkOrder

MAX_BYTES = 60_000_000
MAX_ROWS = 500_000
BATCH = 2000
REQUIRED = ("asset", "started_at", "ended_at", "category")
COLUMNS = {"asset": 40, "started_at": 40, "ended_at": 40, "category": 20, "reason_code": 40, "text": 500,
           "number": 40}  # fmt: skip


@dataclass
class StopsReport:
    applied: bool
    rows: int = 0
    created: int = 0
    minutes: int = 0
    already_there: int = 0


def import_stops(actor: User, site: Site, data: bytes, *, apply: bool, progress: Callable | None = None) -> StopsReport:
    """Check a stops history and, with `apply`, record it (all or nothing)."""
    authorize(actor, Perm.MANAGE_WORK_ORDERS, site.pk)
    raw_rows = read_table(data, columns=COLUMNS, required=REQUIRED, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    assets = dict(Asset.objects.filter(site=site).values_list("code", "pk"))
    work_orders = work_order_ids(site)
    asset_of = dict(WorkOrder.objects.filter(site=site).values_list("pk", "asset_id"))
    now = timezone.now()
    problems: list[Problem] = []
    stops, starts = [], {}
    for line, raw in raw_rows:
        cells = {column: unquote(text.strip()) for column, text in raw.items()}
        before = len(problems)
        for column in REQUIRED:
            if not cells.get(column):
                problems.append(Problem(line, column, "required"))
        asset = assets.get(cells["asset"])
        if cells["asset"] and asset is None:
            problems.append(Problem(line, "asset", f"no asset {cells['asset']} at {site.code}"))
        if cells["category"] and cells["category"].lower() not in Category.values:
            problems.append(Problem(line, "category", f"not one of {', '.join(Category.values)}"))
        times = {}
        for column in ("started_at", "ended_at"):
            if not cells.get(column):
                continue
            try:
                times[column] = moment(cells[column], site.zone)
            except ValueError as exc:
                problems.append(Problem(line, column, str(exc)))
                continue
            if times[column] > now or times[column].year < 1990:
                problems.append(Problem(line, column, "in the future or before 1990"))
        if len(times) == 2 and times["ended_at"] < times["started_at"]:
            problems.append(Problem(line, "ended_at", "before started_at"))
        work_order = work_orders.get(cells.get("number", "")) if cells.get("number") else None
        if cells.get("number") and work_order is None:
            problems.append(Problem(line, "number", f"no WO {cells['number']} at {site.code}"))
        elif work_order is not None and asset is not None and asset_of[work_order] != asset:
            problems.append(Problem(line, "number", f"{cells['number']} is a WO of another asset"))
        if len(problems) > before:
            continue
        start = (asset, times["started_at"])
        if start in starts:
            problems.append(
                Problem(line, "started_at", f"a stop of {cells['asset']} starts then on line {starts[start]}")
            )
            continue
        starts[start] = line
        stops.append(DowntimeStop(
            site=site, asset_id=asset, started_at=times["started_at"], ended_at=times["ended_at"],
            category=cells["category"].lower(), reason_code=cells.get("reason_code", ""), text=cells.get("text", ""),
            work_order_id=work_order, decision="imported", decision_data={"code": "imported"},
        ))  # fmt: skip
    if problems:
        raise refuse_rows(problems)
    known = set(DowntimeStop.objects.filter(site=site, asset_id__in={s.asset_id for s in stops})
                .values_list("asset_id", "started_at"))  # fmt: skip
    new = [stop for stop in stops if (stop.asset_id, stop.started_at) not in known]
    minutes = sum(int((stop.ended_at - stop.started_at).total_seconds() // 60) for stop in new)
    report = StopsReport(applied=apply, rows=len(raw_rows), created=len(new), minutes=minutes,
                         already_there=len(stops) - len(new))  # fmt: skip
    if apply and new:
        with transaction.atomic():
            for start in range(0, len(new), BATCH):
                DowntimeStop.objects.bulk_create(new[start : start + BATCH])
                if progress:
                    progress(min(start + BATCH, len(new)), len(new))
    return report


KIND = ImportKind(
    "stops",
    _("Machine stops"),
    _("Past stops from the OEE platform's log, with the WO each was repaired under."),
    import_stops,
    tuple(COLUMNS),
    REQUIRED,
    MAX_BYTES,
    60,
    Perm.MANAGE_WORK_ORDERS,
)
