"""JSON from outside (API bodies, webhooks, ERP answers, MQTT messages): one bounded reader.

Every entrance reads outside JSON through `loads`, which refuses, as `malformed_json`:
- more than `MAX_BYTES` (no entrance needs more; the web server refuses larger bodies earlier);
- nesting deeper than `MAX_DEPTH` (Python's parser raises RecursionError on deep `[[[…]]]`, and every
  later step — validation, storing, dumping — recurses too);
- `NaN`, `Infinity`, and numbers that only read as infinity (`1e400`): no JSON column stores them
  (SQLite's JSON_VALID and PostgreSQL's jsonb refuse them), so such a payload could not even be kept
  as refused;
- integers beyond 64 bits and numbers written with more than `MAX_NUMBER_DIGITS` characters, which
  no column of ours holds and which would cost quadratic time to convert;
- text holding NUL or a lone surrogate, which no database stores.
"""

import json
import math
import re
from typing import Any

from ninja.parser import Parser

from plantwright.core.errors import DomainError

MAX_BYTES = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE: 2.5 MB
MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 40
_INT_LIMIT = 2**63
_SURROGATE = re.compile("[\ud800-\udfff]")


class MalformedJson(DomainError):
    """The body or message cannot be read as bounded, standard JSON: nothing was written."""

    status = 400
    code = "malformed_json"


class _Refused(ValueError):
    """A value the parser read but we refuse (`reason` goes into the error's details)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def _refuse(why: str, reason: str = "number") -> Any:
    raise _Refused(why, reason)


def _number(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS:
        _refuse(f"a number of {len(text)} characters")
    value = float(text)
    if not math.isfinite(value):
        _refuse(f"{text} is too large for a number")
    return value


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_DIGITS:
        _refuse(f"a number of {len(text)} characters")
    value = int(text)
    if not -_INT_LIMIT <= value < _INT_LIMIT:
        _refuse(f"{text} does not fit in 64 bits")
    return value


def _problem(value: Any) -> str | None:
    """What makes a parsed value unfit to keep, walked with a stack of its own (a deep value cannot
    exhaust Python's): too deep, a NUL (PostgreSQL stores none), or a lone surrogate (`"\\ud800"`),
    which is JSON but no UTF-8 text, so neither database stores it."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "nul"
            if not item.isascii() and _SURROGATE.search(item):
                return "lone_surrogate"
            continue
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > MAX_DEPTH:
            return "too_deep"
        stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list | str))
    return None


def loads(text: str | bytes, *, what: str = "The body", max_bytes: int = MAX_BYTES, object_hook=None) -> Any:
    """`text` as JSON, or MalformedJson saying why not (never any other exception)."""
    if len(text) > max_bytes:
        raise MalformedJson(
            f"{what} is larger than {max_bytes} bytes.", details={"reason": "too_large", "max_bytes": max_bytes}
        )
    try:
        value = json.loads(
            text,
            parse_constant=lambda name: _refuse(f"{name} is not JSON", "syntax"),
            parse_float=_number,
            parse_int=_integer,
            object_hook=object_hook,
        )
    except RecursionError:
        raise _deep(what) from None
    except Exception as exc:  # ValueError, UnicodeDecodeError, or what an object_hook raised
        # JSONDecodeError's text names a position; our own refusals name the value.
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        reason = exc.reason if isinstance(exc, _Refused) else "syntax"
        raise MalformedJson(f"{what} is not JSON: {why[:200]}.", details={"reason": reason}) from None
    problem = _problem(value)
    if problem == "too_deep":
        raise _deep(what)
    if problem == "nul":
        raise MalformedJson(
            f"{what} holds a NUL character (U+0000), which no database stores.", details={"reason": problem}
        )
    if problem:
        raise MalformedJson(f"{what} holds text that is not Unicode (a lone surrogate).", details={"reason": problem})
    return value


def _deep(what: str) -> MalformedJson:
    return MalformedJson(
        f"{what} is nested deeper than {MAX_DEPTH} levels.", details={"reason": "too_deep", "max_depth": MAX_DEPTH}
    )


class StrictJsonParser(Parser):
    """django-ninja's body parser, through `loads` (ninja answers any failure 400; see api.py)."""

    def parse_body(self, request):
        return loads(request.body)
