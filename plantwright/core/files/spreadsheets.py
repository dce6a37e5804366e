"""CSV and XLSX downloads that stream: no table is ever held in memory.

CSV goes row by row to the client (the browser shows the download's progress). XLSX cannot be
streamed (the file is a zip written at the end), so it is built by an export job in the worker
through openpyxl's write-only workbook, which keeps only the current row in memory, while the page
shows its progress (`plantwright.reliability.export_jobs`). Callers pass an iterator of rows, read
from the database in chunks. Numbers stay
numbers (Decimal to XLSX, plain digits to CSV) so spreadsheets can add them up, and user text that
starts like a formula is quoted so opening an export never runs it.

CSV is for machines: its header is the column names and coded values stay codes. XLSX is for people:
its header and coded values are in the reader's language (`Human`), its numbers and dates stay
numbers and dates, which the spreadsheet program shows in the reader's own format.
"""

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from plantwright.core.formatting import plain
from plantwright.core.http.types import CONTROL_CHARACTERS

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CHUNK = 2000  # rows per database round trip of an export


def download(kind: str, name: str, columns: list[str], rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    """A CSV download streamed row by row (XLSX cannot stream: it is built by an export job)."""
    if kind != "csv":
        raise ValueError(kind)
    return _csv(name, columns, rows)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None:
        return ""
    return _text_safe(value)


def _text_safe(value: Any) -> Any:
    """User text starting like a formula is quoted, so opening an export never runs it; control
    characters (kept from before they were refused) are dropped, as no spreadsheet holds them."""
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub("", value)
    return "'" + value if value[:1] and value[:1] in "=+-@" else value  # ("" is in every string)


def _csv(name: str, columns: list[str], rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # so spreadsheet programs read UTF-8
        yield writer.writerow(columns)
        for row in rows:
            yield writer.writerow([_csv_value(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response


# What a sheet's title may not hold (a site or asset code with a slash made the export fail).
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # XLSX has no time zones: UTC, as the column header says
    return _text_safe(value)


@dataclass(frozen=True)
class Human:
    """How a sheet reads to a person: a label per column name, and labels of coded values per column
    (a WO's status, a cost line's kind). Labels are lazy: they are read in the active language."""

    labels: Mapping[str, Any]
    choices: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def write_xlsx(
    target, name: str, columns: list[str], rows: Iterable[list[Any]], progress=None, human: Human | None = None
) -> int:
    """Write the rows as one sheet into `target` (a path or a binary file); `progress(n)` is called
    every CHUNK rows. Returns the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_SHEET_UNSAFE.sub("-", name)[:31] or "export")
    bold = Font(bold=True)
    header = []
    for column in columns:
        utc = column.endswith("_at") or column == "down_since"
        label = str(human.labels.get(column, column)) if human else column
        cell = WriteOnlyCell(sheet, value=label + (" (UTC)" if utc else ""))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    coded = {n: {code: str(label) for code, label in human.choices[c].items()}
             for n, c in enumerate(columns) if human and c in human.choices}  # fmt: skip
    written = 0
    for row in rows:
        if coded:
            row = [coded[n].get(value, value) if n in coded else value for n, value in enumerate(row)]
        sheet.append([_xlsx_value(value) for value in row])
        written += 1
        if progress and written % CHUNK == 0:
            progress(written)
    workbook.save(target)
    return written
