"""Create, get, update and delete entries by section handle; clear errors for unknown
sections and sections whose table is missing or behind their configuration."""

from __future__ import annotations

import json
import uuid

import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound, PendingMigration


FULL = {
    "title": "Hello", "body": "Some text\nwith lines", "views": 3, "rating": 4.5, "price": "12.50",
    "published": True, "publish_date": "2024-01-02", "published_at": "2024-01-02T10:00:00+02:00",
    "start_time": "10:30", "status": "draft", "tags": ["news", "tech"], "meta": {"a": [1, 2], "b": None},
    "contact": "x@example.com", "website": "https://example.com/a?b=c", "slug": "hello-world",
    "phone": "+31 6 1234 5678", "color": "#aabbcc", "cost": "9.99", "share": 12.5,
}


def test_create_returns_json_safe_entry_with_system_columns(engine, sections, authors):
    entry = engine.create_entry("articles", {**FULL, "author": authors["Ada"]})
    json.dumps(entry)  # JSON-safe
    uuid.UUID(entry["id"])
    assert entry["created_at"] and entry["updated_at"]
    assert entry["title"] == "Hello"
    assert entry["views"] == 3 and entry["rating"] == 4.5
    assert entry["price"] == "12.50" and entry["cost"] == "9.99"
    assert entry["published"] is True
    assert entry["publish_date"] == "2024-01-02"
    assert entry["published_at"] == "2024-01-02T08:00:00+00:00"
    assert entry["start_time"] == "10:30:00"
    assert entry["tags"] == ["news", "tech"]
    assert entry["meta"] == {"a": [1, 2], "b": None}
    assert entry["author"] == authors["Ada"]
    assert entry["reviewers"] == []
    # The returned entry is what get returns.
    assert engine.get_entry("articles", entry["id"]) == entry


def test_unset_fields_are_null_and_listed(engine, sections):
    entry = engine.create_entry("articles", {"title": "Only a title"})
    fields = {f["handle"] for f in sections["articles"]["fields"]}
    assert fields | {"id", "created_at", "updated_at"} == set(entry)
    assert entry["body"] is None and entry["views"] is None and entry["reviewers"] == []


def test_field_data_as_json_string(engine, sections):
    entry = engine.create_entry("articles", json.dumps({"title": "From JSON", "views": 7}))
    assert entry["views"] == 7


def test_get_unknown_and_invalid_ids(engine, sections):
    with pytest.raises(NotFound, match="does not exist in section 'articles'"):
        engine.get_entry("articles", str(uuid.uuid4()))
    with pytest.raises(InvalidInput, match="not a valid UUID"):
        engine.get_entry("articles", "not-a-uuid")


def test_partial_update_changes_only_given_fields(engine, sections, raw):
    entry = engine.create_entry("articles", {**FULL})
    updated = engine.update_entry("articles", entry["id"], {"views": 10, "body": None})
    assert updated["views"] == 10 and updated["body"] is None
    assert {k: v for k, v in updated.items() if k not in ("views", "body", "updated_at")} == {
        k: v for k, v in entry.items() if k not in ("views", "body", "updated_at")}
    assert updated["updated_at"] >= entry["updated_at"]
    assert engine.get_entry("articles", entry["id"]) == updated


def test_update_bumps_updated_at(engine, sections):
    entry = engine.create_entry("articles", {"title": "t"})
    # A new transaction has a later now(); the trigger keeps updated_at current.
    updated = engine.update_entry("articles", entry["id"], {"views": 1})
    assert updated["created_at"] == entry["created_at"]
    assert updated["updated_at"] > entry["updated_at"]


def test_update_with_no_fields_returns_entry(engine, sections):
    entry = engine.create_entry("articles", {"title": "t"})
    assert engine.update_entry("articles", entry["id"], {})["id"] == entry["id"]


def test_update_and_delete_missing_entry(engine, sections):
    missing = str(uuid.uuid4())
    with pytest.raises(NotFound, match=missing):
        engine.update_entry("articles", missing, {"views": 1})
    with pytest.raises(NotFound, match=missing):
        engine.update_entry("articles", missing, {})
    with pytest.raises(NotFound, match=missing):
        engine.delete_entry("articles", missing)


def test_delete(engine, sections, raw):
    entry = engine.create_entry("articles", {"title": "bye"})
    assert engine.delete_entry("articles", entry["id"]) is True
    with pytest.raises(NotFound):
        engine.get_entry("articles", entry["id"])
    assert raw.execute("SELECT count(*) FROM custom.articles").fetchone()[0] == 0


def test_unknown_section(engine, sections):
    for call in (
        lambda: engine.create_entry("nope", {"title": "x"}),
        lambda: engine.create_entries("nope", [{"title": "x"}]),
        lambda: engine.get_entry("nope", str(uuid.uuid4())),
        lambda: engine.update_entry("nope", str(uuid.uuid4()), {}),
        lambda: engine.delete_entry("nope", str(uuid.uuid4())),
        lambda: engine.query_entries("nope"),
    ):
        with pytest.raises(NotFound, match="section 'nope' does not exist"):
            call()


@pytest.mark.parametrize("handle", ["", "   ", None, 42])
def test_section_handle_must_be_a_string(engine, sections, handle):
    with pytest.raises(InvalidInput, match="section_handle"):
        engine.create_entry(handle, {"title": "x"})


def test_section_without_table_says_to_apply_migration(engine):
    engine.create_section("drafts", "Drafts")
    with pytest.raises(PendingMigration, match="apply its migration"):
        engine.create_entry("drafts", {"x": 1})
    with pytest.raises(PendingMigration, match="MigrationApply"):
        engine.query_entries("drafts")


def test_unapplied_field_is_refused_with_what_to_do(engine, sections):
    engine.add_field(sections["articles"]["id"], "subtitle", "Subtitle", "text")
    with pytest.raises(InvalidInput, match="apply the pending migration of section 'articles'") as info:
        engine.create_entry("articles", {"title": "x", "subtitle": "y"})
    assert info.value.field == "subtitle"
    # Writers that do not use the new field keep working meanwhile.
    assert engine.create_entry("articles", {"title": "still works"})["title"] == "still works"
    with pytest.raises(InvalidInput, match="apply the pending migration"):
        engine.query_entries("articles", {"subtitle": "y"})
    with pytest.raises(InvalidInput, match="apply the pending migration"):
        engine.query_entries("articles", None, "subtitle")
    plan = engine.plan_migration(sections["articles"]["id"])
    engine.apply_migration(plan["id"], confirm=True)
    assert engine.create_entry("articles", {"title": "x", "subtitle": "y"})["subtitle"] == "y"


def test_field_applied_by_another_process_is_picked_up(engine, sections, database_url):
    engine.create_entry("articles", {"title": "warm the cache"})
    other = ContentEngine(database_url)  # its own model cache, like another worker
    other.add_field(sections["articles"]["id"], "summary", "Summary", "text")
    other.apply_migration(other.plan_migration(sections["articles"]["id"])["id"], confirm=True)
    # The first engine's cached model is stale; it reloads instead of refusing.
    assert engine.create_entry("articles", {"title": "new", "summary": "s"})["summary"] == "s"
    assert engine.query_entries("articles", {"summary": "s"})["total_count"] == 1


def test_renamed_field_by_another_process(engine, sections, database_url):
    engine.create_entry("articles", {"title": "a", "body": "b"})
    other = ContentEngine(database_url)
    body = next(f for f in sections["articles"]["fields"] if f["handle"] == "body")
    other.update_field(body["id"], {"handle": "content"})
    other.apply_migration(other.plan_migration(sections["articles"]["id"])["id"], confirm=True)
    # Old name: the reload shows it is gone; new name works.
    with pytest.raises(InvalidInput, match="unknown field 'body'"):
        engine.create_entry("articles", {"title": "b", "body": "x"})
    assert engine.create_entry("articles", {"title": "c", "content": "x"})["content"] == "x"
    assert engine.query_entries("articles", {"content": "b"})["total_count"] == 1


def test_section_with_every_type_round_trips_through_query(engine, sections, authors):
    created = engine.create_entry("articles", {**FULL, "author": authors["Grace"],
                                               "reviewers": [authors["Linus"], authors["Ada"]]})
    found = engine.query_entries("articles", {"id": created["id"]})
    assert found["total_count"] == 1
    assert found["entries"][0] == created
    json.dumps(found)
