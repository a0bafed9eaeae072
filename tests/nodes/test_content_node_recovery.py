"""ContentMigrationApply's action input: resume and abort a migration whose applying process was
killed (a real separate process, SIGKILLed while its transaction waited for a lock)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psycopg

from content_node_harness import build_node, run
from content_node_contract import node_class
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings

CHILD = textwrap.dedent("""
    import sys
    from polysynergy_nodes_content.content_engine.engine import ContentEngine
    from polysynergy_nodes_content.content_engine.settings import EngineSettings
    ContentEngine(sys.argv[1], EngineSettings(lock_timeout_ms=60000)).apply_migration(sys.argv[2])
""")


def status_of(url, migration_id):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT status FROM section_migrations WHERE id = %s", (migration_id,)).fetchone()[0]


def killed_apply(url, migration_id):
    """Apply in another process, SIGKILLed while its main transaction waits for a reader."""
    reader = psycopg.connect(url)
    reader.execute("SELECT count(*) FROM custom.items")  # holds ACCESS SHARE until rollback
    proc = subprocess.Popen([sys.executable, "-c", CHILD, url, migration_id])
    watcher = psycopg.connect(url, autocommit=True)  # activity is read afresh outside a transaction
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'polysynergy-content-migrate' "
                "AND wait_event_type = 'Lock' AND datname = current_database()").fetchall()
            if waiting:
                break
            time.sleep(0.02)
        assert waiting, "the apply never waited for the lock"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 30  # never an endless wait: fail if the backend outlives its client
        while watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (waiting[0][0],)).fetchone():
            assert time.monotonic() < deadline, "the killed apply's backend did not end"
            time.sleep(0.05)
    finally:
        reader.rollback()
        reader.close()
        watcher.close()
    assert status_of(url, migration_id) == "applying"


def test_migration_apply_resumes_and_aborts_an_interrupted_apply(database_url):
    engine = ContentEngine(database_url)
    section = engine.create_section("items", "Items")
    engine.add_field(section["id"], "name", None, "text")
    engine.apply_migration(engine.plan_migration(section["id"])["id"])
    engine.add_field(section["id"], "price", None, "decimal")
    migration_id = engine.plan_migration(section["id"])["id"]
    apply_node = node_class("ContentMigrationApply")

    killed_apply(database_url, migration_id)
    aborted = run(build_node(apply_node, migration_id=migration_id, action="abort", database_url=database_url))
    assert aborted.false_path is False and aborted.success is True, aborted.false_path
    assert aborted.true_path["migration"]["status"] == "failed"

    killed_apply(database_url, migration_id)
    resumed = run(build_node(apply_node, migration_id=migration_id, action="resume", database_url=database_url))
    assert resumed.false_path is False and resumed.true_path["migration"]["status"] == "applied"
    assert engine.create_entry("items", {"name": "x", "price": "1.50"})["price"] == "1.50"

    nothing = run(build_node(apply_node, migration_id=migration_id, action="resume", database_url=database_url))
    assert nothing.true_path is False and "nothing to resume" in nothing.false_path["error"]
    wrong = run(build_node(apply_node, migration_id=migration_id, action="undo", database_url=database_url))
    assert wrong.true_path is False and "action must be one of apply, resume, abort" in wrong.false_path["error"]
