"""Migrations that copy or move data keep every committed write: a writer runs through the
apply (and through the rollback, where the table still takes writes), recording the last
value it committed for each row; after the rollback every row holds exactly that value.

Dropping a field copies its column into the archive while writers go on; a type change
fills a new column while writers go on; removing a section or a multiple relation moves
tables. The copies run in small batches here, so the writer's statements interleave with
them; each test of a copy checks that writes did commit while it ran.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from engine_helpers import live_state, make_section, sql
from psycopg import errors as pg_errors
from psycopg import sql as pg_sql

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import DatabaseFailure
from polysynergy_nodes_content.content_engine.migrations import runner as migration_runner
from polysynergy_nodes_content.content_engine.settings import EngineSettings

ROWS = 4_000
BATCH = 50
#: The table or column went away (the migration committed): this name no longer takes writes.
GONE = (pg_errors.UndefinedTable, pg_errors.UndefinedColumn)


class Writer(threading.Thread):
    """Updates, inserts and deletes rows of one column on its own connection, remembering
    the last committed value of every row. ``names`` lists the (table, column) the
    column may be found under: on an undefined name the writer moves to the next one (a
    rename committed); when none is left it stops."""

    def __init__(self, url: str, names: list, initial: dict, value):
        super().__init__(daemon=True)
        self.url, self.names, self.value = url, list(names), value
        self.expected = dict(initial)
        self.stop = threading.Event()
        self.commits: list[float] = []  # monotonic time of each committed write
        self.first_commit = threading.Event()
        self.failures: list[str] = []
        self.name_index = 0
        self.random = random.Random(18)

    def run(self):
        with psycopg.connect(self.url, autocommit=True) as conn:
            n = 0
            while not self.stop.is_set() and self.name_index < len(self.names):
                n += 1
                table, column = self.names[self.name_index]
                try:
                    self.write(conn, pg_sql.Identifier("custom", table), pg_sql.Identifier(column), n)
                except GONE:
                    self.name_index += 1
                except Exception as exc:  # noqa: BLE001 - reported by the test
                    self.failures.append(repr(exc))
                    return

    def write(self, conn, table, column, n: int) -> None:
        choice = self.random.random()
        value = self.value(n)
        if choice < 0.8 or len(self.expected) < 10:
            row = self.random.choice(list(self.expected))
            conn.execute(pg_sql.SQL("UPDATE {} SET {} = %s WHERE id = %s").format(table, column), (value, row))
            self.expected[row] = value
        elif choice < 0.9:
            row, = conn.execute(pg_sql.SQL("INSERT INTO {} ({}) VALUES (%s) RETURNING id").format(table, column),
                                (value,)).fetchone()
            self.expected[row] = value
        else:
            row = self.random.choice(list(self.expected))
            # The condition names the column, so a delete after the column is gone fails like the
            # other writes (the archive holds the values at the drop; later deletes are not in it).
            conn.execute(pg_sql.SQL("DELETE FROM {} WHERE id = %s AND ({} IS NULL OR {} IS NOT NULL)").format(
                table, column, column), (row,))
            del self.expected[row]
        self.commits.append(time.monotonic())
        self.first_commit.set()


@contextmanager
def writing(engine, names: list, value):
    """A Writer running for the block (from its first committed write on)."""
    table, column = names[0]
    initial = dict(sql(engine, pg_sql.SQL("SELECT id, {} FROM {}").format(
        pg_sql.Identifier(column), pg_sql.Identifier("custom", table))))
    writer = Writer(engine.url, names, initial, value)
    writer.start()
    try:
        assert writer.first_commit.wait(30), f"the writer never committed a write: {writer.failures}"
        yield writer
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.failures == []


@pytest.fixture
def copies(monkeypatch):
    """(start, end) of every batched copy (a CALL step) the migrations run."""
    windows: list = []
    real = migration_runner.run_alone

    def timed(conn, step):
        started = time.monotonic()
        try:
            return real(conn, step)
        finally:
            if step.sql.startswith("CALL"):
                windows.append((started, time.monotonic()))

    monkeypatch.setattr(migration_runner, "run_alone", timed)
    return windows


def written_during(writer: Writer, windows: list) -> int:
    return sum(1 for t in writer.commits if any(a <= t <= b for a, b in windows))


def values(engine, table: str, column: str) -> dict:
    return dict(sql(engine, pg_sql.SQL("SELECT id, {} FROM {}").format(
        pg_sql.Identifier(column), pg_sql.Identifier("custom", table))))


@pytest.fixture
def batched(database_url):
    engine = ContentEngine(database_url, EngineSettings(backfill_batch_size=BATCH))
    engine.install()
    return engine


def field_id(engine, sid, handle):
    return next(f["id"] for f in engine.get_section(sid)["fields"] if f["handle"] == handle)


def populated(engine, handle: str, fields: list, item) -> str:
    section = make_section(engine, handle, fields)
    engine.create_entries(handle, [item(i) for i in range(ROWS)])
    return section["id"]


def test_dropping_a_field_archives_every_value_written_during_the_copy(batched, copies):
    sid = populated(batched, "notes", [{"handle": "title", "type": "text"}, {"handle": "body", "type": "text"}],
                    lambda i: {"title": f"t{i}", "body": f"b{i}"})
    batched.remove_field(sid, "body")
    migration = batched.plan_migration(sid)
    with writing(batched, [("notes", "body")], lambda n: f"w{n}") as writer:
        batched.apply_migration(migration["id"], confirm=True)
        writer.join(30)  # the column is gone: the writer stops at its next write
        assert not writer.is_alive() and writer.name_index == 1
    assert sql(batched, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pc\\_%'")[0][0] == 0
    assert sql(batched, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pc\\_%'")[0][0] == 0
    (archive,), = sql(batched, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE n.nspname = 'content_archive' AND c.relkind = 'r'")
    # The archive holds exactly the rows and values the column held when it was dropped.
    assert dict(sql(batched, pg_sql.SQL("SELECT id, body FROM {}").format(
        pg_sql.Identifier("content_archive", archive)))) == writer.expected
    batched.rollback_migration(migration["id"])
    assert values(batched, "notes", "body") == writer.expected
    assert written_during(writer, copies) > 0, "no write committed while the archive copy ran"


def test_removing_a_section_keeps_every_committed_write(batched):
    sid = populated(batched, "posts", [{"handle": "title", "type": "text"}], lambda i: {"title": f"t{i}"})
    batched.delete_section(sid)
    migration = batched.plan_migration(sid)
    with writing(batched, [("posts", "title")], lambda n: f"w{n}") as writer:
        batched.apply_migration(migration["id"], confirm=True)
        writer.join(30)  # the table left the content schema: the writer stops
        assert not writer.is_alive() and writer.name_index == 1
    batched.rollback_migration(migration["id"])
    assert values(batched, "posts", "title") == writer.expected


def test_an_online_type_change_and_its_rollback_keep_every_committed_write(batched, copies):
    sid = populated(batched, "ledger", [{"handle": "amount", "type": "integer"}], lambda i: {"amount": i})
    batched.update_field(field_id(batched, sid, "amount"), {"field_type_handle": "number"})
    migration = batched.plan_migration(sid)
    assert "content_backfill" in migration["sql"]
    with writing(batched, [("ledger", "amount")], lambda n: 1_000_000 + n) as writer:
        batched.apply_migration(migration["id"], confirm=True)
        batched.rollback_migration(migration["id"])  # the writer goes on through the rollback
        assert writer.is_alive()
    assert written_during(writer, copies) > 0, "no write committed while the backfill ran"
    assert values(batched, "ledger", "amount") == writer.expected


@pytest.mark.parametrize("rename_section", [False, True], ids=["field renamed", "section renamed"])
def test_a_rename_with_an_online_type_change_and_its_rollback_keep_every_committed_write(batched, copies,
                                                                                         rename_section):
    sid = populated(batched, "stock", [{"handle": "qty", "type": "integer", "is_unique": True},
                                       {"handle": "label", "type": "text"}],
                    lambda i: {"qty": i, "label": f"l{i}"})
    batched.update_field(field_id(batched, sid, "qty"), {"field_type_handle": "number", "handle": "quantity"})
    if rename_section:
        batched.update_section(sid, {"handle": "inventory"})
    table = "inventory" if rename_section else "stock"
    before = live_state(batched, sid)
    migration = batched.plan_migration(sid)
    assert "content_backfill" in migration["sql"]
    names = [("stock", "qty"), (table, "quantity"), ("stock", "qty")]
    with writing(batched, names, lambda n: 1_000_000 + n) as writer:
        batched.apply_migration(migration["id"], confirm=True)
        batched.rollback_migration(migration["id"])
        assert writer.is_alive()
    assert written_during(writer, copies) > 0, "no write committed while the backfill ran"
    assert values(batched, "stock", "qty") == writer.expected
    assert live_state(batched, sid) == before  # the unique index is back on the table, under its name


class LinkWriter(Writer):
    """Adds and removes links of a junction table (``names``: its names; the column is not written)."""

    def __init__(self, url: str, names: list, links: set, sources: list, targets: list):
        super().__init__(url, names, {}, None)
        self.expected = set(links)
        self.sources, self.targets = [uuid.UUID(s) for s in sources], [uuid.UUID(t) for t in targets]

    def write(self, conn, table, column, n: int) -> None:
        if self.random.random() < 0.6 or not self.expected:
            pair = (self.random.choice(self.sources), self.random.choice(self.targets))
            added = conn.execute(pg_sql.SQL("INSERT INTO {} (source_id, target_id) VALUES (%s, %s) "
                                            "ON CONFLICT DO NOTHING RETURNING id").format(table), pair).fetchone()
            if added:
                self.expected.add(pair)
        else:
            pair = self.random.choice(sorted(self.expected))
            conn.execute(pg_sql.SQL("DELETE FROM {} WHERE source_id = %s AND target_id = %s").format(table), pair)
            self.expected.discard(pair)
        self.commits.append(time.monotonic())
        self.first_commit.set()


def links(engine, table: str) -> set:
    return set(sql(engine, pg_sql.SQL("SELECT source_id, target_id FROM {}").format(
        pg_sql.Identifier("custom", table))))


@pytest.mark.parametrize("change", ["relation removed", "relation renamed"])
def test_junction_changes_and_their_rollback_keep_every_committed_link(batched, change):
    make_section(batched, "people", [{"handle": "name", "type": "text"}])
    targets = [row["id"] for row in batched.create_entries("people", [{"name": f"p{i}"} for i in range(40)])]
    section = make_section(batched, "teams", [
        {"handle": "title", "type": "text"},
        {"handle": "members", "type": "relation", "field_settings": {"targetSection": "people", "allowMultiple": True}}])
    sid = section["id"]
    sources = [row["id"] for row in batched.create_entries(
        "teams", [{"title": f"t{i}", "members": targets[i % 40:i % 40 + 3]} for i in range(400)])]
    if change == "relation removed":
        batched.remove_field(sid, "members")
        names = [("teams_members", "source_id")]
    else:
        batched.update_field(field_id(batched, sid, "members"), {"handle": "crew"})
        names = [("teams_members", "source_id"), ("teams_crew", "source_id"), ("teams_members", "source_id")]
    migration = batched.plan_migration(sid)
    writer = LinkWriter(batched.url, names, links(batched, "teams_members"), sources, targets)
    writer.start()
    try:
        assert writer.first_commit.wait(30), f"the writer never committed a write: {writer.failures}"
        batched.apply_migration(migration["id"], confirm=True)
        batched.rollback_migration(migration["id"])
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.failures == []
    assert writer.name_index >= 1  # the writer met the migration's change
    assert links(batched, "teams_members") == writer.expected


def test_a_drop_killed_during_the_archive_copy_leaves_no_trigger_and_can_be_retried(batched, monkeypatch):
    sid = populated(batched, "memos", [{"handle": "title", "type": "text"}, {"handle": "body", "type": "text"}],
                    lambda i: {"title": f"t{i}", "body": f"b{i}"})
    before = live_state(batched, sid)
    batched.remove_field(sid, "body")
    migration = batched.plan_migration(sid)
    real = migration_runner.run_alone

    def killed_in_copy(conn, step):
        if step.sql.startswith("CALL"):
            with psycopg.connect(batched.url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        return real(conn, step)

    monkeypatch.setattr(migration_runner, "run_alone", killed_in_copy)
    with pytest.raises(DatabaseFailure):
        batched.apply_migration(migration["id"], confirm=True)
    monkeypatch.setattr(migration_runner, "run_alone", real)
    # The trigger, its function and the archive table are gone; writes go on as before.
    assert live_state(batched, sid) == before
    assert sql(batched, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pc\\_%'")[0][0] == 0
    assert sql(batched, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pc\\_%'")[0][0] == 0
    assert sql(batched, "SELECT count(*) FROM pg_tables WHERE schemaname = 'content_archive'")[0][0] == 0
    batched.create_entry("memos", {"title": "later", "body": "kept"})
    assert batched.apply_migration(migration["id"], confirm=True)["status"] == "applied"
    batched.rollback_migration(migration["id"])
    assert len(values(batched, "memos", "body")) == ROWS + 1 and "kept" in values(batched, "memos", "body").values()
