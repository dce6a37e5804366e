"""A few lines of standard-library Python that talk to Plantwright's API, as the first-hour guides
(docs/first-hour/) do: a bearer token, JSON in and out, errors shown as the API words them.

Every call names its path as the guide writes it (`/sites/{site}/connector`) with the values apart,
so a script's calls can be compared with its guide's steps (plantwright/tests/test_first_hour.py)."""

import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request


class ApiError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(f"{status}: {json.dumps(body)[:500]}")
        self.status, self.body = status, body


class Plantwright:
    def __init__(self, url: str, token: str):
        self.base = url.rstrip("/") + "/api/v1"
        self.token = token
        self.calls: list[str] = []  # "PUT /sites/{site}/connector", in the order made

    def call(self, method: str, path: str, body=None, *, headers: dict | None = None, raw: bytes | None = None,
             **values):  # fmt: skip
        self.calls.append(f"{method} {path.split('?')[0]}")
        print(f"   → {method} /api/v1{path}", flush=True)  # as the guide writes it
        url = self.base + path.format(**values)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token and not (headers and "X-Plantwright-Signature" in headers):
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, json.loads(error.read() or b"{}")) from None
        return json.loads(text) if text else None

    def get(self, path: str, **values):
        return self.call("GET", path, **values)

    def post(self, path: str, body=None, **values):
        return self.call("POST", path, body if body is not None else {}, **values)

    def put(self, path: str, body, **values):
        return self.call("PUT", path, body, **values)

    def patch(self, path: str, body, **values):
        return self.call("PATCH", path, body, **values)


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    """X-Plantwright-Timestamp and -Signature for a body (docs/erp-integration.md §2)."""
    timestamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Plantwright-Timestamp": timestamp, "X-Plantwright-Signature": f"v1={mac}"}


def verify(secret: str, headers, body: bytes) -> bool:
    """Whether a message from Plantwright is signed with `secret` (any of its `v1=` values)."""
    timestamp = headers.get("X-Plantwright-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    offered = [part.strip() for part in headers.get("X-Plantwright-Signature", "").split(",")]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def say(step: str) -> None:
    print(step, flush=True)


def wait_for(what: str, check, timeout: float = 60.0, every: float = 0.5):
    """Ask `check()` until it answers something (the worker delivers within a second or two)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    sys.exit(f"gave up waiting for {what} after {timeout:.0f} s")
