"""A small JSON-RPC client for Tryton (the protocol its own desktop and web clients speak).

Database calls go to `POST /<database>/rpc/` with a session from `common.db.login`; every model call
takes the user's context (from `res.user.get_preferences`) as its last parameter. Tryton answers
errors with HTTP 200 and an `error` member: a user error or warning (data Tryton refuses), or a
server fault. Dates, datetimes and Decimals travel as `{"__class__": ...}` objects.
"""

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx

from plantwright.core import json_reader
from plantwright.core.http.outbound import AddressNotAllowed, check_url, short_reason

TIMEOUT_SECONDS = 30
# A poll reads a page of purchases with their lines: far more than an inbound body, still bounded.
ANSWER_MAX_BYTES = 64_000_000


class TrytonError(Exception):
    """Tryton answered, and refused: `kind` is UserError, UserWarning, AccessError, ... or a fault."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"Tryton {kind}: {message}")
        self.kind = kind
        self.message = message


class TrytonUnreachable(Exception):
    """No answer (connection refused, timeout) or an HTTP error: worth trying again later."""


def _encode(value: Any) -> dict[str, Any]:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        return {
            "__class__": "datetime",
            **{name: getattr(value, name) for name in ("year", "month", "day", "hour", "minute", "second")},
            "microsecond": value.microsecond,
        }
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, dt.timedelta):
        return {"__class__": "timedelta", "seconds": value.total_seconds()}
    raise TypeError(f"Cannot send {type(value).__name__} to Tryton")


def _decode(obj: dict[str, Any]) -> Any:
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return dt.date(obj["year"], obj["month"], obj["day"])
    if kind == "datetime":
        # Tryton keeps timestamps in UTC without a zone.
        return dt.datetime(
            obj["year"], obj["month"], obj["day"], obj["hour"], obj["minute"], obj["second"],
            obj.get("microsecond", 0), tzinfo=dt.UTC,
        )  # fmt: skip
    if kind == "timedelta":
        return dt.timedelta(seconds=obj["seconds"])
    if kind == "bytes":
        return base64.b64decode(obj["base64"])
    return obj


def _error(error: Any) -> TrytonError:
    """Tryton's error member: [kind, [message, description, ...]] for user errors, else a traceback."""
    if isinstance(error, list) and error and isinstance(error[0], str):
        kind = error[0]
        detail = error[1] if len(error) > 1 else ""
        if isinstance(detail, list) and detail:
            parts = [str(part) for part in detail[:2] if isinstance(part, str) and part]
            message = " — ".join(parts)
        else:
            message = str(detail)
        return TrytonError(kind, message[:500])
    return TrytonError("Fault", str(error)[:500])


class TrytonClient:
    def __init__(self, url: str, database: str, login: str, password: str, *, timeout: float = TIMEOUT_SECONDS):
        self.url = url.rstrip("/")
        self.database = database
        self.login = login
        self._password = password
        self._http = httpx.Client(timeout=timeout)
        self._authorization: str | None = None
        self.context: dict[str, Any] = {}

    def close(self) -> None:
        self._http.close()

    def _post(self, method: str, params: list[Any], *, authorization: str | None) -> Any:
        body = json.dumps({"id": 1, "method": method, "params": params}, default=_encode)
        headers = {"Content-Type": "application/json"}
        if authorization:
            headers["Authorization"] = authorization
        try:
            check_url(self.url)
        except AddressNotAllowed as exc:
            raise TrytonUnreachable(f"{self.url}: {exc.message}") from None
        try:
            response = self._http.post(f"{self.url}/{self.database}/rpc/", content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TrytonUnreachable(f"{self.url} unreachable ({type(exc).__name__})") from exc
        if response.status_code in (401, 403):
            raise PermissionError(response.status_code)
        if response.status_code >= 400:
            raise TrytonUnreachable(f"{short_reason(response.status_code, response.reason_phrase)} from {self.url}")
        try:
            answer = json_reader.loads(
                response.content, what="Tryton's answer", max_bytes=ANSWER_MAX_BYTES, object_hook=_decode
            )
        except json_reader.MalformedJson as exc:
            raise TrytonUnreachable(f"{self.url} answered something else than JSON-RPC: {exc.message}") from None
        if not isinstance(answer, dict):
            raise TrytonUnreachable(f"{self.url} answered something else than JSON-RPC.")
        if answer.get("error"):
            raise _error(answer["error"])
        return answer.get("result")

    def connect(self) -> None:
        try:
            result = self._post("common.db.login", [self.login, {"password": self._password}, "en"], authorization=None)
        except PermissionError:
            raise TrytonError("LoginError", f"Tryton refused the login of {self.login!r}.") from None
        if not result:
            raise TrytonError("LoginError", f"Tryton refused the login of {self.login!r}.")
        user_id, token = result[0], result[1]
        self._authorization = "Session " + base64.b64encode(f"{self.login}:{user_id}:{token}".encode()).decode()
        self.context = self.call("model.res.user.get_preferences", True, {})

    def call(self, method: str, *params: Any) -> Any:
        if self._authorization is None:
            self.connect()
        try:
            return self._post(method, list(params), authorization=self._authorization)
        except PermissionError:  # the session expired (or the server restarted): sign in again, once
            self._authorization = None
            self.connect()
        try:
            return self._post(method, list(params), authorization=self._authorization)
        except PermissionError:
            raise TrytonError("AccessError", f"{self.login!r} may not call {method}.") from None

    # Model methods, with the user's context appended as Tryton expects.
    def execute(self, model: str, method: str, *args: Any) -> Any:
        if self._authorization is None:
            self.connect()
        return self.call(f"model.{model}.{method}", *args, self.context)

    def search_read(
        self, model: str, domain: list, fields: list[str], *, order: list | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        return self.execute(model, "search_read", domain, 0, limit, order, fields)

    def search(self, model: str, domain: list, *, limit: int | None = None) -> list[int]:
        return self.execute(model, "search", domain, 0, limit, None)

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        return self.execute(model, "read", ids, fields) if ids else []

    def create(self, model: str, values: list[dict[str, Any]]) -> list[int]:
        return self.execute(model, "create", values)

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        self.execute(model, "write", ids, values)

    def button(self, model: str, name: str, ids: list[int]) -> Any:
        return self.execute(model, name, ids)

    def run_wizard(self, name: str, model: str, ids: list[int], data: dict | None = None) -> Any:
        """Run a wizard from its start state, as the client does for the records `ids` of `model`."""
        session, start, _end = self.call(f"wizard.{name}.create", self.context)
        context = {**self.context, "active_model": model, "active_ids": ids, "active_id": ids[0] if ids else None}
        try:
            return self.call(f"wizard.{name}.execute", session, data or {}, start, context)
        finally:
            self.call(f"wizard.{name}.delete", session, self.context)
