"""The database records every write of a section's table, whoever makes it, with its context."""

from __future__ import annotations

import psycopg
from history_helpers import apply, history_rows


def test_direct_sql_writes_are_recorded_with_source_sql(engine, notes):
    with psycopg.connect(engine.url) as conn:
        entry_id = conn.execute("INSERT INTO custom.notes (title, count) VALUES ('raw', 1) RETURNING id::text").fetchone()[0]
        conn.execute("UPDATE custom.notes SET count = 2 WHERE id = %s", (entry_id,))
        conn.execute("DELETE FROM custom.notes WHERE id = %s", (entry_id,))
    rows = history_rows(engine, "entry_id = %s", (entry_id,))
    assert [r["op"] for r in rows] == ["insert", "update", "delete"]
    assert all(r["context"] == {"source": "sql"} and r["run_id"] is None for r in rows)
    assert [r["data"]["count"] for r in rows] == [1, 2, 2]  # a delete keeps the values it removed
    assert len({r["txid"] for r in rows}) == 1  # one SQL transaction: its changes can be grouped


def test_engine_writes_record_their_context_and_return_their_run_id(engine, notes):
    node = engine.with_context(source="node", actor="ada", run_id="run-42", node_id="node-7")
    created = node.create_entry("notes", {"title": "one"})
    assert created.run_id == "run-42" and created == engine.get_entry("notes", created["id"])
    mine = engine.create_entry("notes", {"title": "two"})
    assert mine.run_id and mine.run_id != "run-42"
    rows = history_rows(engine)
    assert rows[0]["run_id"] == "run-42"
    assert rows[0]["context"] == {"source": "node", "actor": "ada", "node_id": "node-7"}
    assert rows[1]["run_id"] == mine.run_id and rows[1]["context"] == {"source": "library"}
    engine.delete_entry("notes", mine["id"])
    assert history_rows(engine)[-1]["run_id"] == engine.last_run_id()


def test_one_bulk_update_is_one_change_set(engine, notes):
    engine.create_entries("notes", [{"title": f"t{i}", "count": i} for i in range(20)])
    report = engine.update_entries("notes", {"count": {"_lt": 5}}, {"body": "bulk"}, confirm=True)
    changed = engine.run_changes(report.run_id)
    assert changed["counts"] == {"update": 5}
    assert {c["context"]["bulk_id"] for c in changed["changes"]} == {report.run_id}


def test_the_create_migration_switches_history_on_and_a_setting_switches_it_off(engine, notes):
    created = engine.list_migrations(notes["id"])[-1]
    kinds = [op["kind"] for op in created["operations"]]
    assert "enable_history" in kinds and "CREATE TRIGGER \"content_history_u_" in created["sql"]
    engine.update_section("notes", {"history": False})
    off = engine.plan_migration("notes")
    assert [op["kind"] for op in off["operations"] if "history" in op["kind"]] == ["disable_history"]
    engine.apply_migration(off["id"], confirm=True)
    engine.create_entry("notes", {"title": "unrecorded"})
    assert history_rows(engine) == []
    engine.rollback_migration(off["id"])  # the triggers come back with the rollback
    engine.create_entry("notes", {"title": "recorded"})
    assert [r["data"]["title"] for r in history_rows(engine)] == ["recorded"]


def test_a_renamed_field_keeps_its_history_readable(engine, notes):
    entry = engine.create_entry("notes", {"title": "before", "count": 1})
    title = next(f for f in notes["fields"] if f["handle"] == "title")
    engine.update_field(title["id"], {"handle": "headline"})
    plan = apply(engine, "notes")
    assert "refresh_history" in [op["kind"] for op in plan["operations"]]
    engine.update_entry("notes", entry["id"], {"headline": "after"})
    versions = engine.entry_history("notes", entry["id"])["versions"]
    assert versions[0]["changes"] == {"headline": {"old": "before", "new": "after"}}
    assert versions[1]["values"] == {"headline": "before", "count": 1}


def test_a_dropped_field_stays_in_history_under_its_last_handle(engine, notes):
    entry = engine.create_entry("notes", {"title": "x", "body": "kept in history"})
    engine.remove_field("notes", "body")
    apply(engine, "notes")
    assert engine.entry_history("notes", entry["id"])["versions"][0]["values"]["body"] == "kept in history"


def test_an_entry_written_before_history_started_gets_its_old_values_on_its_first_update(engine, notes):
    engine.update_section("notes", {"history": False})
    apply(engine, "notes")
    old = engine.create_entry("notes", {"title": "old", "count": 3})
    engine.update_section("notes", {"history": True})
    apply(engine, "notes")
    engine.update_entry("notes", old["id"], {"count": 4})
    versions = engine.entry_history("notes", old["id"])["versions"]
    assert [v["op"] for v in versions] == ["update"]
    assert versions[0]["changes"] == {"count": {"old": 3, "new": 4}}


def test_get_entry_as_of_a_time(engine, notes):
    entry = engine.create_entry("notes", {"title": "v1"})
    first = engine.entry_history("notes", entry["id"])["versions"][0]["changed_at"]
    engine.update_entry("notes", entry["id"], {"title": "v2"})
    assert engine.get_entry("notes", entry["id"], as_of=first)["title"] == "v1"
    assert engine.get_entry("notes", entry["id"])["title"] == "v2"


def test_history_stays_when_the_section_is_removed_and_records_again_after_the_rollback(engine, notes):
    entry = engine.create_entry("notes", {"title": "kept"})
    removal = engine.delete_section("notes")
    engine.apply_migration(removal["migration"]["id"], confirm=True)  # the table goes to the archive
    assert [r["op"] for r in history_rows(engine, "entry_id = %s", (entry["id"],))] == ["insert"]
    engine.rollback_migration(removal["migration"]["id"])
    engine.update_entry("notes", entry["id"], {"title": "back"})
    versions = engine.entry_history("notes", entry["id"])["versions"]
    assert [v["changes"] for v in versions][0] == {"title": {"old": "kept", "new": "back"}}


def test_fields_named_like_the_capture_functions_names_are_recorded(engine):
    """The capture's own names (its row alias, its variables) never collide with a field's
    column: handles start with a letter, the capture's names with an underscore."""
    names = ["r", "section", "map", "run", "ctx", "raw", "claims", "s", "new_rows", "old_rows"]
    section = engine.create_section("odd", "Odd names")
    for handle in names:
        engine.add_field(section["id"], handle, None, "text")
    apply(engine, section["id"])
    entry = engine.create_entry("odd", {handle: f"{handle}1" for handle in names})
    engine.update_entry("odd", entry["id"], {"r": "r2", "section": "section2"})
    versions = engine.entry_history("odd", entry["id"])["versions"]
    assert [v["op"] for v in versions] == ["update", "insert"]
    assert versions[0]["changes"] == {"r": {"old": "r1", "new": "r2"}, "section": {"old": "section1", "new": "section2"}}
    engine.delete_entry("odd", entry["id"])
    assert engine.entry_history("odd", entry["id"])["versions"][0]["op"] == "delete"
