"""Generate a plant at realistic scale into the configured database (default: var/bench.sqlite3).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_bench \\
        .venv/bin/python -m bench.generate --assets 10000 --work-orders 1000000

The database is dropped and migrated first. One site (Europe/Istanbul) with 20 areas × 5 lines, an
asset tree of four levels (machines 10 %, assemblies 20 %, components 30 %, parts 40 %; a few
commissioned mid-period or decommissioned), asset classes, failure codes, technicians, vendors, PM
schedules, and about three years of WOs:

- preventive/inspection/predictive WOs from PM schedules (a PM occurrence each, 85 % done on time),
- corrective and emergency WOs, the failures with down/restored times and failure codes, each with
  the breakdown stop that opened it, plus short minor stops linked to nothing,
- each started WO's start (and completion) as status transitions,
- labor entries (1–2 per WO), contractor entries, parts requests bought on POs (received, invoiced,
  their cost posted to the WO),
- a ledger of ~5 cost lines per WO,
- a handful of planted breakages for the data-integrity audit.

Rows are written with COPY on PostgreSQL (executemany on SQLite), ids assigned here, sequences reset
at the end. Deterministic (seeded). Asset choice is skewed (a few bad actors), as in real plants.
"""

import argparse
import contextlib
import math
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'bench.sqlite3'}")

from bench.fresh import fresh_database

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 20, tzinfo=UTC)
SPAN_SECONDS = (END - START).total_seconds()
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


class Writer:
    """Rows of one table, by field name, flushed in batches (COPY on PostgreSQL). Columns the caller
    leaves out get the field's Python default, as the ORM would give them."""

    def __init__(self, model, fields: list[str], batch: int = 50_000):
        from django.db import connection

        self.connection = connection
        self.model = model
        self.table = model._meta.db_table
        given = [model._meta.get_field(name) for name in fields]
        self.defaults = [
            f
            for f in model._meta.concrete_fields
            if f.name not in fields and f.attname not in fields and not f.primary_key
        ]
        self.columns = [f.column for f in given] + [f.column for f in self.defaults]
        self.default_values = tuple(self._default(f) for f in self.defaults)
        self.rows: list[tuple] = []
        self.batch = batch
        self.count = 0

    @staticmethod
    def _default(field):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return NOW
        if field.has_default():
            value = field.get_default()
            return value if not isinstance(value, dict | list) else __import__("json").dumps(value)
        if field.null:
            return None
        if field.get_internal_type() in ("CharField", "TextField", "SlugField"):
            return ""
        raise ValueError(f"{field} needs a value")

    def add(self, *values) -> None:
        self.rows.append(values + self.default_values)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{self.table}" ({columns}) FROM STDIN') as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f'INSERT INTO "{self.table}" ({columns}) VALUES ({marks})', self.rows)
        self.count += len(self.rows)
        self.rows = []


def reset_sequences(models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--work-orders", type=int, default=1_000_000)
    parser.add_argument("--cost-lines-per-wo", type=float, default=5.0)
    args = parser.parse_args()
    started = time.perf_counter()
    fresh_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.db import transaction

    from plantwright.maintenance.selectors.counts import compact
    from plantwright.reliability.monthly import refresh_all

    # Foreign keys are checked at commit: tables fill in any order.
    with change_notes_off(), transaction.atomic():
        generate(args.assets, args.work_orders, args.cost_lines_per_wo)
    analyze()
    print(f"in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    refresh_all()
    compact()  # what the worker does every minute: one WO-count row per site, status and month
    analyze()
    print(f"monthly KPI aggregates built and WO counts folded in {time.perf_counter() - started:.0f} s")


@contextlib.contextmanager
def change_notes_off():
    """Without the triggers that note changed assets for the monthly aggregates (reliability migrations
    0003, 0006): a fresh database has nothing aggregated yet, and 8 M notes would only slow the load."""
    from django.db import connection

    from plantwright.reliability.models import AssetChange

    tables = ["maintenance_workorder", "maintenance_laborentry", "maintenance_contractorentry",
              "maintenance_costline", "pm_pmoccurrence", "maintenance_workordertransition"]  # fmt: skip
    triggers = ("reliability_changed", "reliability_updated")
    if connection.vendor != "postgresql":
        yield
        AssetChange.objects.all().delete()
        return
    with connection.cursor() as cursor:
        for table in tables:
            for trigger in triggers:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER {trigger}')
        yield
        for table in tables:
            for trigger in triggers:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER {trigger}')


def generate(n_assets: int, n_work_orders: int, lines_per_wo: float) -> None:
    from django.db import transaction

    from plantwright.accounts.models import Membership, Site, User
    from plantwright.assets.models import Asset, AssetClass, Location
    from plantwright.downtime.models import DowntimeStop
    from plantwright.maintenance.models import (
        ContractorEntry,
        CostLine,
        FailureCode,
        LaborEntry,
        NumberSequence,
        Vendor,
        WorkOrder,
        WorkOrderTransition,
    )
    from plantwright.pm.models import PmOccurrence, PmSchedule
    from plantwright.procurement.models import PartsRequest, PartsRequestLine, PurchaseOrder, PurchaseOrderLine

    rng = random.Random(7)
    with transaction.atomic():
        site = Site.objects.create(code="bench", name="Bench plant", currency="EUR", timezone="Europe/Istanbul")
        user = User.objects.create_superuser("bench", "bench@example.com", "bench")
        Membership.objects.create(user=user, site=site, role="planner")
        technicians = [
            User.objects.create_user(f"tech{i:02d}", f"tech{i}@example.com", "bench", first_name=f"Tech {i}")
            for i in range(40)
        ]
        for tech in technicians:
            Membership.objects.create(user=tech, site=site, role="technician")
        vendors = [
            Vendor.objects.create(code=f"V{i:02d}", name=f"Contractor {i}", is_contractor=True) for i in range(20)
        ]
        areas = [Location.objects.create(site=site, code=f"AREA-{i}", name=f"Area {i}") for i in range(20)]
        lines = [
            Location.objects.create(site=site, code=f"LINE-{i}", name=f"Line {i}", parent=areas[i % 20])
            for i in range(100)
        ]
        classes = [
            AssetClass.objects.create(code=code, name=code.title())
            for code in ("pump", "motor", "gearbox", "conveyor", "compressor", "valve", "fan", "press", "robot",
                         "boiler", "chiller", "filler")
        ]  # fmt: skip
        codes = {
            kind: [FailureCode.objects.create(kind=kind, code=f"{kind[:1].upper()}{i:02d}", description=f"{kind} {i}")
                   for i in range(10)]
            for kind in ("problem", "cause", "remedy")
        }  # fmt: skip

    # The asset tree, four levels.
    assets = Writer(
        Asset,
        ["id", "site", "location", "parent", "code", "name", "criticality", "asset_class", "commissioned_at",
         "decommissioned_at"],
    )  # fmt: skip
    levels = [("M", 0.1), ("A", 0.2), ("C", 0.3), ("P", 0.4)]
    next_id, previous, all_assets, in_service_from = 1, [], [], {}
    for prefix, share in levels:
        count = max(1, round(n_assets * share)) if prefix != "P" else n_assets - len(all_assets)
        current = []
        for i in range(count):
            parent = previous[i % len(previous)] if previous else None
            commissioned = START - timedelta(days=rng.randint(200, 3000))
            if rng.random() < 0.03:
                commissioned = START + timedelta(days=rng.randint(300, 900))  # commissioned during the history
            decommissioned = NOW - timedelta(days=rng.randint(10, 300)) if rng.random() < 0.01 else None
            asset_id = next_id
            next_id += 1
            assets.add(
                asset_id, site.pk, lines[i % 100].pk, parent, f"{prefix}-{i:05d}", f"{prefix} {i}",
                rng.choice(["low", "medium", "medium", "high", "critical"]), rng.choice(classes).pk,
                commissioned, decommissioned,
            )  # fmt: skip
            current.append(asset_id)
            in_service_from[asset_id] = commissioned
        all_assets += current
        previous = current
    assets.flush()
    n = len(all_assets)
    machines_and_assemblies = all_assets[: round(n * 0.3)]

    schedules = Writer(PmSchedule, ["id", "site", "asset", "name", "interval", "interval_unit", "starts_on"])
    schedule_of = {}
    for sid, asset_id in enumerate(machines_and_assemblies, start=1):
        schedules.add(sid, site.pk, asset_id, f"PM {asset_id}", rng.choice([1, 2, 3, 6]), "months", START.date())
        schedule_of[asset_id] = sid
    schedules.flush()

    work_orders = Writer(
        WorkOrder,
        ["id", "number", "site", "asset", "type", "priority", "title", "status", "origin", "is_failure",
         "problem_code", "cause_code", "remedy_code", "down_since", "restored_at", "due_date", "completed_at",
         "created_by", "created_at", "updated_at"],
    )  # fmt: skip
    occurrences = Writer(PmOccurrence, ["id", "schedule", "sequence", "due_date", "work_order"])
    transitions = Writer(WorkOrderTransition, ["id", "work_order", "from_status", "to_status", "actor", "at", "note"])
    labor = Writer(
        LaborEntry,
        ["id", "work_order", "technician", "work_date", "hours", "hourly_rate", "amount", "entered_by", "created_at"],
    )
    contractor = Writer(
        ContractorEntry,
        ["id", "work_order", "vendor", "person", "work_date", "hours", "po_number", "po_line", "agreed_rate", "amount",
         "entered_by", "created_at"],
    )  # fmt: skip
    cost = Writer(
        CostLine,
        ["id", "work_order", "kind", "category", "amount", "currency", "source_type", "source_id", "idempotency_key",
         "cost_date", "posted_at"],
    )  # fmt: skip
    stops = Writer(
        DowntimeStop, ["id", "site", "asset", "started_at", "ended_at", "category", "work_order", "decision"]
    )
    requests = Writer(PartsRequest, ["id", "number", "work_order", "site", "status", "requested_by", "submitted_at"])
    request_lines = Writer(
        PartsRequestLine,
        ["id", "request", "line_no", "kind", "description", "quantity", "estimated_unit_cost", "status"],
    )
    orders = Writer(PurchaseOrder, ["id", "site", "source", "po_number", "vendor", "currency", "status"])
    order_lines = Writer(
        PurchaseOrderLine,
        ["id", "purchase_order", "line_number", "request_line", "description", "quantity", "unit_price",
         "received_quantity", "invoiced_quantity", "invoiced_amount"],
    )  # fmt: skip
    ids = dict.fromkeys(["transition", "occ", "labor", "contractor", "cost", "stop", "pr", "prl", "po", "pol"], 0)
    sequence = dict.fromkeys(schedule_of.values(), 0)
    types = (["preventive"] * 40 + ["inspection"] * 10 + ["predictive"] * 3 + ["improvement"] * 2
             + ["corrective"] * 25 + ["emergency"] * 20)  # fmt: skip
    status_done = ["closed", "closed", "completed"]

    def next_id_of(key: str) -> int:
        ids[key] += 1
        return ids[key]

    def ledger(wo_id: int, kind: str, category: str, amount: Decimal, day: date, source: str, key: str) -> None:
        cost_id = next_id_of("cost")
        cost.add(cost_id, wo_id, kind, category, amount, "EUR", source, key, f"{source}:{key}", day, NOW)

    for wo_id in range(1, n_work_orders + 1):
        created = START + timedelta(seconds=SPAN_SECONDS * (wo_id - 1) / n_work_orders + rng.random() * 60)
        asset_id = all_assets[int(n * rng.random() ** 2.2)]  # skewed: the first assets fail most
        if created < in_service_from[asset_id]:
            asset_id = all_assets[rng.randrange(len(all_assets) // 2)]
        kind = rng.choice(types)
        recent = (END - created).days < 30
        status = rng.choice(["in_progress", "approved", "completed"]) if recent else rng.choice(status_done)
        done = status in ("completed", "closed")
        is_failure = kind == "emergency" or (kind == "corrective" and rng.random() < 0.3)
        down = restored = problem = cause = remedy = due = completed = None
        origin = "manual"
        if is_failure:
            down = created - timedelta(minutes=rng.randint(1, 20))
            repair_hours = math.exp(rng.gauss(0.8, 0.9))  # median ~2.2 h, a long tail
            restored = down + timedelta(hours=repair_hours)
            if not done and rng.random() < 0.5:
                restored = None
            if done:
                problem, cause, remedy = (rng.choice(codes[k]).pk for k in ("problem", "cause", "remedy"))
                completed = (restored or down) + timedelta(hours=rng.uniform(0.2, 3))
            origin = "downtime" if kind == "emergency" else "request"
        elif kind in ("preventive", "inspection", "predictive") and asset_id in schedule_of:
            origin = "pm"
            due = (created + timedelta(days=7)).date()
            if done:
                late = rng.random() > 0.85
                completed = datetime.combine(
                    due + timedelta(days=rng.randint(8, 30) if late else rng.randint(-5, 6)),
                    datetime.min.time(),
                    tzinfo=UTC,
                ) + timedelta(hours=rng.randint(6, 18))
        elif done:
            completed = created + timedelta(hours=rng.uniform(2, 200))
        work_orders.add(
            wo_id, f"WO-{wo_id:07d}", site.pk, asset_id, kind, rng.choice(["low", "medium", "medium", "high"]),
            f"{kind.title()} job on asset {asset_id}", status, origin, is_failure, problem, cause, remedy, down,
            restored, due, completed, user.pk, created, completed or created,
        )  # fmt: skip
        if status != "approved":  # started some hours after it was raised (the first start: time to respond)
            started = created + timedelta(hours=rng.uniform(0.1, 24 if is_failure else 96))
            started = min(started, completed) if completed else started
            transitions.add(next_id_of("transition"), wo_id, "approved", "in_progress", user.pk, started, "")
            if completed:
                transitions.add(next_id_of("transition"), wo_id, "in_progress", "completed", user.pk, completed, "")
        if origin == "pm":
            schedule = schedule_of[asset_id]
            sequence[schedule] += 1
            occurrences.add(next_id_of("occ"), schedule, sequence[schedule], due, wo_id)
        if is_failure:
            stops.add(next_id_of("stop"), site.pk, asset_id, down + timedelta(microseconds=wo_id), restored,
                      "breakdown", wo_id, "opened a WO")  # fmt: skip
        if rng.random() < 0.3:  # short stops the rules leave alone
            at = created + timedelta(hours=rng.uniform(1, 48), microseconds=wo_id)
            stops.add(next_id_of("stop"), site.pk, asset_id, at, at + timedelta(minutes=rng.randint(1, 9)),
                      "minor_stop", None, "too short for a WO")  # fmt: skip
        work_day = (completed or created).date()
        lines_left = max(1, round(rng.gauss(lines_per_wo, 1.2)))
        if status != "approved":
            for _ in range(rng.choice([1, 1, 2])):
                tech = rng.choice(technicians).pk
                hours = Decimal(rng.choice([5, 10, 15, 20, 30, 40, 60, 80])) / 10
                amount = hours * 45
                labor.add(next_id_of("labor"), wo_id, tech, work_day, hours, Decimal(45), amount, tech, NOW)
                ledger(wo_id, "labor", "labor", amount, work_day, "labor_entry", str(ids["labor"]))
                lines_left -= 1
        if rng.random() < 0.05:
            hours = Decimal(rng.randint(2, 16))
            contractor.add(next_id_of("contractor"), wo_id, rng.choice(vendors).pk, "Contractor tech", work_day,
                           hours, "", None, Decimal(65), hours * 65, user.pk, NOW)  # fmt: skip
            ledger(wo_id, "contractor", "contractor", hours * 65, work_day, "contractor_entry", str(ids["contractor"]))
            lines_left -= 1
        if kind in ("corrective", "emergency") and rng.random() < 0.1 and status != "approved":
            request_id, po_id = next_id_of("pr"), next_id_of("po")
            requests.add(request_id, f"PR-{request_id:07d}", wo_id, site.pk, "ordered", user.pk, created)
            orders.add(po_id, site.pk, "builtin", f"PO-{po_id:07d}", rng.choice(vendors).pk, "EUR", "open")
            for line_no in (1, 2):
                quantity, price = Decimal(rng.randint(1, 6)), money(rng.uniform(5, 400))
                line_id, po_line_id = next_id_of("prl"), next_id_of("pol")
                request_lines.add(line_id, request_id, line_no, "part", f"Spare {line_no}", quantity, price, "ordered")
                received = quantity if done or rng.random() < 0.5 else Decimal(0)
                invoiced = received if rng.random() < 0.8 else Decimal(0)
                invoiced_amount = money(float(invoiced * price) * rng.uniform(0.95, 1.1))
                order_lines.add(po_line_id, po_id, line_no * 10, line_id, f"Spare {line_no}", quantity, price,
                                received, invoiced, invoiced_amount)  # fmt: skip
                target = price * (received - invoiced) + invoiced_amount
                if target and wo_id % 997:  # every 997th WO: a receipt whose cost never reached the WO
                    ledger(wo_id, "po_receipt", "parts", target, work_day, "po_line", str(po_line_id))
                lines_left -= 1
        for _ in range(max(0, lines_left)):  # stock issues and other kinds make up the ledger
            key = f"bench-{ids['cost'] + 1}"
            ledger(wo_id, "part_issue", "parts", money(rng.uniform(2, 600)), work_day, "stock_movement", key)
    for writer in (work_orders, transitions, occurrences, labor, contractor, cost, stops, requests, request_lines,
                   orders, order_lines):  # fmt: skip
        writer.flush()
    NumberSequence.objects.update_or_create(name="WO", defaults={"last_value": n_work_orders})
    reset_sequences([Asset, PmSchedule, WorkOrder, WorkOrderTransition, PmOccurrence, LaborEntry, ContractorEntry,
                     CostLine, DowntimeStop, PartsRequest, PartsRequestLine, PurchaseOrder,
                     PurchaseOrderLine])  # fmt: skip
    print(
        f"generated {n} assets, {work_orders.count} WOs ({occurrences.count} from PM), {labor.count} labor and "
        f"{contractor.count} contractor entries, {cost.count} cost lines, {stops.count} downtime stops, "
        f"{orders.count} POs with {order_lines.count} lines"
    )


if __name__ == "__main__":
    main()
