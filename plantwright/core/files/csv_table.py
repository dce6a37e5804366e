"""Reading a CSV file a plant brings (its spreadsheet, its old CMMS): the file-level checks every
import shares — UTF-8, the delimiter Excel chose, a known header, no ragged rows — and the problem a
row is refused with. The imports (assets, WO history) clean and check the cells themselves."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
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
    """Each data row of a CSV file, with its line, as {column: cell}; file-level faults raise ValidationFailed."""
    check_size(data, max_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse_file("The file is not UTF-8 text: save it as “CSV UTF-8”.", "not_utf8") from None
    if "\x00" in text:
        raise refuse_file("The file holds NUL characters: it is not a CSV text file.")
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if not any(header):
            raise refuse_file(f"The file is empty: its first line names the columns ({', '.join(required)}, …).",
                              "file_empty")  # fmt: skip
        _check_header(header, columns, required)
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # blank lines, as spreadsheets leave at the end
            if len(rows) == max_rows:
                raise refuse_file(f"The file has more than {max_rows} rows: split it.", "too_many_rows")
            if len(values) != len(header):
                raise refuse_file(
                    f"Line {reader.line_num} has {len(values)} cells where the header has {len(header)}.",
                    "ragged_row",
                )
            rows.append((reader.line_num, dict(zip(header, values, strict=True))))
    except csv.Error as exc:
        raise refuse_file(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    return rows


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
