"""The context of a write travels with its transaction, so it holds behind PgBouncer in
transaction mode: concurrent writers sharing two server connections each get their own
context recorded, and nothing of it is left on a server connection for the next client."""

from __future__ import annotations

import threading

import psycopg

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings


def test_each_pooled_write_records_its_own_context_and_none_leaks(database_url, pooled_url):
    engine = ContentEngine(pooled_url, EngineSettings(migration_database_url=database_url))
    engine.install()
    notes = engine.create_section("notes")
    engine.add_field(notes["id"], "title", "Title", "text", is_required=True)
    engine.apply_migration(engine.plan_migration(notes["id"])["id"])
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            view = engine.with_context(source="node", run_id=f"run-{n}", node_id=f"node-{n}")
            for i in range(10):
                view.create_entry("notes", {"title": f"{n}-{i}"})
        except Exception as exc:  # reported below, with the thread that raised it
            errors.append(f"writer {n}: {exc!r}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # A client without context, through the same two server connections: recorded as SQL.
    for _ in range(4):
        with psycopg.connect(pooled_url, prepare_threshold=None) as conn:
            conn.execute("INSERT INTO custom.notes (title) VALUES ('plain sql')")
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT n.title, h.run_id, h.context FROM public.content_history h "
                            "JOIN custom.notes n ON n.id::text = h.entry_id").fetchall()
    assert len(rows) == 64
    for title, run_id, context in rows:
        if title == "plain sql":
            assert run_id is None and context == {"source": "sql"}
        else:
            n = title.split("-")[0]
            assert run_id == f"run-{n}" and context == {"source": "node", "node_id": f"node-{n}"}
