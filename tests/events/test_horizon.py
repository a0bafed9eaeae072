"""How far the history is turned into events: a change is made into an event as soon as
no transaction can still add an earlier one, and never before."""

from __future__ import annotations

import psycopg


def test_an_open_transaction_that_never_wrote_history_does_not_hold_events_back(engine, notes):
    engine.create_subscription("pull", ["notes"])
    with psycopg.connect(engine.url) as idle:
        idle.execute("SELECT pg_current_xact_id()")  # holds a transaction id, as any writer elsewhere would
        entry = engine.create_entry("notes", {"title": "now"})
        events = engine.claim_events("pull", 10)
        assert [e["entry_id"] for e in events] == [entry["id"]]
        idle.rollback()


def test_a_change_committed_behind_an_open_history_write_waits_for_it(engine, notes):
    engine.create_subscription("pull", ["notes"])
    with psycopg.connect(engine.url) as early:
        early.execute("INSERT INTO custom.notes (title) VALUES ('early')")  # takes the lower history id
        late = engine.create_entry("notes", {"title": "late"})  # committed first, with a higher id
        assert engine.claim_events("pull", 10) == []
        early.commit()
    titles = []
    while batch := engine.claim_events("pull", 10):
        titles.extend(e["entry"]["title"] for e in batch)
        engine.ack_events("pull", batch)
    assert sorted(titles) == ["early", "late"] and late["id"]
