"""Putting entries back: one entry to a version, and everything one run or import did."""

from __future__ import annotations

import io
import json

import psycopg
import pytest
from history_helpers import apply

from polysynergy_nodes_content.content_engine import transfer
from polysynergy_nodes_content.content_engine.errors import ContentError, InvalidInput, Refused


def versions(engine, entry_id):
    return engine.entry_history("notes", entry_id)["versions"]


def test_restore_after_an_update_is_validated_and_recorded_as_a_new_change(engine, notes):
    entry = engine.create_entry("notes", {"title": "first", "count": 1, "body": "b"})
    engine.update_entry("notes", entry["id"], {"title": "second", "count": 2, "body": None})
    restored = engine.restore_entry("notes", entry["id"], versions(engine, entry["id"])[-1]["version"])
    assert {k: restored[k] for k in ("title", "count", "body")} == {"title": "first", "count": 1, "body": "b"}
    newest = versions(engine, entry["id"])[0]
    assert newest["run_id"] == restored.run_id and newest["op"] == "update"
    assert newest["changes"]["title"] == {"old": "second", "new": "first"}
    # Validated like any write: a version whose title another entry took meanwhile is refused.
    other = engine.create_entry("notes", {"title": "taken"})
    engine.update_entry("notes", other["id"], {"title": "other"})
    engine.update_entry("notes", entry["id"], {"title": "taken"})
    taken = [v for v in versions(engine, entry["id"]) if v["values"].get("title") == "taken"][0]
    engine.update_entry("notes", entry["id"], {"title": "third"})
    engine.update_entry("notes", other["id"], {"title": "taken"})
    with pytest.raises(InvalidInput) as refused:
        engine.restore_entry("notes", entry["id"], taken["version"])
    assert refused.value.field == "title"


def test_restore_after_a_delete_brings_the_entry_back_with_its_id(engine, notes):
    entry = engine.create_entry("notes", {"title": "gone", "count": 5})
    engine.delete_entry("notes", entry["id"])
    deleted = versions(engine, entry["id"])[0]
    assert deleted["op"] == "delete"
    back = engine.restore_entry("notes", entry["id"], deleted["version"])
    assert back["id"] == entry["id"] and back["title"] == "gone" and back["count"] == 5
    assert versions(engine, entry["id"])[0]["op"] == "insert"


def test_restore_after_a_field_rename_puts_the_value_in_the_renamed_field(engine, notes):
    entry = engine.create_entry("notes", {"title": "old title"})
    first = versions(engine, entry["id"])[0]["version"]
    engine.update_entry("notes", entry["id"], {"title": "new title"})
    title = next(f for f in notes["fields"] if f["handle"] == "title")
    engine.update_field(title["id"], {"handle": "headline"})
    apply(engine, "notes")
    restored = engine.restore_entry("notes", entry["id"], first)
    assert restored["headline"] == "old title" and "title" not in restored


def test_undo_of_a_bulk_update_puts_every_entry_back(engine, notes):
    created = engine.create_entries("notes", [{"title": f"t{i}", "count": i} for i in range(30)])
    report = engine.update_entries("notes", {"count": {"_lt": 10}}, {"count": 99, "body": "oops"}, confirm=True)
    preview = engine.undo_run(report.run_id)
    assert preview["entries"] == 10 and preview["conflicts"] == 0 and preview["confirmed"] is False
    assert sum(1 for e in engine.query_entries("notes", limit=100)["entries"] if e["count"] == 99) == 10
    undone = engine.undo_run(report.run_id, confirm=True)
    assert undone["reverted"] == 10
    now = {e["title"]: (e["count"], e["body"]) for e in engine.query_entries("notes", limit=100)["entries"]}
    assert now == {c["title"]: (c["count"], None) for c in created}
    # The undo is a change set of its own, recorded like any write.
    assert engine.run_changes(undone["undo_run_id"])["counts"] == {"update": 10}


def _import(engine, rows) -> dict:
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    return transfer.import_entries(engine, "notes", io.BytesIO(data), fmt="jsonl")


def test_undo_of_an_import_refuses_a_conflict_then_forced_reverts_it(engine, notes):
    kept = engine.create_entry("notes", {"title": "kept"})
    result = _import(engine, [{"title": f"imported {i}", "count": i} for i in range(10_000)])
    assert result["imported"] == 10_000 and engine.run_changes(result["run_id"])["counts"] == {"insert": 10_000}
    one = engine.query_entries("notes", {"title": "imported 7"})["entries"][0]
    with psycopg.connect(engine.url) as conn:  # changed since, by someone else
        conn.execute("UPDATE custom.notes SET count = 700 WHERE id = %s", (one["id"],))
    preview = engine.undo_run(result["run_id"])
    assert preview["conflicts"] == 1
    assert [c["entry_id"] for c in preview["changes"] if c["conflict"]] == [one["id"]]
    with pytest.raises(Refused, match="1 conflict"):
        engine.undo_run(result["run_id"], confirm=True)
    assert engine.query_entries("notes", count="exact")["total_count"] == 10_001  # all-or-nothing: nothing undone
    engine.undo_run(result["run_id"], confirm=True, force=True)
    assert [e["id"] for e in engine.query_entries("notes")["entries"]] == [kept["id"]]


def test_an_undo_that_fails_half_way_changes_nothing(engine, notes):
    first = engine.create_entry("notes", {"title": "a", "count": 1})
    run = engine.with_context(run_id="run-two-steps")
    run.update_entry("notes", first["id"], {"title": "b"})
    run.create_entry("notes", {"title": "c"})
    engine.create_entry("notes", {"title": "a"})  # another entry takes the old title meanwhile
    # Undo deletes "c" (the newest change) and then fails to give the first entry its "a" back.
    with pytest.raises(ContentError):
        engine.undo_run("run-two-steps", confirm=True)
    titles = sorted(e["title"] for e in engine.query_entries("notes")["entries"])
    assert titles == ["a", "b", "c"]
