"""Apply and rollback refuse what is unsafe and leave nothing half-done."""

from __future__ import annotations

import threading

import psycopg
import pytest
from engine_helpers import live_state, make_section, rows, sql

from polysynergy_nodes_content.content_engine.errors import (
    DatabaseFailure,
    NeedsConfirmation,
    Refused,
    StaleMigration,
)
from polysynergy_nodes_content.content_engine.migrations.gate import PrecheckFailed


def fields_of(engine, sid):
    return {f["handle"]: f for f in engine.get_section(sid)["fields"]}


def migration_row(engine, mid):
    return sql(engine, "SELECT status, error_message FROM section_migrations WHERE id = %s", (mid,))[0]


def test_failure_inside_the_transaction_changes_nothing(engine):
    section = make_section(engine, "people", [{"handle": "name", "type": "text"}, {"handle": "nick", "type": "text"}],
                           [{"name": "a", "nick": None}, {"name": "b", "nick": "bee"}])
    sid = section["id"]
    before = live_state(engine, sid)
    before_rows = rows(engine, "people")
    # Two changes in one migration: a harmless rename and a SET NOT NULL that the NULL row breaks.
    engine.update_field(fields_of(engine, sid)["name"]["id"], {"handle": "full_name"})
    engine.update_field(fields_of(engine, sid)["nick"]["id"], {"is_required": True})
    config_before_apply = fields_of(engine, sid)
    migration = engine.plan_migration(sid)
    assert "PRE-CHECK: rows where nick is NULL: 1 row(s)" in migration["sql"]
    assert "[adding-not-nullable-field]" in migration["sql"]
    with pytest.raises(PrecheckFailed) as failure:
        engine.apply_migration(migration["id"])
    assert "nothing was changed" in str(failure.value)
    assert live_state(engine, sid) == before
    assert rows(engine, "people") == before_rows
    assert fields_of(engine, sid) == config_before_apply
    status, error = migration_row(engine, migration["id"])
    assert status == "failed" and "nn_" in error
    assert engine.get_section(sid)["migration_status"] == "failed"

    # Fix the data, and the same migration can be retried.
    sql(engine, "UPDATE custom.people SET nick = 'ay' WHERE nick IS NULL")
    assert engine.apply_migration(migration["id"])["status"] == "applied"
    assert sorted(r["full_name"] for r in rows(engine, "people")) == ["a", "b"]


def test_failed_concurrent_index_build_is_cleaned_up(engine):
    section = make_section(engine, "tags", [{"handle": "label", "type": "text"}],
                           [{"label": "x"}, {"label": "x"}, {"label": "y"}])
    sid = section["id"]
    before = live_state(engine, sid)
    engine.update_field(fields_of(engine, sid)["label"]["id"], {"is_unique": True})
    migration = engine.plan_migration(sid)
    assert "CREATE UNIQUE INDEX CONCURRENTLY" in migration["sql"]
    assert "PRE-CHECK: duplicate values in label: 1 row(s)" in migration["sql"]
    with pytest.raises(PrecheckFailed):
        engine.apply_migration(migration["id"])
    assert live_state(engine, sid) == before  # no invalid index left behind
    invalid = sql(engine, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")
    assert invalid[0][0] == 0


def test_destructive_migration_needs_confirmation(engine):
    section = make_section(engine, "docs", [{"handle": "a", "type": "text"}, {"handle": "b", "type": "text"}], [{"a": "1"}])
    engine.remove_field(section["id"], "b")
    migration = engine.plan_migration(section["id"])
    with pytest.raises(NeedsConfirmation) as refused:
        engine.apply_migration(migration["id"])
    assert "confirm=True" in str(refused.value) and "drop column b" in str(refused.value)
    assert "b" in rows(engine, "docs")[0]
    assert engine.apply_migration(migration["id"], confirm=True)["status"] == "applied"


def test_stale_plan_is_refused_when_table_changed_out_of_band(engine):
    section = make_section(engine, "items", [{"handle": "name", "type": "text"}])
    engine.add_field(section["id"], "price", "Price", "decimal")
    migration = engine.plan_migration(section["id"])
    sql(engine, "ALTER TABLE custom.items ADD COLUMN sneaky text")
    with pytest.raises(StaleMigration) as stale:
        engine.apply_migration(migration["id"])
    assert "regenerate" in str(stale.value)
    assert "price" not in rows_columns(engine, "items")


def rows_columns(engine, table):
    return {r[0] for r in sql(engine, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'custom' "
                                      "AND table_name = %s", (table,))}


def test_superseded_plan_is_refused(engine):
    section = make_section(engine, "items", [{"handle": "name", "type": "text"}])
    engine.add_field(section["id"], "a", "A", "text")
    first = engine.plan_migration(section["id"])
    second = engine.plan_migration(section["id"])
    with pytest.raises(StaleMigration, match="superseded"):
        engine.apply_migration(first["id"])
    assert engine.apply_migration(second["id"])["status"] == "applied"


def test_plan_refused_after_configuration_changed(engine):
    section = make_section(engine, "items", [{"handle": "name", "type": "text"}])
    engine.add_field(section["id"], "a", "A", "text")
    migration = engine.plan_migration(section["id"])
    engine.add_field(section["id"], "b", "B", "text")
    with pytest.raises(StaleMigration, match="configuration"):
        engine.apply_migration(migration["id"])


def test_two_concurrent_applies_apply_exactly_once(engine):
    section = engine.create_section("race", "Race")
    engine.add_field(section["id"], "name", "Name", "text")
    migration = engine.plan_migration(section["id"])
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            results.append(engine.apply_migration(migration["id"]))
        except Refused as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1 and len(errors) == 1
    assert "already applied" in str(errors[0])
    assert sql(engine, "SELECT count(*) FROM section_migrations WHERE status = 'applied'")[0][0] == 1


def test_only_latest_applied_migration_rolls_back(engine):
    section = make_section(engine, "log", [{"handle": "a", "type": "text"}])
    engine.add_field(section["id"], "b", "B", "text")
    first = engine.plan_migration(section["id"])
    engine.apply_migration(first["id"])
    engine.add_field(section["id"], "c", "C", "text")
    second = engine.plan_migration(section["id"])
    engine.apply_migration(second["id"])
    with pytest.raises(Refused, match="latest applied migration"):
        engine.rollback_migration(first["id"])
    engine.rollback_migration(second["id"])
    engine.rollback_migration(first["id"])
    assert set(rows_columns(engine, "log")) == {"id", "a", "created_at", "updated_at"}
    with pytest.raises(Refused, match="only an applied migration"):
        engine.rollback_migration(first["id"])


def test_rollback_refused_when_table_changed_since_apply(engine):
    section = make_section(engine, "log", [{"handle": "a", "type": "text"}])
    engine.add_field(section["id"], "b", "B", "text")
    migration = engine.plan_migration(section["id"])
    engine.apply_migration(migration["id"])
    sql(engine, "CREATE INDEX manual_idx ON custom.log (b)")
    with pytest.raises(StaleMigration):
        engine.rollback_migration(migration["id"])


def test_lock_timeout_is_reported_and_a_retry_works(engine):
    engine.settings = engine.settings.with_changes(lock_timeout_ms=200, lock_retries=1)
    engine.migrations.settings = engine.settings
    section = make_section(engine, "busy", [{"handle": "a", "type": "text"}], [{"a": "x"}])
    engine.add_field(section["id"], "b", "B", "text")
    migration = engine.plan_migration(section["id"])
    before = live_state(engine, section["id"])
    holder = psycopg.connect(engine.url)
    holder.execute("LOCK TABLE custom.busy IN ACCESS SHARE MODE")  # a long reader
    try:
        with pytest.raises(DatabaseFailure, match="lock timeout"):
            engine.apply_migration(migration["id"])
        assert live_state(engine, section["id"]) == before
    finally:
        holder.rollback()
        holder.close()
    assert engine.apply_migration(migration["id"])["status"] == "applied"


def test_nothing_to_do_gives_no_migration(engine):
    section = make_section(engine, "calm", [{"handle": "a", "type": "text"}])
    fid = engine.get_section(section["id"])["fields"][0]["id"]
    engine.update_field(fid, {"label": "A new label", "help_text": "Shown under the input"})
    plan = engine.plan_migration(section["id"])
    assert plan["id"] is None and plan["operations"] == []
    assert engine.get_section(section["id"])["migration_status"] == "migrated"
