"""Signed webhooks, both ways: Plantwright ↔ an ERP, Plantwright → an OEE platform.

Signatures are HMAC-SHA256 over timestamp + body:

    X-Plantwright-Timestamp: 1764072000
    X-Plantwright-Signature: v1=<hex HMAC-SHA256(secret, "1764072000." + body)>[, v1=<...>]

Several `v1=` values may be sent while a secret is being rotated (one per valid secret). A message
is accepted when any of them matches any secret still valid, and its timestamp is within the replay
window: a captured message cannot be played again later.
"""

import hashlib
import hmac
import json
import secrets as secret_tokens
import time
from datetime import timedelta
from typing import Any

import httpx
from django.db import models
from django.utils import timezone

from plantwright.core import json_reader
from plantwright.core.errors import Unauthenticated
from plantwright.core.http.outbound import AddressNotAllowed, check_url, short_reason
from plantwright.outbox.registry import PermanentError, RetryableDeliveryError

TIMESTAMP_HEADER = "X-Plantwright-Timestamp"
SIGNATURE_HEADER = "X-Plantwright-Signature"
REPLAY_WINDOW_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def sign(secrets: list[str], body: bytes, *, now: float | None = None) -> dict[str, str]:
    """Headers for a signed message (one signature per secret still valid)."""
    timestamp = int(now if now is not None else time.time())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: ", ".join(signature(secret, timestamp, body) for secret in secrets),
    }


def verify(secrets: list[str], headers, body: bytes, *, now: float | None = None) -> None:
    """Raise Unauthenticated unless the body is signed with one of `secrets` within the window."""
    raw_timestamp = headers.get(TIMESTAMP_HEADER)
    raw_signature = headers.get(SIGNATURE_HEADER)
    if not raw_timestamp or not raw_signature:
        raise Unauthenticated(
            f"Events from this ERP must be signed ({TIMESTAMP_HEADER} and {SIGNATURE_HEADER}).",
            code="signature_missing",
        )
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise Unauthenticated("The timestamp is not a Unix time in seconds.", code="signature_invalid") from None
    current = now if now is not None else time.time()
    if abs(current - timestamp) > REPLAY_WINDOW_SECONDS:
        raise Unauthenticated(
            f"The timestamp is more than {REPLAY_WINDOW_SECONDS} s away from our clock.",
            code="signature_expired",
            details={"server_time": int(current)},
        )
    offered = [part.strip() for part in raw_signature.split(",")]
    for secret in secrets:
        expected = signature(secret, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return
    raise Unauthenticated("The signature does not match.", code="signature_invalid")


def new_secret() -> str:
    return "whsec_" + secret_tokens.token_urlsafe(32)


class SignedEndpoint(models.Model):
    """Where a partner system listens, and the secret both sides sign with (one per site and partner)."""

    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=new_secret)
    # After a rotation the old secret stays valid for a while, so neither side has to switch at the same second.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    timeout_seconds = models.PositiveSmallIntegerField(default=10)
    updated_at = models.DateTimeField(auto_now=True)

    ROTATION_OVERLAP = timedelta(hours=24)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.site.code} → {self.url}"

    def valid_secrets(self) -> list[str]:
        valid = [self.secret]
        if self.previous_secret and self.previous_valid_until and self.previous_valid_until > timezone.now():
            valid.append(self.previous_secret)
        return valid

    def rotate(self, overlap: timedelta | None = None) -> None:
        """A new secret from now; the old one keeps working for `overlap` so the other side can switch."""
        self.previous_secret = self.secret
        self.previous_valid_until = timezone.now() + (overlap if overlap is not None else self.ROTATION_OVERLAP)
        self.secret = new_secret()
        self.save()


# Answers worth another try later; any other 4xx means the receiver refuses this message for good.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def post_signed(endpoint: SignedEndpoint, payload: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
    """POST `payload` signed to the endpoint: 2xx delivered; 408/425/429/5xx, timeouts and refused
    connections retried (RetryableDeliveryError); any other 4xx dead-lettered (PermanentError)."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Plantwright",
        "Idempotency-Key": idempotency_key,
        "X-Plantwright-Event": payload["type"],
        **sign(endpoint.valid_secrets(), body),
    }
    try:
        check_url(endpoint.url)
    except AddressNotAllowed as exc:
        if exc.code == "address_unresolvable":  # DNS may be back in a minute
            raise RetryableDeliveryError(f"{endpoint.url}: {exc.message}") from None
        raise PermanentError(f"{endpoint.url}: {exc.message}") from None
    try:
        response = _http().post(endpoint.url, content=body, headers=headers, timeout=endpoint.timeout_seconds)
    except httpx.HTTPError as exc:  # timeouts, refused or dropped connections
        # Only the kind of failure: refused vs. timed out must not map the network behind the URL.
        raise RetryableDeliveryError(f"{endpoint.url} unreachable ({type(exc).__name__})") from None
    if response.is_success:
        return {"status": response.status_code, "body": _json_or_text(response.content[:65536])}
    # Never the answer's body: whatever the URL points at is not for the outbox page to show.
    detail = f"{short_reason(response.status_code, response.reason_phrase)} from {endpoint.url}"
    if response.status_code in RETRYABLE_STATUSES or response.status_code >= 500:
        raise RetryableDeliveryError(detail)
    raise PermanentError(detail)


_client: httpx.Client | None = None


def _http() -> httpx.Client:
    """One pooled client per process: deliveries to the same receiver reuse kept-alive connections."""
    global _client
    if _client is None:
        _client = httpx.Client(follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=10))
    return _client


def _json_or_text(raw: bytes) -> Any:
    try:
        return json_reader.loads(raw or b"null")
    except json_reader.MalformedJson:
        return raw.decode("utf-8", "replace")[:200].replace("\x00", "\ufffd")
