"""Pruning history while a writer changes entries every 5 ms: no writer waits on a lock,
nothing the writer committed is lost, and each entry's newest version is its last write."""

from __future__ import annotations

import random
import threading
import time

import psycopg

WRITE_EVERY_S = 0.005


def _lock_waits(url: str, stop: threading.Event, seen: list) -> None:
    """Every backend of this database found waiting on a heavyweight lock, sampled each ms."""
    with psycopg.connect(url, autocommit=True) as conn:
        me = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        while not stop.is_set():
            seen += conn.execute(
                "SELECT pid, wait_event, left(query, 120) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> %s AND wait_event_type = 'Lock'", (me,)).fetchall()
            time.sleep(0.001)


def test_prune_never_makes_a_writer_wait_and_loses_no_write(engine, notes):
    ids = [e["id"] for e in engine.create_entries("notes", [{"title": f"n{i}", "count": 0} for i in range(200)])]
    for round_ in range(1, 5):  # five versions of every entry
        engine.update_entries("notes", {"count": {"_gte": 0}}, {"count": round_}, confirm=True)
    engine.update_section("notes", {"history_keep_versions": 2})

    last_write: dict[str, int] = {}
    failures: list = []
    stop_writer, stop_sampler, waits = threading.Event(), threading.Event(), []

    def writer():
        rng, value = random.Random(7), 100
        while not stop_writer.is_set():
            entry = rng.choice(ids)
            value += 1
            try:
                engine.update_entry("notes", entry, {"count": value})
                last_write[entry] = value
            except Exception as exc:  # noqa: BLE001 - every failure is reported below
                failures.append(repr(exc))
            time.sleep(WRITE_EVERY_S)

    sampler = threading.Thread(target=_lock_waits, args=(engine.url, stop_sampler, waits))
    writing = threading.Thread(target=writer)
    sampler.start()
    writing.start()
    try:
        time.sleep(0.2)
        report = engine.prune_history("notes", batch_size=10)
        time.sleep(0.2)
    finally:
        stop_writer.set()
        writing.join()
        stop_sampler.set()
        sampler.join()

    assert not failures, failures[:3]
    assert not waits, waits[:3]
    assert report["sections"][0]["batches"] >= 20 and report["removed"] >= 200 * 3 - len(last_write)
    assert last_write, "the writer made no write while pruning ran"
    for entry in ids:
        current = engine.get_entry("notes", entry)["count"]
        assert current == last_write.get(entry, 4)
        versions = engine.entry_history("notes", entry)["versions"]
        assert versions[0]["values"]["count"] == current
        if entry not in last_write:
            assert [v["values"]["count"] for v in versions] == [4, 3]
