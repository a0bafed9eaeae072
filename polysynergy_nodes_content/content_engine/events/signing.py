"""Signing webhook events, and checking a signature where one arrives.

The signature is HMAC-SHA256 with the subscription's secret over ``"{timestamp}.{body}"``
(the exact bytes sent), sent as ``v1=<hex>``. Binding the timestamp stops a captured
request from being replayed later than the tolerance; the event id lets a receiver drop
a delivery it already handled (delivery is at least once).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from ..errors import InvalidInput

EVENT_ID_HEADER = "X-Content-Event-Id"
TIMESTAMP_HEADER = "X-Content-Event-Timestamp"
SIGNATURE_HEADER = "X-Content-Event-Signature"
#: How far a receiver accepts a timestamp from its own clock, in seconds.
DEFAULT_TOLERANCE_SECONDS = 300
MIN_SECRET_LENGTH = 16


class BadSignature(InvalidInput):
    """A delivery that must be refused: unsigned, signed with another secret, or too old."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signed_headers(secret: str, event_id: str, body: bytes, now: float | None = None) -> dict:
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(secret: str, body: bytes | str, headers: dict, tolerance: int = DEFAULT_TOLERANCE_SECONDS,
           now: float | None = None) -> str:
    """The event id of a correctly signed, fresh delivery; ``BadSignature`` otherwise."""
    if not secret:
        raise BadSignature("no secret to check the signature with", field="secret")
    body = body.encode() if isinstance(body, str) else bytes(body or b"")
    lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    given = lowered.get(SIGNATURE_HEADER.lower(), "")
    stamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    event_id = lowered.get(EVENT_ID_HEADER.lower(), "")
    if not given or not stamp or not event_id:
        raise BadSignature("the request is not signed (missing signature, timestamp or event id header)",
                           field="headers")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise BadSignature("the timestamp header is not a whole number of seconds", field="headers") from None
    age = (time.time() if now is None else now) - timestamp
    if abs(age) > tolerance:
        raise BadSignature(f"the timestamp is {int(abs(age))} s away from now (tolerance {tolerance} s): "
                           "refused as a possible replay", field="headers")
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, part.strip()) for part in given.split(",")):
        raise BadSignature("the signature does not match (another secret, or the body was changed)",
                           field="headers")
    return event_id
