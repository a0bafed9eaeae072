"""What the content-event nodes do with the engine, as plain functions.

Poll and Ack follow the other nodes (``(outputs, result)``, run through ``run_node``).
Receive does not: a delivery's body must reach the signature check byte for byte, so it
never goes through the ``{{ ... }}`` placeholder filling the other inputs get (an entry
value holding ``{{`` would otherwise be rendered, and the signature would fail).
"""

from __future__ import annotations

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.node_support.json_input import (
    coerce_bool,
    coerce_int,
    coerce_object,
    is_not_given,
    parse_json_text,
    required_text,
)
from polysynergy_nodes_content.node_support.runner import (
    apply_failure,
    apply_success,
    node_write_context,
    run_engine_call,
)

MAX_TOLERANCE_SECONDS = 3600

POLL_EMPTY = {"events": [], "event_count": 0}
ACK_EMPTY = {"acknowledged_count": 0, "not_pending": []}
RECEIVE_EMPTY = {"event": {}, "event_id": None, "event_type": "", "section": "", "entry_id": None, "entry": {},
                 "previous": {}, "changed": [], "event_run_id": None, "actor": None, "source": None}


def events_poll(engine, subscription, limit=100, lease_seconds=300):
    name = required_text(subscription, "subscription")
    count = coerce_int(limit, "limit", default=100)
    lease = coerce_int(lease_seconds, "lease_seconds", default=300)
    events = engine.claim_events(name, limit=count, lease_seconds=lease)
    outputs = {"events": events, "event_count": len(events)}
    return outputs, {**outputs, "subscription": name}


def event_ids(value) -> list:
    """Events as Poll gave them, or their ids: a list, one id, or JSON text of either."""
    if isinstance(value, str):
        text = value.strip()
        value = parse_json_text(text, "events") if text[:1] in ("[", "{", '"') else [text]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidInput("events is required", field="events")
    return list(value)


def events_ack(engine, subscription, events):
    name = required_text(subscription, "subscription")
    if is_not_given(events) or events in ([], {}):
        raise InvalidInput("events is required", field="events")
    result = engine.ack_events(name, event_ids(events))
    outputs = {"acknowledged_count": result["acknowledged"], "not_pending": result["not_pending"]}
    return outputs, {**outputs, "subscription": name}


def _secret(value) -> str:
    if is_not_given(value) or not isinstance(value, str) or not value.strip():
        raise InvalidInput("secret is required", field="secret")
    if value == "<SECRET::NOT::FOUND>":
        raise InvalidInput("secret: the secret it refers to was not found in this project and stage", field="secret")
    if value.startswith("<secret:") and value.endswith(">"):
        raise InvalidInput("secret holds a placeholder that was not resolved", field="secret")
    return value


def _headers(value) -> dict:
    headers = coerce_object(value, "headers")
    if not headers:
        raise InvalidInput("headers is required",
                           field="headers")
    return headers


def event_receive(engine, body, headers, secret, tolerance_seconds=300):
    if is_not_given(body) or (isinstance(body, str) and not body.strip()):
        raise InvalidInput("body is required", field="body")
    if not isinstance(body, (str, bytes, bytearray)):
        raise InvalidInput("body must be the raw request body as text (not parsed JSON: the signature covers "
                           "the exact bytes)", field="body")
    tolerance = coerce_int(tolerance_seconds, "tolerance_seconds", default=300)
    if not 1 <= tolerance <= MAX_TOLERANCE_SECONDS:
        raise InvalidInput(f"tolerance_seconds must be from 1 to {MAX_TOLERANCE_SECONDS}", field="tolerance_seconds")
    event = engine.receive_event(body, _headers(headers), _secret(secret), tolerance=tolerance)
    outputs = {"event": event, "event_id": event.get("id"), "event_type": event.get("type") or "",
               "section": event.get("section") or "", "entry_id": event.get("entry_id"),
               "entry": event.get("entry") or {}, "previous": event.get("previous") or {},
               "changed": event.get("changed") or [], "event_run_id": event.get("run_id"),
               "actor": event.get("actor"), "source": event.get("source")}
    return outputs, {**outputs}


async def run_receive(node) -> bool:
    """Run ContentEventReceive: its inputs as they are (no placeholder filling), then the paths."""
    try:
        on_success_path = coerce_bool(node.errors_on_success_path, "errors_on_success_path")
    except InvalidInput as error:
        apply_failure(node, error, RECEIVE_EMPTY)
        return False
    try:
        outputs, result = await run_engine_call(node.database_url, event_receive, node_write_context(node),
                                                body=node.body, headers=node.headers, secret=node.secret,
                                                tolerance_seconds=node.tolerance_seconds)
    except Exception as error:  # a refused delivery goes to the error path with the reason
        apply_failure(node, error, RECEIVE_EMPTY, on_success_path)
        return False
    apply_success(node, outputs, RECEIVE_EMPTY, result)
    return True
