"""XLSX exports are built by a background job with progress, for the one who asked only."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from plantwright.reliability.export_jobs import build_export, delete_old_exports, start_export
from plantwright.reliability.models import Export
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _workbook(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def test_the_wo_history_is_queued_built_with_progress_and_downloaded(as_user, planner, asset, other_site):
    for n in range(3):
        factories.WorkOrderFactory(asset=asset, status="closed", title=f"Job {n}")
    factories.WorkOrderFactory(asset=factories.AssetFactory(site=other_site), status="closed", title="Theirs")
    client = as_user(planner)
    response = client.post("/exports/new/", {"kind": "work_orders", "query": "status=closed&page=3"})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"
    assert export.params == {"status": "closed"} and export.status == "queued"
    assert DBTaskResult.objects.filter(args_kwargs__args=[export.pk]).count() == 1  # enqueued with the export
    page = client.get(f"/exports/{export.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting for the worker" in page
    build_export.call(export.pk)  # what `manage.py db_worker` runs
    export.refresh_from_db()
    assert (export.status, export.rows_total, export.rows_done, export.percent) == ("done", 3, 3, 100)
    status = client.get(f"/exports/{export.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in status and 'id="export-download"' in status
    rows = _workbook(client.get(f"/exports/{export.pk}/download/"))
    assert rows[0][0] == "Number" and sorted(r[7] for r in rows[1:]) == ["Job 0", "Job 1", "Job 2"]
    build_export.call(export.pk)  # a job run twice builds once
    assert Export.objects.get().status == "done"


def test_an_export_is_only_its_owners(as_user, planner, manager, asset):
    export = start_export(planner, "kpis", {})
    build_export.call(export.pk)
    assert as_user(manager).get(f"/exports/{export.pk}/").status_code == 404
    assert as_user(manager).get(f"/exports/{export.pk}/download/").status_code == 404
    rows = _workbook(as_user(planner).get(f"/exports/{export.pk}/download/"))
    assert rows[0][0] == "Asset" and rows[-1][0] == "ALL"
    assert f"/exports/{export.pk}/" in as_user(planner).get("/exports/").content.decode()


def test_a_turkish_sheet_reads_in_turkish_and_its_numbers_stay_numbers(as_user, planner, asset):
    from decimal import Decimal

    from plantwright.maintenance.models import LaborEntry

    planner.language = "tr"
    planner.save()
    work_order = factories.WorkOrderFactory(asset=asset, status="closed", type="corrective", title="Kayış")
    LaborEntry.objects.create(work_order=work_order, technician=planner, entered_by=planner, hours=Decimal("1.5"),
                              work_date=timezone.localdate(), hourly_rate=Decimal(40), amount=Decimal(60))  # fmt: skip
    export = start_export(planner, "work_orders", {})
    build_export.call(export.pk)
    header, row = _workbook(as_user(planner).get(f"/exports/{export.pk}/download/"))
    line = dict(zip(header, row, strict=True))
    assert "Numara" in header and "Durum" in header, header
    assert line["Durum"] == "Kapatıldı" and line["Tür"] == "Düzeltici", line
    assert isinstance(line["İşçilik saatleri"], float | int) and line["İşçilik saatleri"] == 1.5, line
    csv = b"".join(as_user(planner).get("/work-orders/?format=csv").streaming_content).decode()
    assert csv.splitlines()[0].lstrip("\ufeff").startswith("number,asset,type"), "CSV keeps the column names"


def test_a_ledger_of_an_asset_i_cannot_see_is_refused_when_asked(as_user, outsider, asset):
    response = as_user(outsider).post("/exports/new/", {"kind": "ledger", "query": f"asset={asset.pk}"})
    assert response.status_code == 404 and not Export.objects.exists()
    assert as_user(outsider).post("/exports/new/", {"kind": "nonsense"}).status_code == 422


def test_a_failing_export_says_why(planner, asset):
    export = start_export(planner, "ledger", {"asset": str(asset.pk)})
    Export.objects.filter(pk=export.pk).update(params={"asset": str(asset.pk), "from": "never"})
    build_export.call(export.pk)
    export.refresh_from_db()
    assert export.status == "failed" and "`from` is a date" in export.error


def test_old_exports_and_their_files_are_deleted(planner, asset, tmp_path):
    old, new = start_export(planner, "kpis", {}), start_export(planner, "kpis", {})
    for export in (old, new):
        build_export.call(export.pk)
    Export.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    old_file = tmp_path / Export.objects.get(pk=old.pk).file.name
    assert old_file.exists()
    assert delete_old_exports() == 1
    assert not old_file.exists() and list(Export.objects.values_list("pk", flat=True)) == [new.pk]


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_process_builds_the_file(planner, asset, tmp_path):
    from plantwright.testing.processes import run_task_worker

    factories.WorkOrderFactory(asset=asset, status="closed", title="Job")
    export = start_export(planner, "work_orders", {})
    run_task_worker(env={"PLANTWRIGHT_MEDIA_ROOT": str(tmp_path)})
    export.refresh_from_db()
    assert export.status == "done" and export.rows_done == 1
    assert (tmp_path / export.file.name).stat().st_size > 0
