"""Logs a plant's IT can ship to its log store: with `LOG_FORMAT=json` every line is one JSON object
(time, level, logger, message, the request's id, the exception), and every request has an id —
the caller's `X-Request-ID` when it sent a sane one (a reverse proxy's), else a new one — answered
in `X-Request-ID` and carried by every line logged while it is served, so one request's lines can
be found together. The standard library does all of it: no dependency for fifty lines."""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")  # a proxy's id, never a place to inject log lines
access = logging.getLogger("plantwright.requests")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        for field in ("method", "path", "status", "duration_ms"):
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Gives each request its id, answers it, and logs one line per request (method, path without the
    query, status, time) at INFO on `plantwright.requests`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        request_id = offered if _SANE.match(offered) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            access.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"method": request.method, "path": request.path, "status": response.status_code,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
            )  # fmt: skip
            return response
        finally:
            REQUEST_ID.reset(token)
