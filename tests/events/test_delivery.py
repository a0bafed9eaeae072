"""Webhook delivery to a real HTTP receiver: signed, retried with backoff, dead-lettered,
replayed, in order per entry, never sent twice at the same time by two workers."""

from __future__ import annotations

import threading
import time

import pytest
from events_helpers import SECRET

from polysynergy_nodes_content.content_engine.events import BadSignature, DuplicateEvent, verify


def run_once(engine, **options):
    worker = engine.events_worker(**options)
    try:
        return worker.run(once=True)
    finally:
        worker.close()


def test_events_arrive_signed_and_the_signature_verifies(engine, notes, receiver):
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET})
    entry = engine.create_entry("notes", {"title": "signed"})
    assert run_once(engine)["delivered"] == 1
    (got,) = receiver.received
    assert got["event"]["entry_id"] == entry["id"] and got["event"]["type"] == "create"
    assert verify(SECRET, got["body"], got["headers"]) == got["event"]["id"]
    with pytest.raises(BadSignature, match="does not match"):
        verify("another-secret-0123456789", got["body"], got["headers"])
    with pytest.raises(BadSignature, match="does not match"):
        verify(SECRET, got["body"].replace(b"signed", b"forged"), got["headers"])
    with pytest.raises(BadSignature, match="replay"):
        verify(SECRET, got["body"], got["headers"], now=time.time() + 301)
    assert engine.get_subscription("hook")["counts"]["delivered"] == 1


def test_receive_event_takes_a_delivery_once(engine, notes, receiver):
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET})
    engine.create_entry("notes", {"title": "once"})
    run_once(engine)
    (got,) = receiver.received
    event = engine.receive_event(got["body"], got["headers"], SECRET)
    assert event["entry"]["title"] == "once"
    with pytest.raises(DuplicateEvent):
        engine.receive_event(got["body"], got["headers"], SECRET)


def test_failures_are_retried_with_backoff_then_dead_then_replayed(engine, notes, receiver):
    calls = []

    def failing(event):
        calls.append(time.monotonic())
        if len(calls) % 2:
            return 500
        time.sleep(1.5)  # longer than the subscription's timeout
        return 200

    receiver.answer = failing
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET}, max_attempts=4,
                               retry_base_seconds=0.2, timeout_seconds=0.5)
    engine.create_entry("notes", {"title": "unlucky"})
    worker = engine.events_worker(poll_interval=0.1)
    stopper = threading.Timer(20, worker.stop.set)
    stopper.start()
    try:
        while engine.get_subscription("hook")["counts"]["dead"] == 0 and not worker.stop.is_set():
            worker.round()
            worker.stop.wait(worker._next_wait())
    finally:
        stopper.cancel()
    assert len(calls) == 4  # max_attempts, then dead
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert gaps[1] > gaps[0] * 1.2 or gaps[2] > gaps[0] * 1.5  # the waits grow
    assert all(g >= 0.1 for g in gaps)  # never sooner than half the base wait
    (dead,) = engine.dead_events("hook")
    assert dead["attempt"] == 4 and dead["error"]
    assert engine.get_subscription("hook")["counts"] == {"pending": 0, "failed": 0, "dead": 1, "delivered": 0}
    receiver.answer = lambda event: 200
    assert engine.replay_events("hook", dead=True)["replayed"] == 1
    run_once(engine)
    worker.close()
    assert receiver.events()[-1]["id"] == dead["id"]
    assert engine.get_subscription("hook")["counts"]["delivered"] == 1


def test_a_failing_event_holds_back_only_its_own_entry(engine, notes, receiver):
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET},
                               retry_base_seconds=60)
    stuck = engine.create_entry("notes", {"title": "stuck"})
    free = engine.create_entry("notes", {"title": "free"})
    receiver.answer = lambda event: 503 if event["entry_id"] == stuck["id"] else 200
    for count in range(1, 4):
        engine.update_entry("notes", stuck["id"], {"count": count})
        engine.update_entry("notes", free["id"], {"count": count})
    run_once(engine)
    delivered = receiver.events()
    assert [e["entry"]["count"] for e in delivered] == [None, 1, 2, 3]
    assert {e["entry_id"] for e in delivered} == {free["id"]}
    tried = [r["event"] for r in receiver.received if r["event"]["entry_id"] == stuck["id"]]
    assert [e["type"] for e in tried] == ["create"]  # its later events wait behind it
    receiver.answer = lambda event: 200
    engine.replay_events("hook", from_seq=1)  # a replay from a seq: due now, in order
    run_once(engine)
    stuck_events = [e for e in receiver.events() if e["entry_id"] == stuck["id"]]
    assert [e["entry"]["count"] for e in stuck_events] == [None, 1, 2, 3]


def test_redirects_are_not_followed(engine, notes, receiver):
    receiver.answer = lambda event: 302
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET}, max_attempts=1)
    engine.create_entry("notes", {"title": "moved"})
    run_once(engine)
    (dead,) = engine.dead_events("hook")
    assert "redirects are not followed" in dead["error"]


def test_two_workers_never_send_one_event_at_the_same_time(engine, notes, receiver):
    receiver.answer = lambda event: (time.sleep(0.02), 200)[1]
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET})
    made = engine.create_entries("notes", [{"title": f"n{i}"} for i in range(40)])
    for round_ in range(5):
        engine.update_entries("notes", {"title": {"_starts_with": "n"}}, {"count": round_}, confirm=True)
    assert engine.make_events() == 40 * 6  # made first, so both workers find work at once
    workers = [engine.events_worker(batch_size=10, concurrency=4, worker_id=f"w{i}") for i in range(2)]
    totals = {}
    threads = [threading.Thread(target=lambda w=w: totals.__setitem__(w.worker_id, w.run(once=True)))
               for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for worker in workers:
        worker.close()
    delivered = receiver.events()
    assert receiver.overlaps == []
    assert len(delivered) == 40 * 6 == len({e["id"] for e in delivered})  # nothing failed: each exactly once
    assert all(t["delivered"] > 0 for t in totals.values()), totals  # both workers took part
    for entry in made:  # per entry in order
        mine = [e for e in delivered if e["entry_id"] == entry["id"]]
        assert [e["seq"] for e in mine] == sorted(e["seq"] for e in mine)


def test_a_batch_slower_than_its_lease_is_never_sent_twice(engine, notes, receiver):
    """A worker sends an event only while an answer can still come before its lease ends;
    the rest go back unsent, for another worker to take once the lease is over."""
    receiver.answer = lambda event: (time.sleep(0.25), 200)[1]
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET},
                               timeout_seconds=0.3)
    engine.create_entries("notes", [{"title": f"n{i}"} for i in range(20)])
    assert engine.make_events() == 20
    # A lease of 4 x 0.3 + 1 s, and one request at a time: a batch of 20 would take 5 s.
    workers = [engine.events_worker(batch_size=20, concurrency=1, lease_margin=1.0, poll_interval=0.1,
                                    worker_id=f"w{i}") for i in range(2)]
    threads = [threading.Thread(target=w.run) for w in workers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(receiver.events()) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    for worker in workers:
        worker.stop.set()
    for thread in threads:
        thread.join(30)
    for worker in workers:
        worker.close()
    delivered = receiver.events()
    assert receiver.overlaps == []
    assert sorted(e["id"] for e in delivered) == sorted({e["id"] for e in delivered}) and len(delivered) == 20
