"""Reading a table a plant brings (its spreadsheet, its old CMMS) as CSV or XLSX: the file-level
checks every import shares — UTF-8, the delimiter Excel chose, a known header, no ragged rows — and
the problem a row is refused with. The imports (assets, WO history ...) clean and check the cells.

An XLSX file (told by its zip signature, whatever its name) is read from its first sheet, as the
same text cells a CSV gives: a date cell as YYYY-MM-DD, a date and time as ISO 8601 (at the site, as
in CSV), a number in plain digits, so one set of cell rules serves both."""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from plantwright.core.errors import ValidationFailed
from plantwright.core.files.uploads import check_size

DELIMITERS = ",;\t"  # Excel writes ';' where the decimal mark is a comma (Turkish, German ...)
MAX_PROBLEMS = 200  # listed; the count says how many there were in all


@dataclass
class Problem:
    line: int  # the file's line (1 = the header), as a spreadsheet shows it
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


def refuse_file(message: str, code: str = "invalid_file") -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"field": "file"})


def refuse_rows(problems: list[Problem]) -> ValidationFailed:
    problems = sorted(problems, key=lambda problem: problem.line)
    return ValidationFailed(
        f"{len(problems)} problem(s) in the file; nothing was imported.",
        code="import_invalid",
        details={"problems": [problem.as_dict() for problem in problems[:MAX_PROBLEMS]], "count": len(problems)},
    )


def read_table(
    data: bytes, *, columns: dict[str, Any], required: tuple[str, ...], max_bytes: int, max_rows: int
) -> list[tuple[int, dict[str, str]]]:
    """Each data row of a CSV or XLSX file, with its line, as {column: cell}; file-level faults raise
    ValidationFailed."""
    check_size(data, max_bytes)
    if is_xlsx(data):
        try:
            return _rows(_xlsx_lines(data), columns, required, max_rows)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:  # a sheet broken inside
            raise refuse_file(f"The file is not a readable XLSX workbook ({exc.__class__.__name__}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse_file("The file is not UTF-8 text: save it as “CSV UTF-8”.", "not_utf8") from None
    if "\x00" in text:
        raise refuse_file("The file holds NUL characters: it is not a CSV text file.")
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    numbered = ((reader.line_num, values) for values in reader)
    try:
        return _rows(numbered, columns, required, max_rows)
    except csv.Error as exc:
        raise refuse_file(f"Line {reader.line_num} is not valid CSV: {exc}.") from None


def preview(data: bytes, rows: int = 10) -> dict[str, list]:
    """The header and first rows of a file as read, for a person to see that the columns line up."""
    if is_xlsx(data):
        lines = (cells for _, cells in _xlsx_lines(data))
    else:
        text = data.decode("utf-8-sig", errors="replace")
        lines = csv.reader(
            io.StringIO(text[:200_000], newline=""), delimiter=max(DELIMITERS, key=text[:2000].split("\n", 1)[0].count)
        )
    head = []
    try:
        for cells in lines:
            head.append([cell[:80] for cell in cells[:40]])
            if len(head) > rows:
                break
    except (csv.Error, ValueError, KeyError, zipfile.BadZipFile):
        pass  # the check says what is wrong
    return {"header": head[0] if head else [], "rows": head[1:]}


def is_xlsx(data: bytes) -> bool:
    """An XLSX workbook (a zip) rather than CSV text, whatever the file is called."""
    return data[:4] == b"PK\x03\x04"


def _rows(numbered, columns, required, max_rows) -> list[tuple[int, dict[str, str]]]:
    header_line = next(numbered, None)
    header = [name.strip().lower() for name in header_line[1]] if header_line else []
    if not any(header):
        raise refuse_file(f"The file is empty: its first line names the columns ({', '.join(required)}, …).",
                          "file_empty")  # fmt: skip
    _check_header(header, columns, required)
    rows = []
    for line, values in numbered:
        if not any(value.strip() for value in values):
            continue  # blank lines, as spreadsheets leave at the end
        if len(rows) == max_rows:
            raise refuse_file(f"The file has more than {max_rows} rows: split it.", "too_many_rows")
        if len(values) != len(header):
            raise refuse_file(f"Line {line} has {len(values)} cells where the header has {len(header)}.",
                              "ragged_row")  # fmt: skip
        rows.append((line, dict(zip(header, values, strict=True))))
    return rows


def _xlsx_lines(data: bytes):
    """(line, [cell text]) of the workbook's first sheet; trailing empty cells dropped, as a CSV has none."""
    from openpyxl import load_workbook  # only an XLSX import pays for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InvalidFileException as exc:
        raise ValueError(str(exc)) from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise refuse_file("The workbook has no sheet.", "file_empty")

    def lines():
        width = None
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            while cells and cells[-1] == "" and (width is None or len(cells) > width):
                cells.pop()
            if width is None:
                width = len(cells)
            elif len(cells) < width:
                cells += [""] * (width - len(cells))  # a short row: its last cells are empty
            yield line, cells
        workbook.close()

    return lines()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() and value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else ""
    return str(value)


def _check_header(header: list[str], columns: dict[str, Any], required: tuple[str, ...]) -> None:
    unknown = [name for name in header if name not in columns]
    if unknown:
        raise ValidationFailed(
            f"Unknown columns: {', '.join(repr(name) for name in unknown)}. Known: {', '.join(columns)}.",
            code="unknown_columns",
            details={"field": "file", "columns": unknown},
        )
    doubled = sorted({name for name in header if header.count(name) > 1})
    if doubled:
        raise refuse_file(f"Columns named twice: {', '.join(doubled)}.")
    missing = [name for name in required if name not in header]
    if missing:
        raise refuse_file(f"Required columns missing: {', '.join(missing)}.", "missing_columns")


def unquote(value: str) -> str:
    """A cell as our exports wrote it: text that looked like a formula carries a leading ' (so a
    spreadsheet never runs it); the import takes it off, so export → edit → import round-trips."""
    return value[1:] if value[:2] in ("'=", "'+", "'-", "'@") else value


def moment(value: str, zone: tzinfo) -> datetime:
    """YYYY-MM-DD (midnight at the site) or an ISO 8601 date and time (at the site without an offset)."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=zone)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date (YYYY-MM-DD) or an ISO 8601 date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
