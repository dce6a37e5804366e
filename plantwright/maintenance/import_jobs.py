"""History imports as background jobs, so a 100,000-row file neither outlives a web request nor
leaves the page without news: the page stores the file and records an ImportJob; the worker checks
the whole file (`run(apply=False)`), the page shows what it would do; on confirmation the worker
applies it — checked again against the records as they are then, written all or nothing — and
reports its progress batch by batch."""

import dataclasses
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from plantwright.accounts.models import Site, User
from plantwright.accounts.selectors import authorize
from plantwright.core.errors import Conflict, DomainError, ValidationFailed
from plantwright.core.files.tables import is_xlsx, preview
from plantwright.core.files.uploads import read_limited
from plantwright.maintenance.import_kinds import import_kind
from plantwright.maintenance.models import ImportJob

log = logging.getLogger(__name__)
Status = ImportJob.Status


def start_import(actor: User, site: Site, kind_name: str, upload) -> ImportJob:
    """Store the file and enqueue its check, in one transaction (the task queue is a table)."""
    kind = import_kind(kind_name)
    if kind is None:
        raise ValidationFailed(f"Unknown kind of file {kind_name!r}.", details={"field": "kind"})
    authorize(actor, kind.perm, site.pk)
    data = read_limited(upload, kind.max_bytes)
    job = ImportJob(site=site, kind=kind.name, requested_by=actor, file_name=(upload.name or "file")[-200:])
    with transaction.atomic():
        job.file.save(f"{kind.name}.{'xlsx' if is_xlsx(data) else 'csv'}", ContentFile(data), save=False)
        job.save()
        run_import.enqueue(job.pk, False)
    return job


def apply_import(actor: User, job: ImportJob) -> ImportJob:
    """Enqueue the writing of a checked file (once: a second confirmation finds it applying)."""
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, requested_by=actor, status=Status.CHECKED).update(
            status=Status.APPLYING, rows_done=0, rows_total=None
        )
        if not claimed:
            raise Conflict("This file is not waiting to be imported (imported already, or not checked).",
                           code="import_not_checked")  # fmt: skip
        run_import.enqueue(job.pk, True)
    job.refresh_from_db()
    return job


@task()
def run_import(job_id: int, apply: bool) -> None:
    job = ImportJob.objects.select_related("site", "requested_by").filter(pk=job_id).first()
    expected = Status.APPLYING if apply else Status.CHECKING
    if job is None or job.status != expected or (not apply and job.report):
        return  # done already, or by another worker
    kind = import_kind(job.kind)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_done=done, rows_total=total)

    with job.file.open("rb") as file:
        data = file.read()
    if not apply:
        ImportJob.objects.filter(pk=job_id).update(preview=preview(data))
    try:  # the refusal reads in the language of the one who brought the file, whatever the worker's
        with translation.override(job.requested_by.language or settings.LANGUAGE_CODE):
            report = kind.run(job.requested_by, job.site, data, apply=apply, progress=progress)
    except DomainError as exc:
        _finish(job_id, Status.INVALID, error={"code": exc.code, "message": exc.message, "details": exc.details})
        return
    except Exception as exc:  # the one who brought the file sees why; the worker goes on
        log.exception("import %s failed", job_id)
        _finish(job_id, Status.FAILED, error={"code": "import_failed", "message": str(exc)[:500], "details": {}})
        return
    _finish(job_id, Status.DONE if apply else Status.CHECKED, report=dataclasses.asdict(report))


def _finish(job_id: int, status: str, **values) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **values)
