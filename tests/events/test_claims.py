"""Claims as the worker makes them: leases that ran out on the last attempt, the early
claim made while a batch is in flight, and the body the database renders for sending."""

from __future__ import annotations

import json
import time

from polysynergy_nodes_content.content_engine.events import queue, subscriptions


def pull(engine, name="pull", **options):
    engine.create_subscription(name, ["notes"], **options)
    engine.make_events()
    with engine.connection() as conn:
        return subscriptions.load(engine, conn, name)


def test_a_lease_that_ran_out_on_the_last_attempt_is_dead_and_frees_the_entry(engine, notes):
    record = pull(engine, max_attempts=1)
    entry = engine.create_entry("notes", {"title": "one"})
    engine.update_entry("notes", entry["id"], {"title": "two"})
    (first,) = engine.claim_events("pull", lease_seconds=1)
    assert first["type"] == "create"
    time.sleep(1.2)  # the lease runs out: the one allowed attempt is spent
    (second,) = engine.claim_events("pull", lease_seconds=60)
    assert second["type"] == "update" and second["entry"]["title"] == "two"
    with engine.connection() as conn:
        dead = queue.dead_events(conn, engine.settings, record)
    assert [(d["id"], d["error"]) for d in dead] == [(first["id"], "lease ran out")]


def test_an_early_claim_looks_only_a_batch_past_the_events_in_flight(engine, notes):
    record = pull(engine)
    held = engine.create_entry("notes", {"title": "held"})
    for n in range(4):  # four later events of the entry in flight, held back behind it
        engine.update_entry("notes", held["id"], {"count": n})
    other = engine.create_entry("notes", {"title": "other"})
    engine.make_events()
    with engine.connection() as conn:
        (in_flight,) = queue.claim(conn, engine.settings, record, 1, 60, "w")
        assert in_flight["entry_id"] == held["id"]
        assert queue.claim(conn, engine.settings, record, 10, 60, "w", max_steps=5) == []
        (taken,) = queue.claim(conn, engine.settings, record, 10, 60, "w")
    assert taken["entry_id"] == other["id"]


def test_the_body_the_database_renders_is_the_event_a_pull_claim_shows(engine, notes):
    record = pull(engine)
    engine.create_entry("notes", {"title": "Grüße \"quoted\" \u2028", "count": 7})
    engine.make_events()
    with engine.connection() as conn:
        (rendered,) = queue.claim_bodies(conn, engine.settings, record, 10, 60, "w")
        queue.release(conn, engine.settings, record["id"], [rendered["seq"]])
        (shown,) = queue.claim(conn, engine.settings, record, 10, 60, "w")
    body = json.loads(rendered["body"])
    assert list(body) == list(shown) and body == shown  # keys, order and values; release gave the attempt back
    assert rendered["id"] == shown["id"]  # the id the signature names
