"""Field types for API input schemas.

Input is strict: `false` is not an int, `"3"` is not an id, `1` is not a bool. Dates, times and
decimals arrive as JSON strings (ISO 8601, decimal text), so those accept strings only and are
then parsed; timestamps must carry an offset and stay within sane years.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints, WithJsonSchema

# Dates outside these years are typos or attacks, not maintenance history.
MIN_YEAR = 1900
MAX_YEAR = 2200


def _text_only(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _sane_year(value: date | datetime) -> date | datetime:
    if not (MIN_YEAR <= value.year <= MAX_YEAR):
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


def _utc(value: datetime) -> datetime:
    # Stored and answered in UTC, whatever offset the client wrote.
    return _sane_year(value).astimezone(UTC)


Id = Annotated[int, Field(strict=True, ge=1, le=2**63 - 1)]
Bool = Annotated[bool, Field(strict=True)]


# C0 control characters other than tab and line breaks (and DEL): no person types them, a pasted one
# is invisible, and spreadsheets refuse them (one in any text made every XLSX export of its site fail).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# The schema says it too, so a client generated from it sends what is accepted.
_CONTROLS = "\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
NO_CONTROLS_PATTERN = f"^[^{_CONTROLS}]*$"
_NO_CONTROLS = Field(json_schema_extra={"pattern": NO_CONTROLS_PATTERN})
# Required text is stripped first: the schema asks for one character that is not a space, or a
# client would send "\r" as valid and be refused.
NON_BLANK_PATTERN = f"^[^{_CONTROLS}]*[^\\s{_CONTROLS}][^{_CONTROLS}]*$"
_NON_BLANK = Field(json_schema_extra={"pattern": NON_BLANK_PATTERN})


def no_control_characters(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("control characters (other than tab and line breaks) are not accepted")
    return value


def Text(max_length: int, min_length: int = 1, *, pattern: str | None = None) -> Any:  # noqa: N802 (reads as a type)
    """Text of a person or a system: stripped, bounded, without control characters; `pattern`, a stricter
    whitelist (a code's letters), replaces the control-character check in the schema and in validation."""
    constraints = StringConstraints(
        strict=True, strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )
    if pattern is not None:
        return Annotated[str, constraints]
    schema = _NON_BLANK if min_length >= 1 else _NO_CONTROLS
    return Annotated[str, constraints, schema, AfterValidator(no_control_characters)]


# An ISO 4217 currency code, as the ERP and the site keep their money in.
Currency = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")]

Code = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=40),
    _NON_BLANK,
    AfterValidator(no_control_characters),
]
# The schema names the years too, so what it calls valid is accepted.
SANE_YEAR = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-"
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_text_only),
    AfterValidator(_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": SANE_YEAR}),
]
Day = Annotated[
    date,
    BeforeValidator(_text_only),
    AfterValidator(_sane_year),
    WithJsonSchema({"type": "string", "format": "date", "pattern": SANE_YEAR}),
]
# Money, quantities and hours travel as decimal strings ("123.4500"): never floats, no exponents. The
# schema says so (a string with a pattern that also bounds the digits), so a client generated from it
# sends what is accepted.


def _decimal(max_digits: int, decimal_places: int) -> Any:
    pattern = rf"^-?[0-9]{{1,{max_digits - decimal_places}}}(\.[0-9]{{1,{decimal_places}}})?$"

    def decimal_text(value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise ValueError(
                f'must be a decimal number written as a string, as "12.5", with at most '
                f"{max_digits - decimal_places} digits before the point and {decimal_places} after"
            )
        return value

    return Annotated[
        Decimal,
        BeforeValidator(decimal_text),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": ["12.5"]}),
    ]


Money = _decimal(14, 4)
Quantity = Money
Hours = _decimal(7, 2)

# Ids in paths and query strings arrive as text; bounded so no database sees an overflowing integer.
PathId = Annotated[int, Field(ge=1, le=2**63 - 1)]

# Figures computed in SQL come back from SQLite without their scale ("3" for 3.0000); answers always
# carry the ledger's four places so SQLite and PostgreSQL say the same thing.
Fixed4 = Annotated[Decimal, AfterValidator(lambda value: value.quantize(Decimal("0.0001")))]


def has_nul(raw: bytes) -> bool:
    """A NUL character, raw or as a JSON escape: PostgreSQL stores none in text or JSON, so input that
    carries one is refused up front (a 422, or an unreadable MQTT message), never half-written."""
    return b"\x00" in raw or b"\\u0000" in raw.lower()
