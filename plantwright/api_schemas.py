"""Schemas shared by every app's API: the error body and the response map of each operation."""

from typing import Any

from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(Schema):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[ErrorBody]]:
    """Response entries for the error statuses an operation can answer (401 always applies)."""
    return {status: ErrorBody for status in sorted({401, 400, *statuses})}
