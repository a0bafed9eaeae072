"""PostgreSQL itself crashes (``pg_ctl stop -m immediate``) while changes are written and
events delivered, then starts again: every committed change is delivered, and nothing that
was not committed is."""

from __future__ import annotations

import signal
import threading
import time

import psycopg
import pytest
from events_helpers import SECRET, apply
from own_server import OwnServer
from test_worker_kills import start_worker, wait_until

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.postgres import close_pools
from polysynergy_nodes_content.content_engine.settings import EngineSettings


@pytest.fixture
def server():
    own = OwnServer()
    yield own
    close_pools()
    own.close()


def test_every_committed_change_is_delivered_across_a_server_crash(server, receiver):
    engine = ContentEngine(server.url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))
    engine.install()
    section = engine.create_section("notes", "Notes")
    engine.add_field(section["id"], "title", "Title", "text")
    engine.add_field(section["id"], "count", "Count", "integer")
    apply(engine, section["id"])
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET},
                               timeout_seconds=1.0)
    entries = [e["id"] for e in engine.create_entries("notes", [{"title": f"e{i}"} for i in range(20)])]
    committed: set[tuple[str, int]] = set()
    unknown: set[tuple[str, int]] = set()  # the commit's answer was lost with the server
    stop = threading.Event()

    def write():
        value, conn = 0, None
        while not stop.is_set():
            value += 1
            entry = entries[value % len(entries)]
            try:
                if conn is None:
                    conn = psycopg.connect(server.url, autocommit=True, connect_timeout=2)
                conn.execute("UPDATE custom.notes SET count = %s WHERE id = %s", (value, entry))
                committed.add((entry, value))
            except psycopg.OperationalError:
                unknown.add((entry, value))
                conn = None
                time.sleep(0.05)
        if conn is not None:
            conn.close()

    worker = start_worker(server.url, "crash-worker")
    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_until(lambda: len(receiver.received) >= 200, 120, "deliveries before the crash")
        server.crash()
        time.sleep(1)
        server.start()
        before = len(committed)
        wait_until(lambda: len(committed) >= before + 200, 120, "writes after the restart")
        stop.set()
        writer.join(30)
        expected = {(e, v) for e, v in committed}
        wait_until(lambda: expected <= {(r["event"]["entry_id"], r["event"]["entry"]["count"])
                                        for r in receiver.received}, 180, "every committed change delivered")
    finally:
        stop.set()
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    delivered = {(r["event"]["entry_id"], r["event"]["entry"]["count"]) for r in receiver.received}
    creates = {(e, None) for e in entries}
    assert delivered - creates <= committed | unknown  # nothing that was not committed
    lost = {change for change in unknown if change not in delivered}
    with psycopg.connect(server.url) as conn:  # an unanswered commit that is not delivered did not commit
        recorded = {(r[0], r[1]) for r in conn.execute(
            "SELECT entry_id, (data ->> 'count')::int FROM public.content_history WHERE op = 'update'")}
    assert not (lost & recorded)
    assert len(unknown) >= 1  # the crash did cut writes off
