"""XLSX exports as background jobs: asked for on a page, built by the task worker with its progress
on the page, downloaded by the one who asked, deleted after EXPORT_KEEP_DAYS.

An XLSX file cannot be streamed while it is written (it is a zip finished at the end), and the WO
history of a large plant takes minutes, longer than a web request may run. So the page records an
`Export` and enqueues `build_export` (django-tasks, run by `manage.py db_worker`); the job reads the
rows in chunks with the permissions of the person who asked, writes them with openpyxl's
write-only workbook, and reports how many rows it has written.
"""

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from plantwright.core.db.bounded import fit
from plantwright.core.errors import NotFound, ValidationFailed
from plantwright.core.files.spreadsheets import Human, write_xlsx
from plantwright.maintenance import exports as maintenance_exports
from plantwright.reliability import exports as reliability_exports
from plantwright.reliability.filters import filters_for
from plantwright.reliability.kpis import asset_report
from plantwright.reliability.models import Export

log = logging.getLogger(__name__)
KEPT_PARAMS = {"site", "location", "class", "from", "to", "q", "status", "type", "mine", "open", "overdue", "asset",
               "rollup"}  # fmt: skip


class Source(NamedTuple):
    name: str  # of the file
    columns: list[str]
    rows: Iterator[list[Any]]
    total: int | None  # how many rows, when known beforehand
    human: Human  # how the sheet reads to a person


def _source(export: Export) -> Source:
    """What an export holds, as its owner may see them."""
    user, params = export.requested_by, export.params
    if export.kind == Export.Kind.KPIS:
        filters = filters_for(user, params)
        if filters is None:
            raise NotFound("You have no site.")
        rows, figures = asset_report(filters.scope, filters.period)
        name = f"kpis-{filters.site.code}-{filters.period.day_from}-{filters.period.day_to}"
        lines = reliability_exports.kpi_rows(rows, figures, filters.site)
        return Source(name, reliability_exports.KPI_COLUMNS, lines, len(rows) + 1, reliability_exports.KPI_SHEET)
    if export.kind == Export.Kind.WORK_ORDERS:
        _form, work_orders = maintenance_exports.filtered_work_orders(user, params)
        lines = maintenance_exports.work_order_rows(work_orders)
        name = f"work-orders-{timezone.localdate()}"
        columns, sheet = maintenance_exports.WORK_ORDER_COLUMNS, maintenance_exports.WORK_ORDER_SHEET
        return Source(name, columns, lines, work_orders.count(), sheet)
    asset_id = str(params.get("asset", ""))
    if not asset_id.isdigit():
        raise ValidationFailed("Which asset's ledger?", details={"field": "asset"})
    asset, lines = maintenance_exports.asset_ledger(user, int(asset_id), params)
    columns, sheet = maintenance_exports.LEDGER_COLUMNS, maintenance_exports.LEDGER_SHEET
    return Source(f"cost-ledger-{asset.code}", columns, lines, None, sheet)


def start_export(user, kind: str, params) -> Export:
    """Record the export and enqueue its job in the same transaction (the task queue is a table)."""
    if kind not in Export.Kind.values:
        raise ValidationFailed(f"Unknown export {kind!r}.", details={"field": "kind"})
    kept = {key: params.get(key) for key in KEPT_PARAMS if params.get(key) not in (None, "")}
    export = Export(requested_by=user, kind=kind, params=kept)
    export.name = _source(export).name  # refuses an asset or site the user may not see, now rather than later
    with transaction.atomic():
        export.save()
        build_export.enqueue(export.pk)
    return export


@task()
def build_export(export_id: int) -> None:
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(status=Export.Status.RUNNING)
    if not claimed:
        return  # built already, or being built by another worker
    export = Export.objects.select_related("requested_by").get(pk=export_id)
    folder = Path(settings.MEDIA_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        source = _source(export)
        name = source.name
        Export.objects.filter(pk=export_id).update(rows_total=source.total)
        relative = f"exports/{export.pk}-{name}.xlsx"

        def progress(done: int) -> None:
            Export.objects.filter(pk=export_id).update(rows_done=done)

        # The sheet is read by the one who asked: in their language, whatever the worker's.
        with translation.override(export.requested_by.language or settings.LANGUAGE_CODE):
            written = write_xlsx(Path(settings.MEDIA_ROOT) / relative, name, source.columns, source.rows,
                                 progress, source.human)  # fmt: skip
    except Exception as exc:  # the person who asked sees why; the worker goes on
        log.exception("export %s failed", export_id)
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED, error=fit(Export, "error", str(exc)), finished_at=timezone.now()
        )
        return
    Export.objects.filter(pk=export_id).update(
        status=Export.Status.DONE,
        file=relative,
        name=name,
        rows_done=written,
        rows_total=written,
        finished_at=timezone.now(),
    )


def delete_old_exports(now=None) -> int:
    """Exports older than EXPORT_KEEP_DAYS, with their files (a periodic job of the worker)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EXPORT_KEEP_DAYS)
    old = list(Export.objects.filter(created_at__lt=cutoff))
    for export in old:
        if export.file:
            export.file.delete(save=False)
    Export.objects.filter(pk__in=[e.pk for e in old]).delete()
    return len(old)
