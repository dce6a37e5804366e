"""A plant's history over HTTP: the CSV/XLSX imports of its locations, WOs and what was booked on them
(docs/history-import.md). Each kind's rules live in its own app; they are reached here through the
import registry, so this module knows their reports' shapes, not their code."""

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
from plantwright.maintenance.import_kinds import import_kind

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
    already_there: int = Field(description="rows already booked (the same WO, person, day and hours), left out")


@router.post("/labor-imports", response={200: LaborImportOut, **errors(403, 422)}, openapi_extra=upload())
def import_labor(request: HttpRequest, query: Query[HistoryImportQuery], file: File[UploadedFile]):
    """The labor history from a CSV file (after its WOs: `number` is a WO's number or external_ref;
    `technician`, `hours`, `work_date`, `craft`, `overtime`, `note`), each hour costed at the rate in force
    that day: all rows or none; `dry_run=true` checks without writing. Faults answer 422 as the WO import."""
    site = _site(request, query.site)
    data = read_limited(file, labor_import.MAX_BYTES)
    return labor_import.import_labor(request.user, site, data, apply=not query.dry_run)


def _run(request: HttpRequest, kind_name: str, query: HistoryImportQuery, file: UploadedFile):
    kind = import_kind(kind_name)
    site = _site(request, query.site)
    data = read_limited(file, kind.max_bytes)
    return kind.run(request.user, site, data, apply=not query.dry_run)


class ContractorImportOut(Schema):
    applied: bool = Field(description="false: a dry run, nothing was written")
    rows: int
    hours: Decimal = Field(description="the hours booked (or that would be)")
    amount: Decimal = Field(description="posted at agreed rates; PO-paid hours post with their invoice")
    already_there: int = Field(description="rows already booked, left out")


@router.post(
    "/contractor-hour-imports", response={200: ContractorImportOut, **errors(403, 422)}, openapi_extra=upload()
)
def import_contractor_hours(request: HttpRequest, query: Query[HistoryImportQuery], file: File[UploadedFile]):
    """Contractor hours on WOs (columns `number`, `contractor` (a vendor code), `person`, `hours`,
    `work_date`, `po_number`, `po_line`, `agreed_rate`, `note`). All rows or
    none; `dry_run=true` checks without writing; faults answer 422 as the WO import."""
    return _run(request, "contractor_hours", query, file)


class PartsImportOut(Schema):
    applied: bool = Field(description="false: a dry run, nothing was written")
    rows: int
    amount: Decimal = Field(description="the parts cost posted (or that would be)")
    already_there: int = Field(description="rows posted by an earlier import of the same file, left out")


@router.post("/parts-used-imports", response={200: PartsImportOut, **errors(403, 422)}, openapi_extra=upload())
def import_parts_used(request: HttpRequest, query: Query[HistoryImportQuery], file: File[UploadedFile]):
    """Parts used on WOs (columns `number`, `part`, `quantity`, `used_on`, `unit_cost` (else today's
    average at the site), `note`): each posts its cost on the day used; stock is not moved. All rows or
    none; `dry_run=true` checks without writing; faults answer 422 as the WO import."""
    return _run(request, "parts_used", query, file)


class StopsImportOut(Schema):
    applied: bool = Field(description="false: a dry run, nothing was written")
    rows: int
    created: int
    minutes: int = Field(description="the downtime of the new stops, in minutes")
    already_there: int = Field(description="stops already recorded (same asset and start), left out")


@router.post("/stop-imports", response={200: StopsImportOut, **errors(403, 422)}, openapi_extra=upload())
def import_stops(request: HttpRequest, query: Query[HistoryImportQuery], file: File[UploadedFile]):
    """Past machine stops (columns `asset`, `started_at`, `ended_at`, `category`, `reason_code`, `text`,
    `number` (the WO it was repaired under)), recorded as "imported", not run through the rules. All rows or
    none; `dry_run=true` checks without writing; faults answer 422 as the WO import."""
    return _run(request, "stops", query, file)


class PmHistoryImportOut(Schema):
    applied: bool = Field(description="false: a dry run, nothing was written")
    rows: int
    created: int
    done: int
    late: int
    missed: int
    already_there: int


@router.post("/pm-history-imports", response={200: PmHistoryImportOut, **errors(403, 422)}, openapi_extra=upload())
def import_pm_history(request: HttpRequest, query: Query[HistoryImportQuery], file: File[UploadedFile]):
    """A PM schedule's past occurrences (columns `schedule` (its name), `due_date`, `outcome` (done, late,
    missed), `completed_at`, `number`, `note`), each with its closed WO. All rows or
    none; `dry_run=true` checks without writing; faults answer 422 as the WO import."""
    return _run(request, "pm_history", query, file)


class LocationImportOut(Schema):
    applied: bool = Field(description="false: a dry run, nothing was written")
    rows: int
    created: list[str]
    updated: list[str]
    unchanged: int


@router.post("/location-imports", response={200: LocationImportOut, **errors(403, 422)}, openapi_extra=upload())
def import_locations(request: HttpRequest, query: Query[HistoryImportQuery], file: File[UploadedFile]):
    """Locations (columns `code`, `name`, `parent_code`): a known code takes the file's name and parent. All rows or
    none; `dry_run=true` checks without writing; faults answer 422 as the WO import."""
    return _run(request, "locations", query, file)
