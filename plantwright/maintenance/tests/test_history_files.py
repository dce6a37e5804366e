"""The history files after the WOs — contractor hours, parts used, machine stops, PM occurrences —
and locations: each costed or counted as the same entry typed in, checked whole, written all or
nothing, and written once however often the file comes; XLSX reads as CSV does; the import page runs
the check and the import as jobs with their progress."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from plantwright.core.errors import ValidationFailed
from plantwright.downtime.models import DowntimeStop
from plantwright.downtime.stops_import import import_stops
from plantwright.inventory.parts_import import import_parts_used
from plantwright.maintenance import services
from plantwright.maintenance.contractor_import import import_contractor_hours
from plantwright.maintenance.history_import import import_history
from plantwright.maintenance.import_jobs import run_import
from plantwright.maintenance.labor_import import import_labor
from plantwright.maintenance.models import ContractorEntry, CostLine, ImportJob, WorkOrder
from plantwright.pm.history_import import import_pm_history
from plantwright.pm.models import PmOccurrence, PmSchedule
from plantwright.pm.services import generate_due_work_orders, next_due
from plantwright.reliability.kpis import kpis
from plantwright.reliability.periods import Period, Scope
from plantwright.testing import factories

pytestmark = pytest.mark.django_db
WOS = "number,asset,type,title,created_at,completed_at\n" + "".join(
    f"OLD-{n},P-1,corrective,Job {n},2024-01-{n + 2:02d},2024-01-{n + 3:02d}\n" for n in range(4)
)


@pytest.fixture
def history(site, planner):
    factories.AssetFactory(site=site, code="P-1")
    factories.AssetFactory(site=site, code="P-2")
    import_history(planner, site, WOS.encode(), apply=True)
    return {wo.external_ref: wo for wo in WorkOrder.objects.filter(site=site)}


def _january(site):
    return kpis(Scope((site.pk,)), Period.of(date(2024, 1, 1), date(2024, 2, 1)))


def test_contractor_hours_at_a_rate_cost_as_booked_and_po_hours_wait_for_their_invoice(site, planner, history):
    factories.vendor("ACME")
    rows = ("number,contractor,person,hours,work_date,po_number,agreed_rate\n"
            "OLD-0,ACME,Ali Veli,4,2024-01-02,,55\n"
            "OLD-1,ACME,Ali Veli,3,2024-01-03,PO-77,\n"
            "OLD-1,ACME,Jo Doe,2,2024-01-03,,\n")  # fmt: skip
    report = import_contractor_hours(planner, site, rows.encode(), apply=True)
    assert (report.rows, report.hours, report.amount) == (3, Decimal(9), Decimal(220))
    assert _january(site).contractor_cost == Decimal(220)  # the PO's hours post nothing: the invoice will
    assert history["OLD-0"].status == "closed"
    assert not CostLine.objects.filter(after_close=True).exists()  # the WO's own past, not a late cost
    assert ContractorEntry.objects.count() == 3
    again = import_contractor_hours(planner, site, rows.encode(), apply=True)
    assert again.already_there == 3 and ContractorEntry.objects.count() == 3


def test_a_bad_contractor_row_refuses_the_file(site, planner, history):
    factories.vendor("ACME")
    rows = ("number,contractor,person,hours,work_date,po_number,po_line,agreed_rate\n"
            "OLD-0,ACME,A,4,2024-01-02,PO-1,,55\n"
            "OLD-0,NOPE,A,4,2024-01-02,,,\n"
            "OLD-0,ACME,B,20,2024-01-02,,,\n"
            "OLD-1,ACME,B,5,2024-01-02,,,\n"
            "OLD-1,ACME,C,5,2024-01-02,,1,\n")  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        import_contractor_hours(planner, site, rows.encode(), apply=True)
    problems = {(p["line"], p["column"]) for p in refused.value.details["problems"]}
    assert problems == {(2, "agreed_rate"), (3, "contractor"), (4, "hours"), (5, "hours"), (6, "po_line")}
    assert not ContractorEntry.objects.exists()


def test_parts_used_in_january_count_in_january_at_the_file_cost_or_the_average(site, planner, history):
    factories.part("BRG-1")
    factories.part("OIL-5")
    from plantwright.inventory.services import receive_stock

    oil = factories.part("OIL-9")
    store = factories.storeroom(site, "SIDE")
    manager = factories.UserFactory(roles=[(site, "manager")])
    receive_stock(manager, part_id=oil.pk, storeroom_id=store.pk, quantity=Decimal(10), unit_cost=Decimal("7.50"))
    rows = (
        "number,part,quantity,used_on,unit_cost\n"
        "OLD-0,BRG-1,2,2024-01-10,12.25\n"
        "OLD-1,OIL-9,4,2024-01-11,\n"
        "OLD-1,OIL-9,4,2024-01-11,\n"
    )  # fmt: skip  (two identical rows: two uses)
    report = import_parts_used(planner, site, rows.encode(), apply=True)
    assert (report.rows, report.amount) == (3, Decimal("84.5"))
    assert _january(site).parts_cost == Decimal("84.5")
    assert not CostLine.objects.filter(after_close=True).exists()
    assert set(CostLine.objects.values_list("cost_date", flat=True)) == {date(2024, 1, 10), date(2024, 1, 11)}
    again = import_parts_used(planner, site, rows.encode(), apply=True)
    assert again.already_there == 3 and CostLine.objects.count() == 3
    with pytest.raises(ValidationFailed) as refused:
        import_parts_used(planner, site, b"number,part,quantity,used_on\nOLD-0,OIL-5,1,2024-01-02\n", apply=False)
    assert refused.value.details["problems"][0]["column"] == "unit_cost"  # no stock to average


def test_stops_are_recorded_once_with_their_wo_and_never_run_through_the_rules(site, planner, history):
    rows = ("asset,started_at,ended_at,category,reason_code,number\n"
            "P-1,2024-01-02T06:00,2024-01-02T07:30,breakdown,MOTOR,OLD-0\n"
            "P-2,2024-01-05T10:00,2024-01-05T10:20,minor_stop,,\n")  # fmt: skip
    report = import_stops(planner, site, rows.encode(), apply=True)
    assert (report.created, report.minutes) == (2, 110)
    stop = DowntimeStop.objects.get(asset__code="P-1")
    assert stop.work_order == history["OLD-0"] and stop.decision_data == {"code": "imported"}
    assert WorkOrder.objects.count() == 4  # no rule opened a WO
    assert import_stops(planner, site, rows.encode(), apply=True).already_there == 2
    bad = ("asset,started_at,ended_at,category,number\n"
           "P-2,2024-01-02T06:00,2024-01-02T05:00,breakdown,\n"
           "P-2,2024-01-03T06:00,2024-01-03T07:00,weather,OLD-0\n")  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        import_stops(planner, site, bad.encode(), apply=True)
    problems = {(p["line"], p["column"]) for p in refused.value.details["problems"]}
    assert problems == {(2, "ended_at"), (3, "category"), (3, "number")}


@pytest.fixture
def schedule(site, planner, history):
    asset = WorkOrder.objects.first().asset
    return PmSchedule.objects.create(site=site, asset=asset, name="Gearbox oil", interval=1, interval_unit="months",
                                     starts_on=date(2024, 1, 1), mode="floating")  # fmt: skip


def test_pm_history_counts_done_late_and_missed_on_the_smrp_rule(site, planner, schedule):
    rows = ("schedule,due_date,outcome,completed_at\n"
            "Gearbox oil,2024-01-01,done,2024-01-03T10:00\n"  # within the 3 days' grace
            "Gearbox oil,2024-02-01,late,2024-02-20T10:00\n"
            "Gearbox oil,2024-03-01,missed,\n"
            "Gearbox oil,2024-04-01,done,2024-03-30T10:00\n")  # fmt: skip
    report = import_pm_history(planner, site, rows.encode(), apply=True)
    assert (report.created, report.done, report.late, report.missed) == (4, 2, 1, 1)
    figures = kpis(Scope((site.pk,)), Period.of(date(2024, 1, 1), date(2024, 5, 1)))
    assert figures.pm_compliance == Decimal(2) / Decimal(4)
    occurrences = list(schedule.occurrences.order_by("sequence").values_list("sequence", "due_date"))
    assert occurrences[-1] == (4, date(2024, 4, 1))
    # floating: the next one counts from the last completion
    assert next_due(schedule, today=date(2024, 4, 2)).due_date == date(2024, 4, 30)
    assert import_pm_history(planner, site, rows.encode(), apply=True).already_there == 4


def test_pm_history_before_generated_occurrences_renumbers_them_and_wrong_outcomes_are_refused(site, planner, schedule):
    schedule.mode = "fixed"
    schedule.starts_on = date.today() - timedelta(days=3)
    schedule.save()
    generate_due_work_orders(site=site)
    generated = PmOccurrence.objects.get(schedule=schedule)
    rows = "schedule,due_date,outcome,completed_at\nGearbox oil,2024-01-01,done,2024-01-02\n"
    import_pm_history(planner, site, rows.encode(), apply=True)
    generated.refresh_from_db()
    assert generated.sequence == 2 and schedule.occurrences.get(sequence=1).due_date == date(2024, 1, 1)
    wrong = ("schedule,due_date,outcome,completed_at\n"
             "Gearbox oil,2023-01-01,done,2023-01-20\n"
             "Gearbox oil,2023-02-01,late,2023-02-01\n"
             "Gearbox oil,2023-03-01,missed,2023-03-02\n"
             f"Gearbox oil,{date.today().isoformat()},done,\n"
             "Nobody's,2023-03-01,done,2023-03-02\n")  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        import_pm_history(planner, site, wrong.encode(), apply=True)
    lines = {p["line"] for p in refused.value.details["problems"]}
    assert lines == {2, 3, 4, 5, 6}


def test_locations_make_a_tree_update_by_code_and_never_lie_within_themselves(site, manager):
    from plantwright.assets.location_import import import_locations, location_rows
    from plantwright.assets.models import Location

    rows = "code,name,parent_code\nL1-CELL,Cell 1,L1\nL1,Line 1,HALL\nHALL,Hall A,\n"
    report = import_locations(manager, site, rows.encode(), apply=True)
    assert sorted(report.created) == ["HALL", "L1", "L1-CELL"]
    assert Location.objects.get(code="L1-CELL").parent.parent.code == "HALL"
    exported = "code,name,parent_code\n" + "".join(",".join(row) + "\n" for row in location_rows(site))
    assert import_locations(manager, site, exported.encode(), apply=True).unchanged == 3  # round-trips
    renamed = import_locations(manager, site, b"code,name\nHALL,Hall B\n", apply=True)
    assert renamed.updated == ["HALL"] and Location.objects.get(code="L1").parent.code == "HALL"
    with pytest.raises(ValidationFailed):
        import_locations(manager, site, b"code,name,parent_code\nHALL,Hall,L1-CELL\n", apply=True)


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_file_reads_as_its_csv_and_a_broken_one_is_refused(site, planner, history, technician):
    factories.labor_rate(site, technician=technician, rate="40")
    sheet = _xlsx([["number", "technician", "hours", "work_date"],
                   ["OLD-0", technician.username, 1.5, datetime(2024, 1, 2)],
                   ["OLD-1", technician.username, 2, date(2024, 1, 3)], [None, None]])  # fmt: skip
    report = import_labor(planner, site, sheet, apply=True)
    assert (report.rows, report.hours) == (2, Decimal("3.5"))
    assert import_labor(planner, site, sheet, apply=True).already_there == 2
    with pytest.raises(ValidationFailed) as refused:
        import_labor(planner, site, b"PK\x03\x04not a zip at all", apply=True)
    assert refused.value.code == "invalid_file"


def test_the_page_checks_in_a_job_shows_the_preview_then_imports_with_its_progress(as_user, site, planner):
    factories.AssetFactory(site=site, code="P-1")
    page = as_user(planner)
    upload = SimpleUploadedFile("old.csv", WOS.encode(), content_type="text/csv")
    response = page.post("/history-import/", {"kind": "work_orders", "site": site.pk, "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == "checking"
    run_import.call(job.pk, False)
    shown = page.get(f"/history-import/{job.pk}/").content.decode()
    assert "import-apply" in shown and "OLD-0" in shown and not WorkOrder.objects.exists()
    page.post(f"/history-import/{job.pk}/apply/")
    assert page.post(f"/history-import/{job.pk}/apply/").status_code == 409  # once
    run_import.call(job.pk, True)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.report["created"]) == ("done", 4, 4, 4)
    assert WorkOrder.objects.count() == 4
    assert "import-done" in page.get(f"/history-import/{job.pk}/", headers={"HX-Request": "true"}).content.decode()


def test_the_page_shows_each_problem_with_its_line(as_user, site, planner):
    page = as_user(planner)
    upload = SimpleUploadedFile("old.csv", WOS.encode(), content_type="text/csv")  # no asset P-1 at the site
    page.post("/history-import/", {"kind": "work_orders", "site": site.pk, "file": upload})
    job = ImportJob.objects.get()
    run_import.call(job.pk, False)
    shown = page.get(f"/history-import/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == "invalid" and "import-problems" in shown and "no asset P-1" in shown
    template = page.get("/history-import/", {"template": "parts_used"})
    assert (
        b"".join(template.streaming_content).decode().strip("\ufeff\r\n")
        == "number,part,quantity,used_on,unit_cost,note"
    )
    assert as_user(factories.UserFactory(roles=[(site, "technician")])).get("/history-import/").status_code == 403


def test_every_history_file_has_its_api_with_a_dry_run(api_as, site, planner, history, schedule):
    factories.vendor("ACME")
    factories.part("BRG-1")
    files = {
        "/contractor-hour-imports": b"number,contractor,person,hours,work_date,agreed_rate\n"
        b"OLD-0,ACME,A,2,2024-01-02,10\n",
        "/parts-used-imports": b"number,part,quantity,used_on,unit_cost\nOLD-0,BRG-1,1,2024-01-02,3\n",
        "/stop-imports": b"asset,started_at,ended_at,category\nP-1,2024-01-02T06:00,2024-01-02T07:00,breakdown\n",
        "/pm-history-imports": b"schedule,due_date,outcome\nGearbox oil,2024-01-01,missed\n",
    }
    expected = {"/contractor-hour-imports": {"hours": "2", "amount": "20"}, "/parts-used-imports": {"amount": "3"},
                "/stop-imports": {"created": 1, "minutes": 60}, "/pm-history-imports": {"missed": 1}}  # fmt: skip
    for path, data in files.items():
        upload = SimpleUploadedFile("f.csv", data, content_type="text/csv")
        status, body = api_as(planner).upload(f"{path}?site={site.pk}&dry_run=true", {"file": upload})
        assert status == 200 and body["applied"] is False, (path, body)
        shown = {key: Decimal(body[key]) if isinstance(body[key], str) else body[key] for key in expected[path]}
        assert shown == {k: Decimal(v) if isinstance(v, str) else v for k, v in expected[path].items()}, path
    assert not ContractorEntry.objects.exists() and not DowntimeStop.objects.exists()
    upload = SimpleUploadedFile("f.csv", b"code,name\nA,B\n", content_type="text/csv")
    status, body = api_as(planner).upload(f"/location-imports?site={site.pk}", {"file": upload})
    assert status == 403  # planners do not manage locations


def test_typed_in_contractor_hours_match_the_imported(site, other_site, planner, history):
    acme = factories.vendor("ACME")
    import_contractor_hours(planner, site, b"number,contractor,person,hours,work_date,agreed_rate\n"
                            b"OLD-0,ACME,A,2.5,2024-01-02,41.30\n", apply=True)  # fmt: skip
    clerk = factories.UserFactory(username="clerk", roles=[(other_site, "planner")])
    wo = factories.WorkOrderFactory(asset=factories.AssetFactory(site=other_site), status="in_progress")
    services.log_contractor_hours(clerk, wo, vendor_id=acme.pk, person="A", hours=Decimal("2.5"),
                                  work_date=date(2024, 1, 2), agreed_rate=Decimal("41.30"))  # fmt: skip
    assert _january(site).contractor_cost == _january(other_site).contractor_cost == Decimal("103.25")
