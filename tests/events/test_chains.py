"""Chains: a worker's claim leases the events that follow a claimed one in its entry, and
sends them one after another, each only once the one before it is acknowledged. Also the
statistics a large fan-out refreshes, which the follower lookup's plan depends on."""

from __future__ import annotations

import asyncio

import psycopg
from events_helpers import SECRET
from test_claims import pull

from polysynergy_nodes_content.content_engine.events import queue
from polysynergy_nodes_content.content_engine.events.webhook import HELD_BACK, WebhookSender
from polysynergy_nodes_content.content_engine.events.targets import parse_networks


def test_a_claim_leases_the_events_that_follow_in_an_entry_up_to_the_depth(engine, notes):
    record = pull(engine)
    busy = engine.create_entry("notes", {"title": "busy"})
    for count in range(1, 5):  # five events of one entry
        engine.update_entry("notes", busy["id"], {"count": count})
    quiet = engine.create_entry("notes", {"title": "quiet"})
    engine.make_events()
    with engine.connection() as conn:
        taken = queue.claim_bodies(conn, engine.settings, record, 10, 60, "w1", followers=10, depth=3)
    mine = [e for e in taken if e["entry"][1] == busy["id"]]
    assert [e["seq"] for e in mine] == sorted(e["seq"] for e in mine) and len(mine) == 4  # the head and 3 more
    assert [e["entry"][1] for e in taken].count(quiet["id"]) == 1
    with engine.connection() as conn:
        assert queue.claim_bodies(conn, engine.settings, record, 10, 60, "w2", followers=10) == []
        queue.ack_seqs(conn, engine.settings, record["id"], [mine[0]["seq"]])
    with engine.connection() as conn:  # the head is done, but its followers are leased to w1
        assert queue.claim_bodies(conn, engine.settings, record, 10, 60, "w2", followers=10) == []
        leased = conn.execute("SELECT count(*) FROM public.content_events WHERE leased_by = 'w1' "
                              "AND state = 'pending' AND entry_id = %s", (busy["id"],)).fetchone()[0]
    assert leased == 3


def test_an_entry_s_next_event_goes_only_after_the_one_before_is_acknowledged(engine, notes, receiver):
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET})
    entry = engine.create_entry("notes", {"title": "chained"})
    for count in (1, 2):
        engine.update_entry("notes", entry["id"], {"count": count})
    engine.make_events()
    with engine.connection() as conn:
        record = conn.execute("SELECT id, name, target_url, target_secret, max_attempts, timeout_seconds "
                              "FROM public.content_subscriptions WHERE name = 'hook'").fetchone()
        subscription = dict(zip(("id", "name", "target_url", "target_secret", "max_attempts", "timeout_seconds"),
                                record))
        events = queue.claim_bodies(conn, engine.settings, subscription, 10, 60, "w", followers=10)
    assert len(events) == 3
    seen_at_confirm = []

    async def confirm(event):
        await asyncio.sleep(0.05)  # a slow acknowledgement: the next POST must wait for it
        seen_at_confirm.append(len(receiver.received))
        return event["seq"] != events[1]["seq"]  # the second cannot be acknowledged

    sender = WebhookSender(parse_networks(engine.settings.events_allow_networks), 4)
    try:
        outcomes = sender.submit(subscription, events, confirm=confirm).result(30)
    finally:
        sender.close()
    assert outcomes == [None, None, HELD_BACK]
    assert seen_at_confirm == [1, 2]  # nothing more was sent while an acknowledgement was pending
    assert [r["event"]["seq"] for r in receiver.received] == [events[0]["seq"], events[1]["seq"]]


def test_a_large_fan_out_refreshes_the_events_table_statistics(engine, notes):
    pull(engine)
    with psycopg.connect(engine.url) as conn:
        before = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'public.content_events'::regclass"
                              ).fetchone()[0]
    engine.create_entries("notes", [{"title": f"n{i}"} for i in range(1200)])
    assert engine.make_events() == 1200
    with psycopg.connect(engine.url) as conn:
        after = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'public.content_events'::regclass"
                             ).fetchone()[0]
    assert before < 1200 <= after
