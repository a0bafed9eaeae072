"""The events of a subscription as a queue: claim, acknowledge, fail, replay.

A pending event of an entry holds back that entry's later events (order per entry), so a
claim takes, per entry, only the earliest pending event, and only when it is due and not
leased. Claims skip rows another claim is taking (``SKIP LOCKED``), so several workers
or pollers never take the same event at the same time. Delivery is at least once: a lease
that runs out (a worker killed mid-delivery) gives the event back.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime

from psycopg import sql

from ..errors import InvalidInput
from . import names

MAX_CLAIM = 1000
#: A claim looks at every pending event when it must (bigint: no limit in practice).
MAX_WALK = 2**62
#: Backoff never waits longer than this between two attempts.
MAX_BACKOFF_SECONDS = 3600
MAX_ERROR_LENGTH = 500


def check_limit(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_CLAIM:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_CLAIM}", field="limit")
    return limit


#: The pending events are walked in ``seq`` order one index probe at a time (each step
#: finds the next pending seq), and each is looked up and locked on its own, so a claim
#: stops after ``limit`` events however many wait and whatever the table's statistics say
#: (stale ones had the planner read, sort and check every pending event for every
#: claim). An event is taken only when it is the earliest pending event of its entry. One
#: whose lease ran out on its last allowed attempt is marked dead where the walk finds it
#: (it is the earliest of its entry, so it is found before any event it holds back).
_CLAIM = sql.SQL(
    "WITH RECURSIVE walk(seq, step) AS ("
    "(SELECT w.seq, 1 FROM {events} w WHERE w.subscription_id = %(sub)s AND w.state = 'pending' ORDER BY w.seq LIMIT 1) "
    "UNION ALL SELECT (SELECT w.seq FROM {events} w WHERE w.subscription_id = %(sub)s AND w.state = 'pending' "
    "AND w.seq > walk.seq ORDER BY w.seq LIMIT 1), walk.step + 1 FROM walk WHERE walk.seq IS NOT NULL "
    "AND walk.step < %(steps)s), "
    "due AS (SELECT c.seq, c.expired FROM walk CROSS JOIN LATERAL (SELECT e.seq, "
    "(e.lease_until IS NOT NULL AND e.attempts >= %(max_attempts)s) AS expired FROM {events} e "
    "WHERE e.subscription_id = %(sub)s AND e.seq = walk.seq AND e.state = 'pending' AND e.next_attempt_at <= now() "
    "AND (e.lease_until IS NULL OR e.lease_until <= now()) AND e.seq = (SELECT p.seq FROM {events} p "
    "WHERE p.subscription_id = e.subscription_id AND p.section_id = e.section_id AND p.entry_id = e.entry_id "
    "AND p.state = 'pending' ORDER BY p.seq LIMIT 1) FOR UPDATE SKIP LOCKED) c LIMIT %(limit)s) "
    "UPDATE {events} e SET "
    "state = CASE WHEN due.expired THEN 'dead' ELSE e.state END, "
    "lease_until = CASE WHEN due.expired THEN NULL ELSE now() + make_interval(secs => %(lease)s) END, "
    "leased_by = CASE WHEN due.expired THEN e.leased_by ELSE %(worker)s END, "
    "attempts = CASE WHEN due.expired THEN e.attempts ELSE e.attempts + 1 END, "
    "last_error = CASE WHEN due.expired THEN coalesce(e.last_error, 'lease ran out') ELSE e.last_error END "
    "FROM due WHERE e.subscription_id = %(sub)s AND e.seq = due.seq "
    "RETURNING e.seq, e.id, e.attempts, {body}, due.expired, e.section_id, e.entry_id")

#: The events that follow a claimed one in its entry, leased with it (a chain the sender
#: sends in order, so an entry with many waiting events does not cost a claim per event).
#: Nobody else can take them: a follower is not the earliest pending event of its entry
#: while its head is pending, and leased once the head is delivered. A chain stops before
#: the first follower not due, still leased, or out of attempts (the walk deals with it
#: once it heads its entry); the first followers of every entry come before the second.
#: Each step names its index outright (the row comparison only the entry index serves, the
#: seqs as an array): a table just filled by a fan-out has statistics that say it is empty.
_FOLLOWERS = sql.SQL(
    "WITH head AS (SELECT h.section_id, h.entry_id, h.seq FROM {events} h "
    "WHERE h.subscription_id = %(sub)s AND h.seq = ANY(%(heads)s)), "
    "line AS (SELECT f.seq, row_number() OVER w AS depth, bool_and(f.ready) OVER w AS ready FROM head "
    "CROSS JOIN LATERAL (SELECT e.seq, e.section_id, e.entry_id, (e.next_attempt_at <= now() "
    "AND (e.lease_until IS NULL OR e.lease_until <= now()) AND e.attempts < %(max_attempts)s) AS ready "
    "FROM {events} e WHERE (e.subscription_id, e.section_id, e.entry_id, e.seq) "
    "> (%(sub)s::uuid, head.section_id, head.entry_id, head.seq) AND e.subscription_id = %(sub)s "
    "AND e.section_id = head.section_id AND e.entry_id = head.entry_id AND e.state = 'pending' "
    "ORDER BY e.subscription_id, e.section_id, e.entry_id, e.seq LIMIT %(depth)s) f "
    "WINDOW w AS (PARTITION BY f.section_id, f.entry_id ORDER BY f.seq)) "
    "UPDATE {events} e SET lease_until = now() + make_interval(secs => %(lease)s), leased_by = %(worker)s, "
    "attempts = e.attempts + 1 WHERE e.subscription_id = %(sub)s AND e.seq = ANY(ARRAY("
    "SELECT seq FROM line WHERE ready ORDER BY depth, seq LIMIT %(room)s)) "
    "AND e.state = 'pending' RETURNING e.seq, e.id, e.attempts, {body}, e.section_id, e.entry_id")


def claim(conn, settings, subscription: dict, limit: int, lease_seconds: float, worker: str,
          max_steps: int | None = None) -> list[dict]:
    """Lease up to ``limit`` due events (one per entry, oldest first) and return them.
    ``max_steps``: look at no more than that many pending events (a claim made while other
    events are in flight stops early instead of walking past everything they hold back)."""
    rows = _claim(conn, settings, subscription, limit, lease_seconds, worker, max_steps, sql.SQL("e.payload"))
    return [shown(subscription, seq, attempts, payload) for seq, _, attempts, payload, *_entry in rows]


def claim_bodies(conn, settings, subscription: dict, limit: int, lease_seconds: float, worker: str,
                 max_steps: int | None = None, followers: int = 0, depth: int = 8) -> list[dict]:
    """``claim`` for sending: per event its ``seq``, ``id``, ``attempt``, ``body`` (the
    event as JSON text made by the database: no round trip through Python objects) and
    ``entry`` (its section and entry id). ``followers``: lease up to that many more events
    that follow the claimed ones in their entries, at most ``depth`` per entry (``_FOLLOWERS``);
    they must be sent in order, each only after the one before it was delivered."""
    rows = _claim(conn, settings, subscription, limit, lease_seconds, worker, max_steps, _BODY)
    if rows and followers:
        rows += conn.execute(_FOLLOWERS.format(events=names.events(settings), body=_BODY), {
            "sub": subscription["id"], "heads": [row[0] for row in rows], "depth": depth, "room": followers,
            "max_attempts": subscription["max_attempts"], "name": subscription["name"],
            "lease": float(lease_seconds), "worker": worker[:100]}).fetchall()
        rows.sort()
    return [{"seq": seq, "id": str(event_id), "attempt": attempts, "body": body.encode(), "entry": tuple(entry)}
            for seq, event_id, attempts, body, *entry in rows]


def _claim(conn, settings, subscription, limit, lease_seconds, worker, max_steps, body) -> list[tuple]:
    """Rows (seq, id, attempts, body, section id, entry id) of the events leased, by seq."""
    statement = _CLAIM.format(events=names.events(settings), body=body)
    taken: list = []
    while len(taken) < limit:
        rows = conn.execute(statement, {"sub": subscription["id"], "limit": limit - len(taken),
                                        "max_attempts": subscription["max_attempts"], "steps": max_steps or MAX_WALK,
                                        "name": subscription["name"], "lease": float(lease_seconds),
                                        "worker": worker[:100]}).fetchall()
        taken += [row[:4] + row[5:] for row in rows if not row[4]]
        if not any(row[4] for row in rows):  # nothing marked dead: nothing more is due now
            break
    return sorted(taken)


#: The order of an event's keys as delivered (JSONB keeps its own order).
EVENT_KEYS = ("id", "seq", "subscription", "type", "section", "entry_id", "at", "actor", "source", "run_id",
              "context", "entry", "previous", "changed")


def _body_value(key: str) -> sql.Composable:
    if key == "seq":
        return sql.SQL("e.seq")
    if key == "subscription":
        return sql.SQL("%(name)s::text")
    return sql.SQL("e.payload -> {}").format(sql.Literal(key))


#: ``shown`` in SQL: the same keys in the same order (json keeps it), then the attempt.
_BODY = sql.SQL("json_build_object({}, 'attempt', e.attempts)::text").format(
    sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(key), _body_value(key)) for key in EVENT_KEYS))


def shown(subscription: dict, seq: int, attempts: int | None, payload: dict) -> dict:
    """An event as delivered: its stored body with its ``seq``, subscription and attempt."""
    event = {**payload, "seq": seq, "subscription": subscription["name"]}
    shaped = {key: event.get(key) for key in EVENT_KEYS}
    if attempts is not None:
        shaped["attempt"] = attempts
    return shaped


def _ids(event_ids) -> list[uuid.UUID]:
    if isinstance(event_ids, (str, uuid.UUID)):
        event_ids = [event_ids]
    if not isinstance(event_ids, (list, tuple, set)):
        raise InvalidInput("event_ids must be a list of event ids", field="event_ids")
    parsed = []
    for value in event_ids:
        if isinstance(value, dict):  # an event itself, as a poll gave it
            value = value.get("id")
        try:
            parsed.append(uuid.UUID(str(value)))
        except ValueError:
            raise InvalidInput(f"'{str(value)[:40]}' is not an event id", field="event_ids") from None
    return parsed


def ack(conn, settings, subscription: dict, event_ids) -> dict:
    """Mark events delivered. Ids that are not pending (delivered already, unknown) are listed."""
    wanted = _ids(event_ids)
    done = {r[0] for r in conn.execute(sql.SQL(
        "UPDATE {} SET state = 'delivered', delivered_at = now(), lease_until = NULL, last_error = NULL "
        "WHERE subscription_id = %s AND id = ANY(%s) AND state = 'pending' RETURNING id").format(
        names.events(settings)), (subscription["id"], wanted))}
    return {"acknowledged": len(done), "not_pending": [str(i) for i in wanted if i not in done]}


#: Events by seq marked delivered (parameters: the subscription id, the seqs).
ACK_STATEMENT = sql.SQL("UPDATE {events} SET state = 'delivered', delivered_at = now(), lease_until = NULL, "
                        "last_error = NULL WHERE subscription_id = %s AND seq = ANY(%s) AND state = 'pending'")


def ack_seqs(conn, settings, subscription_id, seqs: list[int]) -> None:
    conn.execute(ACK_STATEMENT.format(events=names.events(settings)), (subscription_id, seqs))


def release(conn, settings, subscription_id, seqs: list[int]) -> None:
    """Give leased events back unsent (their attempt does not count)."""
    conn.execute(sql.SQL("UPDATE {} SET lease_until = NULL, attempts = greatest(attempts - 1, 0) "
                         "WHERE subscription_id = %s AND seq = ANY(%s) AND state = 'pending'").format(
        names.events(settings)), (subscription_id, seqs))


#: A change of this many events, when it is also a fifth of the table, refreshes its statistics.
STATISTICS_AFTER = 1000


def refresh_statistics(conn, settings, changed: int) -> None:
    """Analyze the events table after a change large for its size (a fan-out, a replay).
    Until autovacuum comes by, the planner would take the pending events for few or none and
    read a whole index per follower lookup (``_FOLLOWERS``: a claim then took 50-250 ms)."""
    if changed < STATISTICS_AFTER:
        return
    table = names.events(settings)
    estimate = conn.execute("SELECT reltuples FROM pg_catalog.pg_class WHERE oid = %s::regclass",
                            (table.as_string(conn),)).fetchone()[0]
    if estimate < 0 or changed * 5 >= estimate:  # never waits: another analyze or a vacuum at work does it
        conn.execute(sql.SQL("ANALYZE (SKIP_LOCKED) {}").format(table))


def backoff_seconds(attempts: int, base: float) -> float:
    """Exponential backoff with full jitter: up to base * 2^(attempts-1), at least half of it."""
    ceiling = min(MAX_BACKOFF_SECONDS, base * (2 ** max(0, attempts - 1)))
    return ceiling * (0.5 + random.random() / 2)


def fail(conn, settings, subscription: dict, seq: int, attempts: int, error: str) -> str:
    """Record a failed attempt: the next one after a backoff, or dead after the last allowed."""
    dead = attempts >= subscription["max_attempts"]
    delay = 0.0 if dead else backoff_seconds(attempts, subscription["retry_base_seconds"])
    conn.execute(sql.SQL(
        "UPDATE {} SET state = %s, lease_until = NULL, last_error = %s, "
        "next_attempt_at = now() + make_interval(secs => %s) WHERE subscription_id = %s AND seq = %s "
        "AND state = 'pending'").format(names.events(settings)),
        ("dead" if dead else "pending", error[:MAX_ERROR_LENGTH], delay, subscription["id"], seq))
    return "dead" if dead else "retry"


def replay(conn, settings, subscription: dict, dead: bool = False, from_seq=None, since=None) -> int:
    """Send events again: the dead ones, or every kept event from a ``seq`` or a time on."""
    chosen = [dead is True, from_seq is not None, since is not None]
    if sum(chosen) != 1:
        raise InvalidInput("replay needs exactly one of: dead, from_seq, since", field="from")
    where = sql.SQL("state = 'dead'")
    params: list = []
    if from_seq is not None:
        if isinstance(from_seq, bool) or not isinstance(from_seq, int) or from_seq < 1:
            raise InvalidInput("from_seq must be a whole number of 1 or more", field="from_seq")
        where, params = sql.SQL("seq >= %s"), [from_seq]
    elif since is not None:
        if isinstance(since, str):
            try:
                since = datetime.fromisoformat(since.strip().replace("Z", "+00:00"))
            except ValueError:
                raise InvalidInput("since must be an ISO 8601 time", field="since") from None
        if not isinstance(since, datetime):
            raise InvalidInput("since must be a time", field="since")
        where, params = sql.SQL("at >= %s"), [since]
    count = conn.execute(sql.SQL(
        "UPDATE {} SET state = 'pending', attempts = 0, next_attempt_at = now(), lease_until = NULL, "
        "last_error = NULL, delivered_at = NULL WHERE subscription_id = %s AND {}").format(
        names.events(settings), where), [subscription["id"], *params]).rowcount
    refresh_statistics(conn, settings, count)
    return count


def dead_events(conn, settings, subscription: dict, limit: int = 100) -> list[dict]:
    rows = conn.execute(sql.SQL("SELECT seq, attempts, last_error, payload FROM {} WHERE subscription_id = %s "
                                "AND state = 'dead' ORDER BY seq LIMIT %s").format(names.events(settings)),
                        (subscription["id"], check_limit(limit))).fetchall()
    return [{**shown(subscription, seq, attempts, payload), "error": error} for seq, attempts, error, payload in rows]


def prune_delivered(conn, settings, keep_days: int) -> int:
    """Forget delivered events older than ``keep_days`` (replay reaches back that far)."""
    return conn.execute(sql.SQL("DELETE FROM {} WHERE state = 'delivered' AND delivered_at < now() - "
                                "make_interval(days => %s)").format(names.events(settings)), (keep_days,)).rowcount
