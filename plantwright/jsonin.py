"""JSON from outside (API bodies, webhooks, MQTT messages): standard JSON only.

Python's `json` reads `NaN`, `Infinity` and `-Infinity`, which are not JSON and which no database
keeps in a JSON column (SQLite's JSON_VALID and PostgreSQL's jsonb refuse them): a payload holding
one could not even be stored as refused. They are malformed JSON here, like any other."""

import json
from typing import Any

from ninja.parser import Parser


def _refuse(constant: str) -> Any:
    raise json.JSONDecodeError(f"{constant} is not JSON", constant, 0)


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_constant=_refuse)


class StrictJsonParser(Parser):
    """django-ninja's body parser, on standard JSON only."""

    def parse_body(self, request):
        return loads(request.body)
