"""Taking a delivered event in: its signature, its age, and whether it came before.

A receiver on PolySynergy is a Route flow; the route's own API-key setting is not enforced
by PolySynergy, so the signature is the guard. Delivery is at least once, so the same
event can arrive twice: its id is remembered (for as long as the timestamp tolerance,
after which the timestamp check refuses it anyway) and a repeat is refused as one.
"""

from __future__ import annotations

import json
import uuid

from psycopg import sql

from ..errors import Refused
from . import names
from .signing import DEFAULT_TOLERANCE_SECONDS, BadSignature, verify


class DuplicateEvent(Refused):
    """An event this receiver has taken already (a repeated delivery)."""


def receive(engine, body, headers: dict, secret: str, tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> dict:
    """The event of a correctly signed, fresh, first delivery; BadSignature or
    DuplicateEvent otherwise."""
    event_id = verify(secret, body, headers, tolerance)
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
    try:
        event = json.loads(text)
    except ValueError:
        raise BadSignature("the body is not JSON", field="body") from None
    if not isinstance(event, dict) or str(event.get("id")) != event_id:
        raise BadSignature("the event id header does not match the body", field="headers")
    try:
        key = uuid.UUID(event_id)
    except ValueError:
        raise BadSignature("the event id is not a UUID", field="headers") from None
    table = names.table(engine.settings, "content_event_receipts")
    with engine.connection() as conn:
        conn.execute(sql.SQL("DELETE FROM {} WHERE received_at < now() - make_interval(secs => %s)").format(table),
                     (2 * tolerance,))
        first = conn.execute(sql.SQL("INSERT INTO {} (event_id) VALUES (%s) ON CONFLICT (event_id) DO NOTHING "
                                     "RETURNING event_id").format(table), (key,)).fetchone()
    if first is None:
        raise DuplicateEvent(f"event {event_id} was received before (a repeated delivery); it is not processed again")
    return event
