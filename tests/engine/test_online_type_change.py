"""A type change on a populated table runs online: writers keep going, nothing is lost."""

from __future__ import annotations

import decimal
import threading
import time

import psycopg
import pytest
from engine_helpers import live_state, make_section, rows, sql

from polysynergy_nodes_content.content_engine.errors import DatabaseFailure, InvalidInput
from polysynergy_nodes_content.content_engine.migrations.gate import PrecheckFailed


def field_id(engine, sid, handle):
    return next(f["id"] for f in engine.get_section(sid)["fields"] if f["handle"] == handle)


def test_online_type_change_keeps_writers_going_and_every_value(engine):
    section = make_section(engine, "ledger", [
        {"handle": "amount", "type": "integer", "field_settings": {"min": 0}, "is_required": True, "is_unique": True},
        {"handle": "note", "type": "text"},
    ])
    engine.create_entries("ledger", [{"amount": i, "note": f"n{i}"} for i in range(12_000)])
    sid = section["id"]
    before = live_state(engine, sid)
    before_rows = rows(engine, "ledger")
    engine.update_field(field_id(engine, sid, "amount"), {"field_type_handle": "decimal",
                                                         "field_settings": {"precision": 14, "scale": 2, "min": 0}})
    migration = engine.plan_migration(sid)
    script = migration["sql"]
    assert "online" in script and "CREATE OR REPLACE TRIGGER" in script and "CALL" in script and "content_backfill" in script
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS" in script
    assert "ALTER COLUMN \"amount\" TYPE" not in script  # no rewrite under lock

    stop, writing, written, failures = threading.Event(), threading.Event(), [], []

    def writer():
        with psycopg.connect(engine.url, autocommit=True) as conn:
            n = 1_000_000
            while not stop.is_set():
                try:
                    conn.execute("INSERT INTO custom.ledger (amount, note) VALUES (%s, 'live')", (n,))
                    written.append(n)
                    writing.set()
                except psycopg.Error as exc:  # pragma: no cover - reported by the assertion below
                    failures.append(str(exc))
                n += 1
                time.sleep(0.002)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(30), "the writer never wrote"  # the apply starts with writes going on
        engine.apply_migration(migration["id"])
    finally:
        stop.set()
        thread.join()
    assert failures == [] and written
    after_rows = rows(engine, "ledger")
    after = {r["note"]: r["amount"] for r in after_rows if r["note"] != "live"}
    assert after == {r["note"]: decimal.Decimal(r["amount"]) for r in before_rows}
    # Rows written while the new column was being filled were converted too, none lost.
    assert sorted(r["amount"] for r in after_rows if r["note"] == "live") == [decimal.Decimal(n) for n in written]
    types = dict(sql(engine, "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns c "
                             "JOIN pg_attribute a ON a.attrelid = 'custom.ledger'::regclass AND a.attname = c.column_name "
                             "WHERE table_schema = 'custom' AND table_name = 'ledger'"))
    assert types["amount"] == "numeric(14,2)"
    assert sql(engine, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pc\\_%'")[0][0] == 0
    # The field's rules hold on the new column: unique, required, the minimum.
    with pytest.raises(InvalidInput, match="already exists"):
        engine.create_entry("ledger", {"amount": "5.00"})
    with pytest.raises(psycopg.errors.NotNullViolation):
        sql(engine, "INSERT INTO custom.ledger (note) VALUES ('no amount')")
    with pytest.raises(psycopg.errors.CheckViolation):
        sql(engine, "INSERT INTO custom.ledger (amount) VALUES (-1)")

    sql(engine, "DELETE FROM custom.ledger WHERE note = 'live'")
    engine.rollback_migration(migration["id"])
    assert live_state(engine, sid) == before
    assert rows(engine, "ledger") == before_rows


def test_online_type_change_that_fails_midway_leaves_the_table_as_it_was(engine):
    section = make_section(engine, "codes", [{"handle": "code", "type": "text"}])
    engine.create_entries("codes", [{"code": str(i)} for i in range(8_000)])
    sid = section["id"]
    engine.update_field(field_id(engine, sid, "code"), {"field_type_handle": "integer"})
    migration = engine.plan_migration(sid)
    assert "online" in migration["sql"]
    sql(engine, "UPDATE custom.codes SET code = 'seven' WHERE code = '7000'")  # breaks the conversion late
    before = live_state(engine, sid)
    with pytest.raises(PrecheckFailed, match="nothing was changed"):  # the pre-check, run again up front
        engine.apply_migration(migration["id"])
    assert live_state(engine, sid) == before
    assert sql(engine, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pc\\_%'")[0][0] == 0
    assert sql(engine, "SELECT count(*) FROM custom.codes")[0][0] == 8_000


def test_apply_killed_during_the_backfill_removes_the_sync_trigger(engine, monkeypatch):
    from polysynergy_nodes_content.content_engine.migrations import runner as migrations_module

    section = make_section(engine, "tallies", [{"handle": "n", "type": "integer"}])
    engine.create_entries("tallies", [{"n": i} for i in range(6_000)])
    sid = section["id"]
    engine.update_field(field_id(engine, sid, "n"), {"field_type_handle": "number"})
    migration = engine.plan_migration(sid)
    before = live_state(engine, sid)
    real = migrations_module.run_alone

    def killed_first(conn, step):
        if step.sql.startswith("CALL"):  # the backfill
            with psycopg.connect(engine.url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        return real(conn, step)

    monkeypatch.setattr(migrations_module, "run_alone", killed_first)
    with pytest.raises(DatabaseFailure):
        engine.apply_migration(migration["id"])
    monkeypatch.setattr(migrations_module, "run_alone", real)
    # The trigger, its function and the half-filled column are gone: writers are unaffected.
    assert live_state(engine, sid) == before
    assert sql(engine, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pc\\_%'")[0][0] == 0
    engine.create_entry("tallies", {"n": 7})
    # And a retry of the same migration works.
    assert engine.apply_migration(migration["id"])["status"] == "applied"
    assert sorted(r["n"] for r in rows(engine, "tallies"))[:2] == [0.0, 1.0]


def test_rollback_of_a_section_rename_with_an_online_type_change_restores_the_index_on_the_table(engine):
    # json -> text drops the GIN index with the old column; rolling back re-creates it while
    # the table still has its new name (the rename is undone after it).
    section = make_section(engine, "docs", [{"handle": "meta", "type": "json"}])
    engine.create_entries("docs", [{"meta": {"n": i}} for i in range(3_000)])
    sid = section["id"]
    before = live_state(engine, sid)
    assert any("USING gin" in index["definition"] for index in before["table"]["indexes"].values())
    engine.update_field(field_id(engine, sid, "meta"), {"field_type_handle": "text"})
    engine.update_section(sid, {"handle": "papers"})
    migration = engine.plan_migration(sid)
    assert "content_backfill" in migration["sql"] and "RENAME TO \"papers\"" in migration["sql"]
    engine.apply_migration(migration["id"], confirm=True)
    engine.rollback_migration(migration["id"])
    assert live_state(engine, sid) == before
