"""Helpers of the content-event node tests: signed deliveries and waiting for events.

Events are made from the history only up to the bound below which no transaction on the
server can still add a change; on a shared test server another session may hold it back
for a moment, so a test that needs events asks for them until they are there.
"""

from __future__ import annotations

import json
import time
import uuid

from polysynergy_nodes_content.content_engine.events import signed_headers

SECRET = "node-events-secret-0123456789abcdef"


def signed_delivery(event: dict | None = None, secret: str = SECRET, now: float | None = None) -> tuple[str, dict]:
    """(body text, lower-case headers) as a Route hands a delivery to the flow."""
    event = {"id": str(uuid.uuid4()), "seq": 1, "type": "update", "section": "research_companies",
             "entry_id": str(uuid.uuid4()), "at": "2026-12-07T20:00:00+00:00", "actor": "ada", "source": "cli",
             "run_id": "run-9", "entry": {"company_name": "SWIS", "industry": "IT"},
             "previous": {"company_name": "SWIS", "industry": None}, "changed": ["industry"], **(event or {})}
    body = json.dumps(event)
    headers = {k.lower(): v for k, v in signed_headers(secret, event["id"], body.encode(), now=now).items()}
    return body, headers


def wait_for_pending(engine, subscription: str, count: int, timeout: float = 120.0) -> None:
    """Make events until ``subscription`` has ``count`` pending ones (or the time is up)."""
    deadline = time.monotonic() + timeout
    while engine.get_subscription(subscription)["counts"]["pending"] < count and time.monotonic() < deadline:
        engine.make_events()


def event_inputs(class_name: str, engine) -> dict:
    """Good inputs of an event node for the parametrized node tests ({} for other nodes)."""
    if class_name == "ContentEventReceive":
        body, headers = signed_delivery()
        return {class_name: {"body": body, "headers": headers, "secret": SECRET}}
    if class_name not in ("ContentEventsPoll", "ContentEventsAck"):
        return {}
    engine.create_subscription("feed", ["research_companies"], start=1)
    if class_name == "ContentEventsPoll":
        wait_for_pending(engine, "feed", 1)
        return {class_name: {"subscription": "feed"}}
    return {class_name: {"subscription": "feed", "events": [str(uuid.uuid4())]}}
