"""Crash safety: the process applying a migration dies (SIGKILL of a separate Python
process, or its connection terminated by the server) in each phase. Whatever happened,
the table stays writable by every client, the record shows the progress, and the
migration is finished (the next apply resumes it) or undone (abort) through the engine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from typing import Callable

import psycopg
import pytest

from stress_helpers import live_state, q
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings

MIGRATE_APP = "polysynergy-content-migrate"
SETTINGS = dict(lock_timeout_ms=60_000, lock_retries=1)
CHILD = textwrap.dedent("""
    import sys
    from polysynergy_nodes_content.content_engine.engine import ContentEngine
    from polysynergy_nodes_content.content_engine.settings import EngineSettings
    url, migration_id, batch, action = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    engine = ContentEngine(url, EngineSettings(lock_timeout_ms=60000, lock_retries=1, backfill_batch_size=batch))
    try:
        if action == "rollback":
            engine.rollback_migration(migration_id)
        else:
            engine.apply_migration(migration_id, confirm=True)
    except Exception as exc:
        print("ERROR", exc, flush=True)
        sys.exit(3)
    print("APPLIED", flush=True)
""")


def make_engine(url, batch=50) -> ContentEngine:
    engine = ContentEngine(url, EngineSettings(backfill_batch_size=batch, **SETTINGS))
    engine.install()
    return engine


def field_id(engine, sid, handle):
    return next(f["id"] for f in engine.get_section(sid)["fields"] if f["handle"] == handle)


def build(engine, handle, fields, rows):
    section = engine.create_section(handle, handle.title())
    for name, kind, extra in fields:
        engine.add_field(section["id"], name, None, kind, **extra)
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    engine.create_entries(handle, rows)
    return section["id"]


@dataclass
class Scenario:
    table: str
    sid: str
    migration_id: str
    #: Opens the session that makes the wanted phase wait (returned, to be closed later).
    blocker: Callable
    #: A row any client can insert, in the table's shape before and during the migration.
    insert: str
    #: Checks on the finished migration.
    finished: Callable


def snapshot_blocker(url):
    """A transaction holding an old snapshot: CREATE INDEX CONCURRENTLY waits for it."""
    conn = psycopg.connect(url)
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    conn.execute("SELECT 1")
    return conn


def pre_phase(url, engine) -> Scenario:
    """A field made unique on a populated table: its index is built CONCURRENTLY before the transaction."""
    sid = build(engine, "codes", [("code", "text", {}), ("n", "integer", {})],
                [{"code": f"c{i}", "n": i} for i in range(1500)])
    engine.update_field(field_id(engine, sid, "code"), {"is_unique": True})
    engine.add_field(sid, "extra", None, "text")

    def blocker(url):
        conn = psycopg.connect(url)
        conn.execute("INSERT INTO custom.codes (code, n) VALUES ('open', -1)")  # uncommitted: the build waits
        return conn

    def finished(url):
        with pytest.raises(psycopg.errors.UniqueViolation):
            q(url, "INSERT INTO custom.codes (code) VALUES ('c1')")
        assert q(url, "SELECT count(*) FROM custom.codes WHERE extra IS NULL")[0][0] >= 1500

    return Scenario("codes", sid, engine.plan_migration(sid)["id"], blocker,
                    "INSERT INTO custom.codes (code, n) VALUES ('while-down', 7)", finished)


def backfill_phase(url, engine) -> Scenario:
    """An online type change of a unique field: new column, sync trigger, batched backfill,
    then the unique index on the new column, built CONCURRENTLY (where the apply waits)."""
    sid = build(engine, "ledger", [("amount", "integer", {"is_unique": True}), ("note", "text", {})],
                [{"amount": i, "note": f"n{i}"} for i in range(1500)])
    engine.update_field(field_id(engine, sid, "amount"), {"field_type_handle": "decimal",
                                                         "field_settings": {"precision": 12, "scale": 2}})

    def finished(url):
        types = dict(q(url, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                            "WHERE attrelid = 'custom.ledger'::regclass AND attnum > 0 AND NOT attisdropped"))
        assert types["amount"] == "numeric(12,2)"
        with pytest.raises(psycopg.errors.UniqueViolation):
            q(url, "INSERT INTO custom.ledger (amount) VALUES (3)")
        # Every value written before the migration was converted, none lost.
        assert q(url, "SELECT count(*) FROM custom.ledger WHERE note ~ '^n[0-9]+$' "
                      "AND amount = substr(note, 2)::numeric")[0][0] == 1500

    return Scenario("ledger", sid, engine.plan_migration(sid)["id"], snapshot_blocker,
                    "INSERT INTO custom.ledger (amount, note) VALUES (900001, 'while-down')", finished)


def main_phase(url, engine) -> Scenario:
    """A new field and a rename, both in the transaction (which waits for a reader)."""
    sid = build(engine, "people", [("name", "text", {})], [{"name": f"p{i}"} for i in range(300)])
    engine.add_field(sid, "age", None, "integer")
    engine.update_field(field_id(engine, sid, "name"), {"handle": "full_name"})

    def blocker(url):
        conn = psycopg.connect(url)
        conn.execute("SELECT count(*) FROM custom.people")  # holds ACCESS SHARE until it ends
        return conn

    def finished(url):
        assert q(url, "SELECT count(*) FROM custom.people WHERE full_name LIKE 'p%'")[0][0] == 300
        q(url, "INSERT INTO custom.people (full_name, age) VALUES ('after', 3)")

    return Scenario("people", sid, engine.plan_migration(sid)["id"], blocker,
                    "INSERT INTO custom.people (name) VALUES ('while-down')", finished)


def post_phase(url, engine) -> Scenario:
    """A JSON field on a populated table: the column in the transaction, its GIN index after it."""
    sid = build(engine, "posts", [("title", "text", {})], [{"title": f"t{i}"} for i in range(300)])
    engine.add_field(sid, "meta", None, "json")

    def finished(url):
        valid = q(url, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE i.indrelid = 'custom.posts'::regclass AND i.indisvalid "
                       "AND pg_get_indexdef(i.indexrelid) LIKE '%gin (meta)%'")[0][0]
        assert valid == 1

    return Scenario("posts", sid, engine.plan_migration(sid)["id"], snapshot_blocker,
                    "INSERT INTO custom.posts (title) VALUES ('while-down')", finished)


SCENARIOS = {"pre": pre_phase, "backfill": backfill_phase, "main": main_phase, "post": post_phase}


def start_apply(url, migration_id, batch=50, action="apply") -> subprocess.Popen:
    env = dict(os.environ)
    return subprocess.Popen([sys.executable, "-c", CHILD, url, migration_id, str(batch), action], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def record(url, migration_id):
    status, progress = q(url, "SELECT status, progress FROM section_migrations WHERE id = %s", (migration_id,))[0]
    return status, progress or {}


def wait_until_blocked_in(url, migration_id, phase, proc, timeout=30.0) -> int:
    """The migrate backend's pid once the record says ``phase`` and the backend waits for a lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the apply ended before it blocked: {proc.stdout.read()} {proc.stderr.read()}")
        _, progress = record(url, migration_id)
        rows = q(url, "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database() "
                      "AND wait_event_type = 'Lock'", (MIGRATE_APP,))
        if progress.get("phase") == phase and rows:
            return rows[0][0]
        time.sleep(0.02)
    raise AssertionError(f"the apply never blocked in phase {phase}: {record(url, migration_id)}")


def wait_gone(url, pid, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not q(url, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)):
            return
        time.sleep(0.05)
    raise AssertionError(f"backend {pid} outlived its killed client")


def leftovers(url):
    """Objects an interrupted online type change or index build could leave behind."""
    return {
        "sync_triggers": q(url, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pc\\_%'")[0][0],
        "sync_functions": q(url, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pc\\_%'")[0][0],
        "shadow_columns": q(url, "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                                 "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'custom' AND c.relkind = 'r' "
                                 "AND a.attname LIKE 'pc\\_%' AND NOT a.attisdropped")[0][0],
        "invalid_indexes": q(url, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")[0][0],
    }


CLEAN = {"sync_triggers": 0, "sync_functions": 0, "shadow_columns": 0, "invalid_indexes": 0}


def rows_of(url, table):
    return sorted(q(url, f"SELECT * FROM custom.{table}"), key=str)  # fixed test table names


@pytest.mark.parametrize("outcome", ["finish", "undo"])
@pytest.mark.parametrize("kill", ["sigkill", "terminate"])
@pytest.mark.parametrize("phase", list(SCENARIOS))
def test_a_killed_apply_leaves_the_table_writable_and_can_be_finished_or_undone(database_url, phase, kill, outcome):
    engine = make_engine(database_url)
    scenario = SCENARIOS[phase](database_url, engine)
    before_live = live_state(engine, scenario.sid)
    before_rows = rows_of(database_url, scenario.table)
    blocker = scenario.blocker(database_url)
    proc = start_apply(database_url, scenario.migration_id)
    try:
        pid = wait_until_blocked_in(database_url, scenario.migration_id, phase, proc)
        status, progress = record(database_url, scenario.migration_id)
        assert status in ("applying", "applied") and progress["phase"] == phase  # progress is in the record
        if kill == "sigkill":
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            wait_gone(database_url, pid)  # the server notices the dead client
        else:
            q(database_url, "SELECT pg_terminate_backend(%s)", (pid,))
    finally:
        blocker.rollback()
        blocker.close()
    if kill == "terminate":
        proc.wait(60)  # the applying process sees the error and cleans up what it can
        assert proc.returncode == 3, proc.stdout.read() + proc.stderr.read()

    # Every client can write, whatever was left.
    q(database_url, scenario.insert)
    written = rows_of(database_url, scenario.table)
    assert len(written) == len(before_rows) + 1

    status, progress = record(database_url, scenario.migration_id)
    unfinished = status in ("applying", "rolling_back") or progress.get("phase") == "post"
    if outcome == "finish":
        done = engine.apply_migration(scenario.migration_id, confirm=True)  # resumes, or runs again if it was undone
        assert done["status"] == "applied" and done["progress"]["phase"] == "done"
        scenario.finished(database_url)
        assert leftovers(database_url) == CLEAN
        assert engine.plan_migration(scenario.sid)["id"] is None  # table and configuration agree
    else:
        if unfinished or status == "failed":
            # Undoes an interrupted apply; after one that undid itself, it drops what a dead
            # connection could not (an INVALID index of a killed build).
            aborted = engine.abort_migration(scenario.migration_id)
            assert aborted["status"] == "failed"
        assert live_state(engine, scenario.sid) == before_live
        assert leftovers(database_url) == CLEAN
        assert len(rows_of(database_url, scenario.table)) == len(before_rows) + 1
        # And the same reviewed migration still applies.
        assert engine.apply_migration(scenario.migration_id, confirm=True)["status"] == "applied"
        scenario.finished(database_url)
    # Nothing written before or during the crash was lost.
    assert len(rows_of(database_url, scenario.table)) >= len(before_rows) + 1


def killed_mid_backfill(url):
    """An online type change whose applying process was SIGKILLed while the batches ran."""
    engine = make_engine(url, batch=1)
    sid = build(engine, "tallies", [("n", "integer", {}), ("tag", "text", {})],
                [{"n": i, "tag": f"t{i}"} for i in range(3000)])
    engine.update_field(field_id(engine, sid, "n"), {"field_type_handle": "decimal",
                                                    "field_settings": {"precision": 12, "scale": 2}})
    migration_id = engine.plan_migration(sid)["id"]
    proc = start_apply(url, migration_id, batch=1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, progress = record(url, migration_id)
        if (progress.get("backfill") or {}).get("rows"):
            break
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    status, progress = record(url, migration_id)
    assert status == "applying" and progress["phase"] == "backfill", progress
    assert 0 < progress["backfill"]["rows"] < 3000
    # The server ends the orphaned backend (client_connection_check_interval): wait for that.
    for (pid,) in q(url, "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
                    (MIGRATE_APP,)):
        wait_gone(url, pid)
    assert leftovers(url)["sync_triggers"] == 1  # the apply really was cut off mid-way
    return engine, sid, migration_id


def test_sigkill_in_the_middle_of_the_backfill_call_then_resume_keeps_every_value(database_url):
    """Finding 4: killed while the batches run. The sync trigger and the half-filled column
    remain, but writes keep working (converted by the trigger), planning says what to do,
    and the next apply finishes the job with every value converted."""
    engine, sid, migration_id = killed_mid_backfill(database_url)

    # Writable by any client; the trigger converts the write into the new column too.
    q(database_url, "INSERT INTO custom.tallies (n, tag) VALUES (4242, 'while-down')")
    entry = engine.create_entry("tallies", {"n": 4343, "tag": "engine"})
    assert entry["n"] == 4343
    # Planning does not trip over the leftovers: it says what to do instead.
    with pytest.raises(Exception, match="resume|abort"):
        engine.plan_migration(sid)

    done = engine.apply_migration(migration_id)
    assert done["status"] == "applied"
    values = dict(q(database_url, "SELECT tag, n FROM custom.tallies"))
    assert len(values) == 3002
    assert all(values[f"t{i}"] == i for i in range(3000))
    assert values["while-down"] == 4242 and values["engine"] == 4343
    assert leftovers(database_url) == CLEAN
    assert engine.plan_migration(sid)["id"] is None


def kill_apply_in_main(url, scenario, action: str = "apply", on_blocked=None) -> None:
    """Start applying (or rolling back) the scenario's migration in a process of its own and
    SIGKILL it while it waits inside its main transaction; ``on_blocked()`` runs just before."""
    blocker = scenario.blocker(url)
    proc = start_apply(url, scenario.migration_id, action=action)
    try:
        pid = wait_until_blocked_in(url, scenario.migration_id, "main", proc)
        if on_blocked is not None:
            on_blocked()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        wait_gone(url, pid)
    finally:
        blocker.rollback()
        blocker.close()


def interrupt_in_main(url, engine):
    """A migration whose applying process was killed inside its main transaction."""
    scenario = main_phase(url, engine)
    kill_apply_in_main(url, scenario)
    assert record(url, scenario.migration_id)[0] == "applying"
    return scenario


def test_the_cli_shows_resumes_and_aborts_an_interrupted_migration(database_url):
    from click.testing import CliRunner

    from polysynergy_nodes_content.cli.main import cli

    engine = make_engine(database_url)
    runner = CliRunner()

    def cli_run(*args):
        return runner.invoke(cli, ["--database-url", database_url, *args], catch_exceptions=False)

    scenario = interrupt_in_main(database_url, engine)
    before = live_state(engine, scenario.sid)
    refused = cli_run("migrations", "plan", "people")
    assert refused.exit_code == 3 and "migrations resume people" in refused.output
    aborted = cli_run("migrations", "abort", "people", "--yes")
    assert aborted.exit_code == 0, aborted.output
    assert "Aborted" in aborted.output and live_state(engine, scenario.sid) == before
    assert cli_run("migrations", "resume", "people").exit_code != 0  # nothing left to resume

    kill_apply_in_main(database_url, scenario)  # the same migration, killed once more
    resumed = cli_run("migrations", "resume", "people")
    assert resumed.exit_code == 0, resumed.output
    assert "Finished" in resumed.output
    assert record(database_url, scenario.migration_id)[0] == "applied"
    scenario.finished(database_url)


def test_after_a_kill_mid_backfill_the_field_can_be_reverted_and_the_apply_undone(database_url):
    """Finding 4, the other way out: the user reverts the field. Planning points to abort,
    abort removes trigger, function and new column, and every client's inserts work."""
    engine, sid, migration_id = killed_mid_backfill(database_url)
    engine.update_field(field_id(engine, sid, "n"), {"field_type_handle": "integer", "field_settings": {}})
    with pytest.raises(Exception, match="abort"):
        engine.plan_migration(sid)
    assert engine.abort_migration(migration_id)["status"] == "failed"
    assert leftovers(database_url) == CLEAN
    q(database_url, "INSERT INTO custom.tallies (n, tag) VALUES (5, 'raw client')")
    assert engine.create_entry("tallies", {"n": 6, "tag": "engine"})["n"] == 6
    assert engine.plan_migration(sid)["changes"] is False  # the configuration matches the table again
    assert sorted(r[0] for r in q(database_url, "SELECT n FROM custom.tallies"))[:3] == [0, 1, 2]


@pytest.mark.parametrize("outcome", ["finish", "undo"])
def test_a_killed_rollback_can_be_finished_or_undone(database_url, outcome):
    """A rollback killed inside its transaction (which waits for a reader): the migration
    stays applied and usable; rolling back again finishes it, abort keeps it applied."""
    engine = make_engine(database_url)
    scenario = main_phase(database_url, engine)
    before = live_state(engine, scenario.sid)
    before_rows = rows_of(database_url, "people")
    engine.apply_migration(scenario.migration_id)
    applied = live_state(engine, scenario.sid)

    def rolling_back():
        assert record(database_url, scenario.migration_id)[0] == "rolling_back"

    kill_apply_in_main(database_url, scenario, action="rollback", on_blocked=rolling_back)
    q(database_url, "INSERT INTO custom.people (full_name, age) VALUES ('while-down', 1)")  # still the applied shape
    assert live_state(engine, scenario.sid) == applied
    if outcome == "finish":
        assert engine.rollback_migration(scenario.migration_id)["status"] == "rolled_back"
        assert live_state(engine, scenario.sid) == before
        assert len(rows_of(database_url, "people")) == len(before_rows) + 1
    else:
        assert engine.abort_migration(scenario.migration_id)["status"] == "applied"
        assert live_state(engine, scenario.sid) == applied
        assert engine.rollback_migration(scenario.migration_id)["status"] == "rolled_back"  # still possible
        assert live_state(engine, scenario.sid) == before
