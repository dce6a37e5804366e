"""A plant's history over HTTP: the CSV imports of its WOs and their labor (docs/history-import.md)."""

from decimal import Decimal

from django.http import HttpRequest
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from plantwright.accounts.selectors import list_sites
from plantwright.core.errors import ValidationFailed
from plantwright.core.files.uploads import read_limited
from plantwright.core.http.schemas import errors, upload
from plantwright.core.http.types import PathId
from plantwright.maintenance import history_import, labor_import

router = Router(tags=["history import"])


def _site(request: HttpRequest, site_id: int):
    # The site is a query field of a write: one the caller cannot see reads as "does not exist" (422).
    site = list_sites(request.user).filter(pk=site_id).first()
    if site is None:
        raise ValidationFailed(f"Site {site_id} does not exist.", details={"field": "site"})
    return site


class HistoryImportQuery(Schema):
    site: PathId
    dry_run: bool = False


class HistoryImportOut(Schema):
    applied: bool = Field(description="false: a dry run, nothing was written")
    rows: int
    created: int = Field(description="WOs created (or that would be)")
    already_there: list[str] = Field(description="numbers already at the site, left as they are")


@router.post("/work-order-imports", response={200: HistoryImportOut, **errors(403, 422)}, openapi_extra=upload())
def import_history(request: HttpRequest, query: Query[HistoryImportQuery], file: File[UploadedFile]):
    """The WO history from a CSV file (UTF-8, multipart/form-data field `file`), in the WO export's
    columns: all rows or none; a number already at the site is left as it is. `dry_run=true` checks and
    reports without writing. A fault in the file answers 422 (`invalid_file`, `not_utf8`,
    `unknown_columns` …); faults in rows 422 `import_invalid` with `details.problems` [{line, column,
    message}]."""
    site = _site(request, query.site)
    data = read_limited(file, history_import.MAX_BYTES)
    return history_import.import_history(request.user, site, data, apply=not query.dry_run)


class LaborImportOut(Schema):
    applied: bool = Field(description="false: a dry run, nothing was written")
    rows: int
    hours: Decimal = Field(description="the hours booked (or that would be)")


@router.post("/labor-imports", response={200: LaborImportOut, **errors(403, 422)}, openapi_extra=upload())
def import_labor(request: HttpRequest, query: Query[HistoryImportQuery], file: File[UploadedFile]):
    """The labor history from a CSV file (after its WOs: `number` is a WO's number or external_ref;
    `technician`, `hours`, `work_date`, `craft`, `overtime`, `note`), each hour costed at the rate in force
    that day: all rows or none; `dry_run=true` checks without writing. Faults answer 422 as the WO import."""
    site = _site(request, query.site)
    data = read_limited(file, labor_import.MAX_BYTES)
    return labor_import.import_labor(request.user, site, data, apply=not query.dry_run)
