"""Three years of a plant's WO history from a file give the same KPIs as the same history typed in
(on SQLite and PostgreSQL); the file is checked whole and written all or nothing; importing it again
changes nothing; our own WO export imports back."""

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plantwright.core.errors import ValidationFailed
from plantwright.maintenance import services
from plantwright.maintenance.history_import import import_history
from plantwright.maintenance.models import WorkOrder, WorkOrderTransition
from plantwright.reliability.kpis import kpis
from plantwright.reliability.periods import Period, Scope
from plantwright.testing import factories

pytestmark = pytest.mark.django_db
START = datetime(2023, 1, 2, 6, 0, tzinfo=UTC)
IN_SERVICE = datetime(2022, 6, 1, tzinfo=UTC)  # the same for both plants: time in service must match
HEADER = ["number", "asset", "type", "status", "title", "is_failure", "problem", "cause", "remedy",
          "down_since", "restored_at", "due_date", "created_at", "completed_at"]  # fmt: skip


def _history(asset_codes: list[str], count: int = 60) -> list[dict]:
    """Failures with their times and codes, PM with due dates (some late), corrective work, a cancel."""
    rng = random.Random(7)
    rows = []
    for n in range(count):
        start = START + timedelta(days=18 * n, hours=rng.randint(0, 20))
        kind = ("emergency", "preventive", "corrective", "inspection")[n % 4]
        row = {"number": f"OLD-{n:05d}", "asset": asset_codes[n % len(asset_codes)], "type": kind,
               "status": "closed", "title": f"Job {n}", "created_at": start.isoformat()}  # fmt: skip
        if kind == "emergency":
            restored = start + timedelta(minutes=rng.randint(30, 600))
            row |= {"is_failure": "true", "problem": "LEAK", "cause": "WEAR", "remedy": "REPLACE",
                    "down_since": start.isoformat(), "restored_at": restored.isoformat(),
                    "completed_at": (restored + timedelta(hours=1)).isoformat()}  # fmt: skip
        else:
            due = (start + timedelta(days=5)).date()
            done = start + timedelta(days=rng.choice([1, 6, 9]))  # on time, in grace, late
            row |= {"completed_at": done.isoformat(), "due_date": due.isoformat() if kind != "corrective" else ""}
        if n == 13:
            row |= {"status": "cancelled", "completed_at": ""}
        rows.append(row)
    return rows


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def plant(site):
    for kind, code in (("problem", "LEAK"), ("cause", "WEAR"), ("remedy", "REPLACE")):
        factories.failure_code(kind, code)
    return [factories.AssetFactory(site=site, code=f"P-{n}", commissioned_at=IN_SERVICE).code for n in range(3)]


def _at(row: dict):
    return lambda key: datetime.fromisoformat(row[key]) if row.get(key) else None


def _typed_in(planner, site, rows: list[dict]) -> None:
    """The same history as a person enters it, WO by WO, through the services the API calls."""
    from plantwright.assets.models import Asset

    assets = {a.code: a for a in Asset.objects.filter(site=site)}
    for row in rows:
        at = _at(row)
        failure = {k: row[k] for k in ("problem", "cause", "remedy")} if row.get("problem") else None
        due = date.fromisoformat(row["due_date"]) if row.get("due_date") else None
        wo = services.create_work_order(
            planner, asset_id=assets[row["asset"]].pk, type=row["type"], title=row["title"],
            is_failure=row.get("is_failure") == "true", failure=failure, down_since=at("down_since"),
            restored_at=at("restored_at"), due_date=due,
        )  # fmt: skip
        services.transition_work_order(planner, wo, to="approved")
        if row["status"] == "cancelled":
            services.transition_work_order(planner, wo, to="cancelled", note="not needed")
            continue
        services.transition_work_order(planner, wo, to="in_progress")
        services.transition_work_order(planner, wo, to="completed", completed_at=at("completed_at"))
        services.transition_work_order(planner, wo, to="closed")


# Every KPI but the response times: they run from the WO's creation, which a person typing the history
# in today cannot date back (the import keeps each WO's own).
FROM_CREATION = {"mean_time_to_respond_hours", "responded", "mean_time_to_complete_hours"}


def _figures(site) -> dict:
    figures = kpis(Scope((site.pk,)), Period.of(date(2023, 1, 1), date(2026, 1, 1)))
    return {name: value for name, value in vars(figures).items() if name not in FROM_CREATION}


def test_three_years_imported_give_the_kpis_of_the_same_history_typed_in(site, other_site, planner, plant):
    rows = _history(plant)
    report = import_history(planner, site, _csv(rows), apply=True)
    assert (report.rows, report.created, report.already_there) == (60, 60, [])
    imported = _figures(site)
    assert imported["failures"] == 15 and imported["pm_compliance"] is not None

    typed_planner = factories.UserFactory(username="typist", roles=[(other_site, "planner")])
    for code in plant:
        factories.AssetFactory(site=other_site, code=code, commissioned_at=IN_SERVICE)
    _typed_in(typed_planner, other_site, rows)
    assert _figures(other_site) == imported  # every figure exactly

    wo = WorkOrder.objects.get(site=site, external_ref="OLD-00004")
    assert wo.created_at == datetime.fromisoformat(rows[4]["created_at"])  # its own time, not the import's
    assert wo.origin == "import" and wo.history.count() == 1
    assert WorkOrderTransition.objects.get(work_order=wo).note == "Imported as OLD-00004"


def test_importing_again_changes_nothing_and_a_dry_run_writes_nothing(site, planner, plant):
    data = _csv(_history(plant, 8))
    assert import_history(planner, site, data, apply=False).created == 8
    assert not WorkOrder.objects.exists()
    import_history(planner, site, data, apply=True)
    again = import_history(planner, site, data, apply=True)
    assert again.created == 0 and len(again.already_there) == 8 and WorkOrder.objects.count() == 8


def test_a_bad_row_refuses_the_whole_file_naming_line_and_column(site, planner, plant):
    rows = _history(plant, 6)
    rows[2] |= {"asset": "NOPE"}
    rows[3] |= {"restored_at": "", "type": "emergency", "is_failure": "true", "problem": "LEAK"}
    rows[4] |= {"completed_at": "2099-01-01"}
    with pytest.raises(ValidationFailed) as refused:
        import_history(planner, site, _csv(rows), apply=True)
    problems = {(p["line"], p["column"]) for p in refused.value.details["problems"]}
    assert {(4, "asset"), (6, "completed_at")} <= problems and any(line == 5 for line, _ in problems)
    assert not WorkOrder.objects.exists()


def test_our_own_export_imports_back_and_unknown_columns_are_refused(as_user, api_as, site, planner, plant):
    import_history(planner, site, _csv(_history(plant, 4)), apply=True)
    exported = b"".join(as_user(planner).get("/work-orders/", {"format": "csv"}).streaming_content)
    again = import_history(planner, site, exported, apply=True)
    assert again.created == 0 and len(again.already_there) == 4  # the export's numbers are ours
    upload = SimpleUploadedFile("h.csv", b"number,asset,colour\nA,P-0,red\n", content_type="text/csv")
    status, body = api_as(planner).upload(f"/work-order-imports?site={site.pk}", {"file": upload})
    assert status == 422 and body["error"]["code"] == "unknown_columns"
    good = SimpleUploadedFile("h.csv", _csv(_history(plant, 6)[4:]), content_type="text/csv")
    status, body = api_as(planner).upload(f"/work-order-imports?site={site.pk}&dry_run=true", {"file": good})
    assert status == 200 and body == {"applied": False, "rows": 2, "created": 2, "already_there": []}


def test_labor_history_costs_as_booked_by_hand(site, other_site, planner, technician, plant):
    from decimal import Decimal

    from plantwright.maintenance.labor_import import import_labor
    from plantwright.maintenance.models import LaborEntry

    rows = _history(plant, 8)
    import_history(planner, site, _csv(rows), apply=True)
    factories.labor_rate(site, technician=technician, rate="40")
    labor = "number,technician,hours,work_date,overtime\n" + "".join(
        f"{row['number']},{technician.username},{1 + n % 3}.5,{row['created_at'][:10]},{'1.5' if n == 2 else ''}\n"
        for n, row in enumerate(rows)
    )
    report = import_labor(planner, site, labor.encode(), apply=True)
    assert report.rows == 8 and report.hours == sum(Decimal(f"{1 + n % 3}.5") for n in range(8))
    imported = kpis(Scope((site.pk,)), Period.of(date(2023, 1, 1), date(2026, 1, 1)))

    # The same hours booked by hand, on open WOs of another plant with the same rate.
    clerk = factories.UserFactory(username="clerk", roles=[(other_site, "planner")])
    tech2 = factories.UserFactory(username="tech2", roles=[(other_site, "technician")])
    factories.labor_rate(other_site, technician=tech2, rate="40")
    asset = factories.AssetFactory(site=other_site, code="X-1")
    for n, row in enumerate(rows):
        wo = factories.WorkOrderFactory(asset=asset, status="in_progress")
        services.log_labor(clerk, wo, technician_id=tech2.pk, hours=Decimal(f"{1 + n % 3}.5"),
                           work_date=date.fromisoformat(row["created_at"][:10]),
                           overtime_multiplier=Decimal("1.5") if n == 2 else Decimal(1))  # fmt: skip
    typed = kpis(Scope((other_site.pk,)), Period.of(date(2023, 1, 1), date(2026, 1, 1)))
    assert (imported.labor_cost, imported.total_cost) == (typed.labor_cost, typed.total_cost)
    assert imported.labor_cost == sum(e.amount for e in LaborEntry.objects.filter(work_order__site=site))
    from plantwright.maintenance.models import CostLine

    assert not CostLine.objects.filter(work_order__site=site, after_close=True).exists()  # history, not late


def test_a_bad_labor_row_refuses_the_file(site, planner, technician, plant):
    from plantwright.maintenance.labor_import import import_labor
    from plantwright.maintenance.models import LaborEntry

    import_history(planner, site, _csv(_history(plant, 2)), apply=True)
    labor = (f"number,technician,hours,work_date\nOLD-00000,{technician.username},30,2024-01-01\n"
             "OLD-00009,nobody,1,2099-01-01\n"
             f"OLD-00001,{technician.username},2,2024-01-01\n")  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        import_labor(planner, site, labor.encode(), apply=True)
    problems = {(p["line"], p["column"]) for p in refused.value.details["problems"]}
    assert {(2, "hours"), (3, "number"), (3, "technician"), (3, "work_date"), (4, "technician")} <= problems
    assert not LaborEntry.objects.exists()  # (line 4: no labor rate set for the technician)
