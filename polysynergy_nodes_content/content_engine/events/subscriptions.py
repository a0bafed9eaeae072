"""Subscriptions: which changes of which sections become events, and where they go.

A subscription reads the history capture from its ``cursor`` on, so it needs history on
for each of its sections. It starts at "now" (the last change recorded so far) unless it
is given a change id or a time to start from.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime

from psycopg import sql
from psycopg.types.json import Jsonb

from ..entries import FilterCompiler
from ..errors import InvalidInput, NotFound, Refused
from . import names
from .horizon import last_history_id
from .signing import MIN_SECRET_LENGTH
from .targets import check_target, parse_networks

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MAX_ATTEMPTS_LIMIT = 100
_COLUMNS = ("id", "name", "sections", "events", "filter", "target_url", "target_secret", "paused", "max_attempts",
            "retry_base_seconds", "timeout_seconds", "cursor", "created_at", "updated_at")


def check_name(name) -> str:
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise InvalidInput("subscription name must be 1 to 100 letters, digits, '_', '.' or '-' (starting with a "
                           "letter or digit)", field="name")
    return name.strip()


def check_events(events) -> list[str]:
    if isinstance(events, str):
        events = [e.strip() for e in events.split(",") if e.strip()]
    if not isinstance(events, (list, tuple)) or not events:
        raise InvalidInput("events must be a non-empty list of create, update, delete", field="events")
    unknown = [str(e)[:20] for e in events if e not in names.EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"unknown event type(s) {unknown}: use create, update, delete", field="events")
    return [e for e in names.EVENT_TYPES if e in events]


def check_target_value(engine, target) -> tuple[str | None, str | None]:
    """(url, secret) of a webhook target; (None, None) for pull delivery."""
    if isinstance(target, str) and target.strip().startswith("{"):
        try:
            target = json.loads(target)
        except ValueError:
            raise InvalidInput("target must be a JSON object {\"url\": ..., \"secret\": ...}", field="target") from None
    if target in (None, "", {}):
        return None, None
    if not isinstance(target, dict) or set(target) - {"url", "secret"}:
        raise InvalidInput("target must be {\"url\": ..., \"secret\": ...} (or none, for pull delivery)",
                           field="target")
    secret = target.get("secret")
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise InvalidInput(f"target.secret must be text of at least {MIN_SECRET_LENGTH} characters (it signs "
                           "every event)", field="target.secret")
    check_target(target.get("url"), parse_networks(engine.settings.events_allow_networks))
    return target["url"].strip(), secret


def check_number(value, field: str, low: float, high: float, whole: bool = False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high or (
            whole and not isinstance(value, int)):
        kind = "a whole number" if whole else "a number"
        raise InvalidInput(f"{field} must be {kind} from {low:g} to {high:g}", field=field)
    return value


#: The delivery settings of a subscription: (lowest, highest, whole numbers only).
_LIMITS = {"max_attempts": (1, MAX_ATTEMPTS_LIMIT, True), "retry_base_seconds": (0.01, 3600, False),
           "timeout_seconds": (0.1, 300, False)}


def check_setting(key: str, value):
    low, high, whole = _LIMITS[key]
    return check_number(value, key, low, high, whole=whole)


def resolve_sections(engine, conn, sections) -> list[dict]:
    """The sections (id, handle) by handle; each must exist, be reachable and record history."""
    if isinstance(sections, str):
        sections = [s.strip() for s in sections.split(",") if s.strip()]
    if not isinstance(sections, (list, tuple)) or not sections:
        raise InvalidInput("sections must be a non-empty list of section handles", field="sections")
    found = []
    for handle in dict.fromkeys(sections):
        row = conn.execute(sql.SQL("SELECT id, handle, history FROM {} WHERE handle = %s").format(
            names.table(engine.settings, "sections")), (str(handle),)).fetchone()
        if row is None or not engine.scope.allows(row[1]):
            raise NotFound(f"section '{str(handle)[:63]}' does not exist", field="sections")
        if not row[2]:
            raise Refused(f"section '{row[1]}' records no history; events are read from it, so switch its "
                          "history on first (setting history, then apply the migration)")
        found.append({"id": row[0], "handle": row[1]})
    return found


def check_filter(engine, conn, sections: list[dict], filters):
    """The filter, compiled once against each section, so a bad one is refused now."""
    if filters in (None, "", {}, []):
        return None
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except ValueError:
            raise InvalidInput("filter must be a JSON object in the query language", field="filter") from None
    service = engine.entries
    for section in sections:
        model = service.load_model(conn, section["handle"])
        FilterCompiler(model, engine.registry, sql.Identifier("e"),
                       lambda handle: service.load_model(conn, handle)).compile(filters)
    return filters


def start_cursor(engine, conn, start) -> int:
    """The history id a new subscription has read up to: now, or just before a change or a time."""
    history = names.history(engine.settings)
    if start in (None, "", "now"):
        return last_history_id(conn, engine.settings)
    if isinstance(start, int) and not isinstance(start, bool):
        if start < 1:
            raise InvalidInput("start must be a change id (1 or more), a time, or 'now'", field="start")
        return start - 1
    if isinstance(start, str):
        try:
            start = datetime.fromisoformat(start.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("start must be a change id, an ISO 8601 time or 'now'", field="start") from None
    if not isinstance(start, datetime):
        raise InvalidInput("start must be a change id, an ISO 8601 time or 'now'", field="start")
    row = conn.execute(sql.SQL("SELECT coalesce(max(id), 0) FROM {} WHERE changed_at < %s").format(history),
                       (start,)).fetchone()
    return int(row[0])


def create(engine, name, sections, events=names.EVENT_TYPES, filter=None, target=None, start=None,
           max_attempts: int = 8, retry_base_seconds: float = 1.0, timeout_seconds: float = 10.0) -> dict:
    name = check_name(name)
    events = check_events(events)
    max_attempts, retry_base_seconds, timeout_seconds = (
        check_setting(key, value) for key, value in (("max_attempts", max_attempts),
                                                     ("retry_base_seconds", retry_base_seconds),
                                                     ("timeout_seconds", timeout_seconds)))
    url, secret = check_target_value(engine, target)
    with engine.connection() as conn:
        found = resolve_sections(engine, conn, sections)
        filters = check_filter(engine, conn, found, filter)
        if conn.execute(sql.SQL("SELECT 1 FROM {} WHERE name = %s").format(names.subscriptions(engine.settings)),
                        (name,)).fetchone():
            raise Refused(f"a subscription named '{name}' exists already")
        conn.execute(sql.SQL("INSERT INTO {} (id, name, sections, events, filter, target_url, target_secret, "
                             "max_attempts, retry_base_seconds, timeout_seconds, cursor) "
                             "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)").format(
            names.subscriptions(engine.settings)),
            (uuid.uuid4(), name, [s["id"] for s in found], events, _jsonb(filters), url, secret, max_attempts,
             retry_base_seconds, timeout_seconds, start_cursor(engine, conn, start)))
    return get(engine, name)


def _jsonb(value):
    return None if value is None else Jsonb(value)


def load(engine, conn, name, lock: bool = False) -> dict:
    """The stored subscription (secret included: for the delivery code only)."""
    name = check_name(name)
    query = sql.SQL("SELECT {} FROM {} WHERE name = %s").format(
        sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)), names.subscriptions(engine.settings))
    if lock:
        query += sql.SQL(" FOR UPDATE")
    row = conn.execute(query, (name,)).fetchone()
    record = dict(zip(_COLUMNS, row)) if row else None
    if record is None or not _visible(engine, conn, record):
        raise NotFound(f"subscription '{name}' does not exist", field="subscription")
    return record


def _handles(engine, conn, section_ids) -> dict:
    rows = conn.execute(sql.SQL("SELECT id, handle FROM {} WHERE id = ANY(%s)").format(
        names.table(engine.settings, "sections")), (list(section_ids),)).fetchall()
    return {r[0]: r[1] for r in rows}


def _visible(engine, conn, record) -> bool:
    """A scoped engine sees only subscriptions whose every section it reaches."""
    if not engine.scope.restricted:
        return True
    handles = _handles(engine, conn, record["sections"])
    return all(sid in handles and engine.scope.allows(handles[sid]) for sid in record["sections"])


def shown(engine, conn, record, counts: dict | None = None) -> dict:
    """A subscription as callers see it: section handles, the secret never."""
    handles = _handles(engine, conn, record["sections"])
    target = None if record["target_url"] is None else {"url": record["target_url"], "secret": "(set)"}
    result = {"id": str(record["id"]), "name": record["name"],
              "sections": [handles.get(s, f"(removed section {s})") for s in record["sections"]],
              "events": list(record["events"]), "filter": record["filter"], "target": target,
              "delivery": "webhook" if target else "pull", "paused": record["paused"],
              "max_attempts": record["max_attempts"], "retry_base_seconds": record["retry_base_seconds"],
              "timeout_seconds": record["timeout_seconds"], "cursor": record["cursor"],
              "created_at": record["created_at"], "updated_at": record["updated_at"]}
    if counts is not None:
        result["counts"] = counts
    return result


def counts_of(engine, conn, subscription_ids) -> dict:
    """Per subscription: pending, failed (pending after a failed attempt), dead, delivered."""
    rows = conn.execute(sql.SQL(
        "SELECT subscription_id, count(*) FILTER (WHERE state = 'pending'), "
        "count(*) FILTER (WHERE state = 'pending' AND last_error IS NOT NULL), "
        "count(*) FILTER (WHERE state = 'dead'), count(*) FILTER (WHERE state = 'delivered') "
        "FROM {} WHERE subscription_id = ANY(%s) GROUP BY subscription_id").format(names.events(engine.settings)),
        (list(subscription_ids),)).fetchall()
    zero = {"pending": 0, "failed": 0, "dead": 0, "delivered": 0}
    found = {r[0]: {"pending": r[1], "failed": r[2], "dead": r[3], "delivered": r[4]} for r in rows}
    return {sid: found.get(sid, dict(zero)) for sid in subscription_ids}


def get(engine, name) -> dict:
    with engine.connection() as conn:
        record = load(engine, conn, name)
        return shown(engine, conn, record, counts_of(engine, conn, [record["id"]])[record["id"]])


def list_all(engine) -> list[dict]:
    with engine.connection() as conn:
        rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY name").format(
            sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)), names.subscriptions(engine.settings))).fetchall()
        records = [r for r in (dict(zip(_COLUMNS, row)) for row in rows) if _visible(engine, conn, r)]
        counts = counts_of(engine, conn, [r["id"] for r in records])
        return [shown(engine, conn, r, counts[r["id"]]) for r in records]


def update(engine, name, **changes) -> dict:
    """Change sections, events, filter, target, max_attempts, retry_base_seconds,
    timeout_seconds or paused; a change the checks refuse changes nothing."""
    allowed = {"sections", "events", "filter", "target", "max_attempts", "retry_base_seconds", "timeout_seconds",
               "paused"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(unknown)} of a subscription", field=unknown[0])
    values: dict = {}
    with engine.connection() as conn:
        record = load(engine, conn, name, lock=True)
        sections = [{"id": s, "handle": h} for s, h in _handles(engine, conn, record["sections"]).items()]
        if "sections" in changes:
            sections = resolve_sections(engine, conn, changes["sections"])
            values["sections"] = [s["id"] for s in sections]
        if "events" in changes:
            values["events"] = check_events(changes["events"])
        if "filter" in changes or "sections" in changes:
            filters = changes["filter"] if "filter" in changes else record["filter"]
            values["filter"] = _jsonb(check_filter(engine, conn, sections, filters))
        if "target" in changes:
            values["target_url"], values["target_secret"] = check_target_value(engine, changes["target"])
        for key in _LIMITS:
            if key in changes:
                values[key] = check_setting(key, changes[key])
        if "paused" in changes:
            if not isinstance(changes["paused"], bool):
                raise InvalidInput("paused must be true or false", field="paused")
            values["paused"] = changes["paused"]
        if values:
            assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values)
            conn.execute(sql.SQL("UPDATE {} SET {}, updated_at = now() WHERE id = %s").format(
                names.subscriptions(engine.settings), assignments), (*values.values(), record["id"]))
    return get(engine, name)


def delete(engine, name, confirm: bool = False) -> dict:
    """Remove a subscription and its events; without ``confirm`` only say what would go."""
    with engine.connection() as conn:
        record = load(engine, conn, name, lock=True)
        counts = counts_of(engine, conn, [record["id"]])[record["id"]]
        if confirm is True:  # its row is locked: no step is making its events now
            conn.execute(sql.SQL("DELETE FROM {} WHERE subscription_id = %s").format(names.events(engine.settings)),
                         (record["id"],))
            conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(names.subscriptions(engine.settings)),
                         (record["id"],))
        return {"subscription": record["name"], "deleted": confirm is True, "events": counts}
