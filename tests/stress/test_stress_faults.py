"""Faults during apply: a killed connection, lock timeouts, constraint violations over
existing rows, a crash between the DDL and the status update, a failing CONCURRENTLY
step after the commit. Each must leave table, data, configuration and migration status
consistent, report the error as a ContentError, and let a retry succeed.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from stress_helpers import live_state, q

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import ContentError, DatabaseFailure
from polysynergy_nodes_content.content_engine.migrations import runner as migrations_module
from polysynergy_nodes_content.content_engine.migrations.gate import PrecheckFailed
from polysynergy_nodes_content.content_engine.settings import EngineSettings

MIGRATE_APP = "polysynergy-content-migrate"


def make_engine(url, **settings) -> ContentEngine:
    engine = ContentEngine(url, EngineSettings(**settings))
    engine.install()
    return engine


def build(engine, handle, fields, rows=()):
    section = engine.create_section(handle, handle.title())
    for name, kind, extra in fields:
        engine.add_field(section["id"], name, None, kind, **extra)
    plan = engine.plan_migration(section["id"])
    engine.apply_migration(plan["id"], confirm=True)
    for row in rows:
        engine.create_entry(handle, row)
    return engine.get_section(section["id"])


def field_id(engine, section_id, handle):
    return next(f["id"] for f in engine.get_section(section_id)["fields"] if f["handle"] == handle)


def table_rows(url, table, columns):
    cols = ", ".join(columns)  # fixed test column names
    return q(url, f"SELECT {cols} FROM custom.{table} ORDER BY id")


def config(engine, section_id):
    return [{k: v for k, v in f.items() if k != "updated_at"} for f in engine.get_section(section_id)["fields"]]


def migration_status(url, migration_id):
    return q(url, "SELECT status, error_message FROM section_migrations WHERE id = %s", (migration_id,))[0]


def section_status(url, section_id):
    return q(url, "SELECT migration_status FROM sections WHERE id = %s", (section_id,))[0][0]


def invalid_indexes(url):
    return q(url, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")[0][0]


def advisory_locks(url):
    # This database's only: pg_locks shows the whole server, shared with other test sessions.
    return q(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                  "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")[0][0]


class Snapshot:
    """Table shape, rows and configuration of a section, to compare after a failure."""

    def __init__(self, engine, section_id, table, columns):
        self.live = live_state(engine, section_id)
        self.rows = table_rows(engine.url, table, columns)
        self.config = config(engine, section_id)
        self.args = (engine, section_id, table, columns)

    def assert_same(self):
        engine, section_id, table, columns = self.args
        assert live_state(engine, section_id) == self.live
        assert table_rows(engine.url, table, columns) == self.rows
        assert config(engine, section_id) == self.config


def run_in_thread(fn, *args, **kwargs):
    box = {}

    def target():
        started = time.monotonic()
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc
        box["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def wait_for_blocked_migrate_backend(url, timeout=15.0) -> int:
    """The pid of the engine's migrate connection once it waits for a lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = q(url, "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database() "
                      "AND wait_event_type = 'Lock'", (MIGRATE_APP,))
        if rows:
            return rows[0][0]
        time.sleep(0.02)
    raise AssertionError("the migrate backend never blocked")


def terminate(url, pid):
    assert q(url, "SELECT pg_terminate_backend(%s)", (pid,))[0][0]


# -- a killed apply connection ------------------------------------------------------------
def test_apply_killed_inside_the_main_transaction_changes_nothing_and_retry_works(database_url):
    engine = make_engine(database_url, lock_timeout_ms=30_000, lock_retries=1)
    section = build(engine, "victims", [("name", "text", {})], [{"name": n} for n in ("a", "b", "c")])
    sid = section["id"]
    engine.add_field(sid, "extra", None, "text")
    engine.update_field(field_id(engine, sid, "name"), {"handle": "full_name"})
    migration = engine.plan_migration(sid)
    before = Snapshot(engine, sid, "victims", ["id", "name"])
    holder = psycopg.connect(database_url)
    holder.execute("LOCK TABLE custom.victims IN ACCESS SHARE MODE")  # the ALTER TABLE queues behind it
    try:
        thread, box = run_in_thread(engine.apply_migration, migration["id"])
        pid = wait_for_blocked_migrate_backend(database_url)
        terminate(database_url, pid)
        thread.join(20)
        assert not thread.is_alive()
    finally:
        holder.rollback()
        holder.close()
    assert isinstance(box.get("error"), DatabaseFailure), box
    assert "nothing was changed" in str(box["error"])
    before.assert_same()
    status, error = migration_status(database_url, migration["id"])
    assert status == "failed" and error
    assert section_status(database_url, sid) == "failed"
    assert advisory_locks(database_url) == 0  # the section lock died with the session

    assert engine.apply_migration(migration["id"])["status"] == "applied"
    assert sorted(r[0] for r in table_rows(database_url, "victims", ["full_name"])) == ["a", "b", "c"]
    assert section_status(database_url, sid) == "migrated"


def test_apply_killed_while_building_an_index_concurrently_is_recovered_by_a_retry(database_url):
    engine = make_engine(database_url, lock_timeout_ms=30_000, lock_retries=1)
    section = build(engine, "codes", [("code", "text", {})], [{"code": c} for c in ("a", "b", "c")])
    sid = section["id"]
    engine.update_field(field_id(engine, sid, "code"), {"is_unique": True})
    migration = engine.plan_migration(sid)
    assert "CREATE UNIQUE INDEX CONCURRENTLY" in migration["sql"]
    before = Snapshot(engine, sid, "codes", ["id", "code"])
    writer = psycopg.connect(database_url)
    writer.execute("INSERT INTO custom.codes (code) VALUES ('d')")  # an open write: CONCURRENTLY waits for it
    try:
        thread, box = run_in_thread(engine.apply_migration, migration["id"])
        pid = wait_for_blocked_migrate_backend(database_url)
        terminate(database_url, pid)
        thread.join(20)
        assert not thread.is_alive()
    finally:
        writer.commit()
        writer.close()
    assert isinstance(box.get("error"), DatabaseFailure), box
    status, error = migration_status(database_url, migration["id"])
    assert status == "failed" and error
    assert config(engine, sid) == before.config
    # The killed build may leave an INVALID index behind (nothing can drop it on a dead
    # connection); it is not a constraint, so writes are unaffected, and the retry drops it.
    engine.create_entry("codes", {"code": "a"})  # duplicates still allowed: nothing was applied
    q(database_url, "DELETE FROM custom.codes WHERE code IN ('a', 'd') AND id NOT IN "
                    "(SELECT min(id::text)::uuid FROM custom.codes GROUP BY code)")
    assert engine.apply_migration(migration["id"])["status"] == "applied"
    assert invalid_indexes(database_url) == 0
    with pytest.raises(ContentError, match="code"):
        engine.create_entry("codes", {"code": "b"})


def test_apply_killed_during_the_post_commit_index_build_leaves_a_consistent_state(database_url, monkeypatch):
    """The main transaction (new column, status 'applied') has committed when the
    CONCURRENTLY index build after it is killed."""
    engine = make_engine(database_url, lock_timeout_ms=30_000, lock_retries=1)
    section = build(engine, "posts", [("title", "text", {})], [{"title": t} for t in ("x", "y")])
    sid = section["id"]
    engine.add_field(sid, "meta", None, "json")  # column in the main transaction, GIN index after it
    migration = engine.plan_migration(sid)
    assert "CREATE INDEX CONCURRENTLY" in migration["sql"]
    before = Snapshot(engine, sid, "posts", ["id", "title"])
    real = migrations_module.run_alone
    reached, go_on = threading.Event(), threading.Event()

    def pause_before_post(conn, step):
        if step.phase == "post" and not reached.is_set():
            reached.set()
            go_on.wait(10)
        return real(conn, step)

    monkeypatch.setattr(migrations_module, "run_alone", pause_before_post)
    thread, box = run_in_thread(engine.apply_migration, migration["id"])
    assert reached.wait(10)
    writer = psycopg.connect(database_url)
    writer.execute("INSERT INTO custom.posts (title) VALUES ('open')")  # an open write: CONCURRENTLY waits for it
    try:
        go_on.set()
        pid = wait_for_blocked_migrate_backend(database_url)
        terminate(database_url, pid)
    finally:
        # Undoing the committed part needs the table's lock, like any DDL: the open writer
        # must finish first (the undo waits for it, within the lock timeout).
        writer.rollback()
        writer.close()
    thread.join(20)
    assert not thread.is_alive()
    monkeypatch.setattr(migrations_module, "run_alone", real)
    assert isinstance(box.get("error"), ContentError), box
    status, error = migration_status(database_url, migration["id"])
    live = live_state(engine, sid)
    # Consistent means: the record says what the table is. Either the migration was undone
    # (failed, table as before) or it is applied and the table matches the applied state.
    assert (status, section_status(database_url, sid)) in (("failed", "failed"), ("applied", "migrated")), (status, error)
    if status == "failed":
        before.assert_same()
    else:
        assert "meta" in live["table"]["columns"]
    # Whatever is left over (an INVALID index), planning and applying again repairs it.
    if status == "failed":
        assert engine.apply_migration(migration["id"])["status"] == "applied"
    else:
        repair = engine.plan_migration(sid)
        if repair["id"] is not None:
            assert engine.apply_migration(repair["id"])["status"] == "applied"
    assert invalid_indexes(database_url) == 0
    assert engine.plan_migration(sid)["id"] is None
    entry = engine.create_entry("posts", {"title": "after", "meta": {"k": 1}})
    assert engine.query_entries("posts", {"meta": {"_contains": {"k": 1}}})["entries"][0]["id"] == entry["id"]


# -- lock timeouts ---------------------------------------------------------------------------
@pytest.mark.parametrize("lock_mode, change", [
    ("ACCESS SHARE", "add_column"),             # a long reader blocks ALTER TABLE (main phase)
    ("SHARE UPDATE EXCLUSIVE", "unique_index"),  # e.g. a VACUUM or another index build blocks CONCURRENTLY (pre phase)
])
def test_lock_timeout_is_reported_nothing_changes_and_retry_works(database_url, lock_mode, change):
    engine = make_engine(database_url, lock_timeout_ms=300, lock_retries=2)
    section = build(engine, "busy", [("code", "text", {})], [{"code": c} for c in ("a", "b")])
    sid = section["id"]
    if change == "add_column":
        engine.add_field(sid, "extra", None, "integer")
    else:
        engine.update_field(field_id(engine, sid, "code"), {"is_unique": True})
    migration = engine.plan_migration(sid)
    before = Snapshot(engine, sid, "busy", ["id", "code"])
    holder = psycopg.connect(database_url)
    holder.execute(f"LOCK TABLE custom.busy IN {lock_mode} MODE")  # fixed test lock modes
    try:
        with pytest.raises(DatabaseFailure, match="lock timeout") as failure:
            engine.apply_migration(migration["id"])
    finally:
        holder.rollback()
        holder.close()
    assert "try again" in str(failure.value)
    # Both attempts gave up on the lock (never the statement timeout) while the lock was held.
    assert "tried 2 time(s)" in str(failure.value) and "statement timeout" not in str(failure.value)
    before.assert_same()
    assert invalid_indexes(database_url) == 0
    status, error = migration_status(database_url, migration["id"])
    assert status == "failed" and "lock" in error
    assert advisory_locks(database_url) == 0
    assert engine.apply_migration(migration["id"])["status"] == "applied"
    assert section_status(database_url, sid) == "migrated"


def test_an_uncommitted_writer_makes_the_apply_time_out_and_keeps_its_row(database_url):
    engine = make_engine(database_url, lock_timeout_ms=250, lock_retries=1)
    build(engine, "inbox", [("subject", "text", {})], [{"subject": "first"}])
    sid = engine.get_section("inbox")["id"]
    engine.add_field(sid, "body", None, "textarea")
    migration = engine.plan_migration(sid)
    writer = psycopg.connect(database_url)
    writer.execute("INSERT INTO custom.inbox (subject) VALUES ('in flight')")
    try:
        with pytest.raises(DatabaseFailure, match="lock timeout"):
            engine.apply_migration(migration["id"])
        writer.commit()  # the writer was never blocked or broken by the attempt
    finally:
        writer.close()
    assert sorted(r[0] for r in table_rows(database_url, "inbox", ["subject"])) == ["first", "in flight"]
    assert engine.apply_migration(migration["id"])["status"] == "applied"


# -- constraint violations over existing rows ------------------------------------------------
def test_set_not_null_over_null_rows_fails_cleanly_and_retry_after_fixing_data_works(database_url):
    engine = make_engine(database_url)
    section = build(engine, "people", [("name", "text", {}), ("nick", "text", {})],
                    [{"name": "a", "nick": None}, {"name": "b", "nick": "bee"}, {"name": "c", "nick": None}])
    sid = section["id"]
    engine.add_field(sid, "age", None, "integer")
    engine.update_field(field_id(engine, sid, "name"), {"handle": "full_name"})
    engine.update_field(field_id(engine, sid, "nick"), {"is_required": True})
    migration = engine.plan_migration(sid)
    assert "rows where nick is NULL: 2 row(s)" in migration["sql"]
    before = Snapshot(engine, sid, "people", ["id", "name", "nick"])
    with pytest.raises(PrecheckFailed, match="nothing was changed"):
        engine.apply_migration(migration["id"])
    before.assert_same()
    assert migration_status(database_url, migration["id"])[0] == "failed"
    assert section_status(database_url, sid) == "failed"
    engine.create_entry("people", {"name": "d"})  # writers keep working against the old shape
    q(database_url, "UPDATE custom.people SET nick = 'n/a' WHERE nick IS NULL")
    assert engine.apply_migration(migration["id"])["status"] == "applied"
    assert len(table_rows(database_url, "people", ["full_name", "nick", "age"])) == 4
    with pytest.raises(ContentError, match="nick"):
        engine.create_entry("people", {"full_name": "e"})


def test_unique_over_duplicate_rows_fails_cleanly_and_retry_after_fixing_data_works(database_url):
    engine = make_engine(database_url)
    section = build(engine, "tags", [("label", "text", {}), ("n", "integer", {})],
                    [{"label": "x", "n": 1}, {"label": "x", "n": 2}, {"label": "y", "n": 3}])
    sid = section["id"]
    engine.update_field(field_id(engine, sid, "label"), {"is_unique": True})
    engine.add_field(sid, "note", None, "text")
    migration = engine.plan_migration(sid)
    assert "duplicate values in label: 1 row(s)" in migration["sql"]
    before = Snapshot(engine, sid, "tags", ["id", "label", "n"])
    with pytest.raises(PrecheckFailed) as failure:
        engine.apply_migration(migration["id"])
    assert "label" in str(failure.value) or "unique" in str(failure.value).lower()
    before.assert_same()
    assert invalid_indexes(database_url) == 0
    assert migration_status(database_url, migration["id"])[0] == "failed"
    q(database_url, "UPDATE custom.tags SET label = 'z' WHERE n = 2")
    assert engine.apply_migration(migration["id"])["status"] == "applied"
    with pytest.raises(ContentError, match="label"):
        engine.create_entry("tags", {"label": "x"})


def test_type_change_with_values_that_do_not_cast_fails_cleanly_and_retry_works(database_url):
    engine = make_engine(database_url)
    section = build(engine, "nums", [("amount", "text", {})], [{"amount": "12"}, {"amount": "abc"}, {"amount": "7"}])
    sid = section["id"]
    engine.update_field(field_id(engine, sid, "amount"), {"field_type_handle": "integer"})
    migration = engine.plan_migration(sid)
    before = Snapshot(engine, sid, "nums", ["id", "amount"])
    with pytest.raises(PrecheckFailed):
        engine.apply_migration(migration["id"])
    before.assert_same()
    assert migration_status(database_url, migration["id"])[0] == "failed"
    q(database_url, "UPDATE custom.nums SET amount = '0' WHERE amount = 'abc'")
    assert engine.apply_migration(migration["id"])["status"] == "applied"
    assert sorted(r[0] for r in table_rows(database_url, "nums", ["amount"])) == [0, 7, 12]


# -- a crash between the DDL and the status update ---------------------------------------------
CRASH_ONCE = """
CREATE SEQUENCE crash_once;
CREATE FUNCTION crash_on_applied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- nextval is not rolled back with the transaction, so this fires exactly once
    IF NEW.status = 'applied' AND OLD.status IS DISTINCT FROM 'applied' AND nextval('crash_once') = 1 THEN
        RAISE EXCEPTION 'simulated crash before the status update';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER crash_on_applied BEFORE UPDATE ON section_migrations FOR EACH ROW EXECUTE FUNCTION crash_on_applied();
"""


@pytest.mark.parametrize("change", ["add_column", "add_relation_with_index", "drop_column"])
def test_crash_between_ddl_and_status_update_rolls_the_ddl_back(database_url, change):
    engine = make_engine(database_url)
    build(engine, "authors", [("name", "text", {})], [{"name": "ann"}])
    section = build(engine, "books", [("title", "text", {}), ("old", "text", {})],
                    [{"title": "t1", "old": "o1"}, {"title": "t2", "old": None}])
    sid = section["id"]
    if change == "add_column":
        engine.add_field(sid, "pages", None, "integer")
    elif change == "add_relation_with_index":
        engine.add_field(sid, "author", None, "relation", {"targetSection": "authors"})
        engine.add_field(sid, "readers", None, "relation", {"targetSection": "authors", "allowMultiple": True})
    else:
        engine.remove_field(sid, "old")
    migration = engine.plan_migration(sid)
    before = Snapshot(engine, sid, "books", ["id", "title", "old"])
    archive_before = q(database_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'content_archive'")[0][0]
    q(database_url, CRASH_ONCE)
    with pytest.raises(DatabaseFailure, match="simulated crash"):
        engine.apply_migration(migration["id"], confirm=True)
    before.assert_same()
    assert q(database_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'content_archive'")[0][0] == archive_before
    assert q(database_url, "SELECT count(*) FROM pg_tables WHERE tablename = 'books_readers'")[0][0] == 0
    assert invalid_indexes(database_url) == 0
    status, error = migration_status(database_url, migration["id"])
    assert status == "failed" and "simulated crash" in error
    assert section_status(database_url, sid) == "failed"
    assert engine.get_section(sid)["applied_state"]["config_version"] == section["config_version"]

    assert engine.apply_migration(migration["id"], confirm=True)["status"] == "applied"
    assert engine.plan_migration(sid)["id"] is None
    engine.rollback_migration(migration["id"])  # and it still rolls back
    assert live_state(engine, sid) == before.live
    assert table_rows(database_url, "books", ["id", "title", "old"]) == before.rows


def test_failure_of_the_post_commit_index_build_undoes_the_committed_migration(database_url, monkeypatch):
    engine = make_engine(database_url)
    build(engine, "authors", [("name", "text", {})], [{"name": "ann"}])
    section = build(engine, "books", [("title", "text", {})], [{"title": "t1"}, {"title": "t2"}])
    sid = section["id"]
    engine.add_field(sid, "author", None, "relation", {"targetSection": "authors"})
    engine.add_field(sid, "meta", None, "json")  # a GIN index, built CONCURRENTLY after the commit
    migration = engine.plan_migration(sid)
    before = Snapshot(engine, sid, "books", ["id", "title"])
    real = migrations_module.run_alone
    calls = {"post": 0}

    def flaky(conn, step):
        if step.phase == "post" and step.sql.lstrip().upper().startswith("CREATE"):
            calls["post"] += 1
            if calls["post"] == 2:  # the first index got built; the second one "crashes"
                raise psycopg.errors.QueryCanceled("simulated failure of CREATE INDEX CONCURRENTLY")
        return real(conn, step)

    monkeypatch.setattr(migrations_module, "run_alone", flaky)
    with pytest.raises(DatabaseFailure, match="undone"):
        engine.apply_migration(migration["id"])
    monkeypatch.setattr(migrations_module, "run_alone", real)
    before.assert_same()
    assert invalid_indexes(database_url) == 0
    status, error = migration_status(database_url, migration["id"])
    assert status == "failed" and error
    assert section_status(database_url, sid) == "failed"
    assert engine.apply_migration(migration["id"])["status"] == "applied"
    assert engine.plan_migration(sid)["id"] is None
