"""Domain errors: raised by services, mapped once to HTTP (see plantwright.api) and UI messages.

Body on the wire: {"error": {"code": "...", "message": "...", "details": {...}}}.

The code is what a machine reads; the message is for people, in their language: an error raised
with its code and no message takes its words from the catalogue (`core.error_catalogue`), with the
named values it is given, and reads them in the language active where it is shown (the page's
reader, the API caller's `Accept-Language`).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from plantwright.core.error_catalogue import MESSAGES


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, details: dict[str, Any] | None = None, **params
    ):
        if code:
            self.code = code
        self.details = details or {}
        self.params = params
        self._text = MESSAGES[self.code] if message is None else message
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = str(self._text)  # a catalogue entry is lazy: read in the language active now
        return text % self.params if self.params else text

    def as_body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


class NotFound(DomainError):
    """The record does not exist, or the caller may not know it exists (another site's record)."""

    status = 404
    code = "not_found"


class Unauthenticated(DomainError):
    """No valid credentials: a missing or wrong signature, an expired timestamp."""

    status = 401
    code = "unauthorized"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request is well formed but the current state of the records forbids it."""

    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class TooManyRequests(DomainError):
    """A rate limit: nothing was written; `details.retry_after` says when to try again (seconds)."""

    status = 429
    code = "rate_limited"


class ValidationFailed(DomainError):
    """Well-formed input whose values break a business rule (unknown code, dates out of order ...)."""

    status = 422
    code = "validation_failed"


def error_from_body(body: dict[str, Any], default_status: int = 422) -> DomainError:
    """Rebuild a stored error (`{code, message, details, status}`) as a raisable DomainError."""
    status = body.get("status", default_status)
    kind = {401: Unauthenticated, 403: PermissionDenied, 404: NotFound, 409: Conflict, 422: ValidationFailed}
    error = kind.get(status, DomainError)(
        body.get("message", "Refused."), code=body.get("code"), details=body.get("details", {})
    )
    error.status = status
    return error


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error body of the API, wherever it is written."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


# The code and words for a status answered without a domain error of ours (Django's own 404 and 405,
# ninja's parser, a refusal before any view).
STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", _("The request could not be read.")),
    401: ("unauthorized", _("A valid bearer token or a signed-in session is needed.")),
    403: ("forbidden", _("This request is not allowed.")),
    404: ("not_found", _("There is no such API path.")),
    405: ("method_not_allowed", _("This path does not take this method.")),
    409: ("conflict", _("The records' state does not allow this.")),
    413: ("too_large", _("The request body is too large.")),
    422: ("validation_failed", _("The request does not match the schema.")),
    429: ("throttled", _("Too many requests; try again later.")),
}


def status_body(status: int, message: str | None = None, details: dict[str, Any] | None = None) -> dict[str, Any]:
    code, default = STATUS_CODES.get(status, ("client_error", _("The request was refused.")))
    return error_body(code, str(message or default), details)


def schema_error(exc: Any, what: str = "The event") -> ValidationFailed:
    """A pydantic ValidationError of an inbound message (ERP event, downtime event, meter reading) as
    one ValidationFailed listing every problem with its location."""
    problems = [
        {"location": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]
    return ValidationFailed(f"{what} does not match its schema.", details={"errors": problems})


class ServiceUnavailable(DomainError):
    """The database takes no writes now (read-only, disk full, locked too long): nothing was written."""

    status = 503
    code = "service_unavailable"


# What SQLite and PostgreSQL say when they refuse a write for reasons of the machine, not of the data.
_DATABASE_REFUSALS = (
    ("readonly database", "database_read_only", "The database is read-only just now: nothing was saved."),
    ("read-only transaction", "database_read_only", "The database is read-only just now: nothing was saved."),
    ("query_only", "database_read_only", "The database is read-only just now: nothing was saved."),
    ("disk is full", "disk_full", "The database's disk is full: nothing was saved. Tell the administrator."),
    ("no space left on device", "disk_full", "The database's disk is full: nothing was saved. Tell the administrator."),
    ("database is locked", "database_busy", "The database is busy: nothing was saved. Try again in a moment."),
)


def database_refusal(exc: Exception) -> ServiceUnavailable | None:
    """The clear 503 for a database that refused a write, or None for any other database error."""
    text = str(exc).lower()
    for needle, code, message in _DATABASE_REFUSALS:
        if needle in text:
            return ServiceUnavailable(message, code=code)
    return None
