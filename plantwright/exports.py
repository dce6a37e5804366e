"""CSV and XLSX downloads that stream: no table is ever held in memory.

CSV goes row by row to the client (the browser shows the download's progress); XLSX goes through
openpyxl's write-only workbook, which keeps only the current row in memory, and is sent from a
temporary file. Callers pass an iterator of rows, read from the database in chunks. Numbers stay
numbers (Decimal to XLSX, plain digits to CSV) so spreadsheets can add them up, and user text that
starts like a formula is quoted so opening an export never runs it.
"""

import csv
import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from plantwright.formatting import plain

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2000  # rows per database round trip of an export


def download(kind: str, name: str, columns: list[str], rows: Iterable[list[Any]]):
    if kind == "xlsx":
        return _xlsx(name, columns, rows)
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
    """User text starting like a formula is quoted, so opening an export never runs it."""
    if isinstance(value, str) and value[:1] in "=+-@":
        return "'" + value
    return value


def _csv(name: str, columns: list[str], rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # so spreadsheet programs read UTF-8
        yield writer.writerow(columns)
        for row in rows:
            yield writer.writerow([_csv_value(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type=FORMATS["csv"])
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # XLSX has no time zones: UTC, as the column header says
    return _text_safe(value)


def _xlsx(name: str, columns: list[str], rows: Iterable[list[Any]]) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(name[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(
            sheet, value=column + (" (UTC)" if column.endswith("_at") or column == "down_since" else "")
        )
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{name}.xlsx", content_type=FORMATS["xlsx"])
