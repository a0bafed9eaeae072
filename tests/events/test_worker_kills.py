"""Delivery survives its worker being killed: 10,000 changes across 100 entries while the
worker process is killed with SIGKILL three times. Every event arrives at least once, each
entry's events arrive in order, and the only duplicates are events the killed workers had
in flight (leased, not yet acknowledged)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from events_helpers import SECRET

HERE = Path(__file__).parent


def start_worker(url: str, worker_id: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, str(HERE / "run_worker.py"), url, worker_id],
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(HERE)})
    assert process.stdout.readline().strip() == "ready"
    return process


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_every_event_arrives_in_order_through_three_worker_kills(engine, notes, receiver):
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET},
                               timeout_seconds=1.0)
    entries = [e["id"] for e in engine.create_entries("notes", [{"title": f"e{i}"} for i in range(100)])]

    def write():  # 100 statements, each changing all 100 entries: 10,000 changes
        with psycopg.connect(engine.url, autocommit=True) as conn:
            for round_ in range(1, 101):
                conn.execute("UPDATE custom.notes SET count = %s", (round_,))

    writer = threading.Thread(target=write)
    writer.start()
    in_flight: set[str] = set()
    process = start_worker(engine.url, "worker-0")
    for kill, after in enumerate((1500, 4000, 7000), start=1):
        wait_until(lambda: len(receiver.received) >= after, 120, f"{after} deliveries")
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        with psycopg.connect(engine.url) as conn:  # what the killed worker had leased and not acknowledged
            in_flight |= {str(r[0]) for r in conn.execute(
                "SELECT id FROM public.content_events WHERE leased_by = %s AND state = 'pending'",
                (f"worker-{kill - 1}",))}
        process = start_worker(engine.url, f"worker-{kill}")
    writer.join(120)
    try:
        wait_until(lambda: engine.get_subscription("hook")["counts"]["pending"] == 0
                   and len(receiver.received) >= 10_100, 180, "every event delivered")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    with psycopg.connect(engine.url) as conn:
        made = {str(r[0]): r[1] for r in conn.execute("SELECT id, seq FROM public.content_events")}
    assert len(made) == 10_100  # 100 creates and 10,000 updates
    arrivals = [r["event"] for r in receiver.received]
    assert {e["id"] for e in arrivals} == set(made)  # every event, at least once
    seen: set[str] = set()
    duplicates = {e["id"] for e in arrivals if e["id"] in seen or seen.add(e["id"])}
    assert duplicates <= in_flight, duplicates - in_flight
    for entry_id in entries:  # each entry's arrivals, repeats included, follow its changes
        counts = [e["entry"]["count"] for e in arrivals if e["entry_id"] == entry_id]
        assert counts == sorted(counts, key=lambda c: -1 if c is None else c)
        assert [c for i, c in enumerate(counts) if i == 0 or c != counts[i - 1]] == [None, *range(1, 101)]
