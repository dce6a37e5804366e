"""HMAC-SHA256 signatures over timestamp + body, both ways between Plantwright and an ERP.

    X-Plantwright-Timestamp: 1764072000
    X-Plantwright-Signature: v1=<hex HMAC-SHA256(secret, "1764072000." + body)>[, v1=<...>]

Several `v1=` values may be sent while a secret is being rotated (one per valid secret). A message
is accepted when any of them matches any secret still valid, and its timestamp is within the replay
window: a captured message cannot be played again later.
"""

import hashlib
import hmac
import time

from plantwright.errors import Unauthenticated

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
