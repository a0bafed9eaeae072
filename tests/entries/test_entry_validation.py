"""Validation before SQL (field-type rules, required, unknown, read-only system columns)
and database errors translated into the same kind of message, naming the field."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput


def count(raw, table="articles"):
    return raw.execute(f"SELECT count(*) FROM custom.{table}").fetchone()[0]


@pytest.mark.parametrize("field, value, reason", [
    ("title", "x" * 201, "at most 200"),
    ("title", 42, "must be"),
    ("views", "abc", "whole number"),
    ("views", -1, "at least 0"),
    ("views", 1.5, "whole number"),
    ("rating", 6, "at most 5"),
    ("rating", True, "true/false"),
    ("price", "1.234", "decimal places"),
    ("price", "12345678", "digits before the decimal point"),
    ("published", "yes", ""),
    ("publish_date", "2024-13-45", "date"),
    ("published_at", "yesterday", "ISO-8601"),
    ("start_time", "25:00", ""),
    ("status", "deleted", "draft"),
    ("tags", ["news", "nope"], "options"),
    ("tags", ["news", "news"], "repeat"),
    ("tags", ["news", "tech", "sport", "k8s"], "at most 3"),
    ("tags", "news", "list"),
    ("meta", float("nan"), "JSON"),
    ("contact", "not-an-email", ""),
    ("website", "javascript:alert(1)", ""),
    ("slug", "Not A Slug", ""),
    ("phone", "call me", ""),
    ("color", "red", ""),
    ("share", 101, "at most"),
    ("author", "not-a-uuid", "UUID"),
    ("reviewers", "not-a-list", "list"),
])
def test_field_type_rules(engine, sections, raw, field, value, reason):
    data = {"title": "ok", field: value} if field != "title" else {field: value}
    with pytest.raises(InvalidInput) as info:
        engine.create_entry("articles", data)
    message = str(info.value)
    assert message.startswith(f"field '{field}': ")
    assert reason.lower() in message.lower()
    assert info.value.field == field
    assert count(raw) == 0


def test_all_problems_reported_together(engine, sections):
    with pytest.raises(InvalidInput) as info:
        engine.create_entry("articles", {"views": "x", "status": "nope"})
    fields = [e["field"] for e in info.value.errors]
    assert fields == ["title", "views", "status"]
    assert "field 'title': is required" in str(info.value)


@pytest.mark.parametrize("value", [None])
def test_required_field_cannot_be_null(engine, sections, value):
    with pytest.raises(InvalidInput, match="field 'title': is required"):
        engine.create_entry("articles", {"title": value})


def test_required_missing(engine, sections):
    with pytest.raises(InvalidInput, match="field 'title': is required"):
        engine.create_entry("articles", {"views": 1})


def test_unknown_field_rejected(engine, sections, raw):
    with pytest.raises(InvalidInput, match="unknown field 'nope' in section 'articles'") as info:
        engine.create_entry("articles", {"title": "x", "nope": 1})
    assert info.value.field == "nope"
    with pytest.raises(InvalidInput, match="unknown field 'nope'"):
        engine.create_entry("articles", {"title": "x", "nope": 1})  # again, from a warm cache
    assert count(raw) == 0


@pytest.mark.parametrize("column", ["id", "created_at", "updated_at"])
def test_system_columns_are_read_only(engine, sections, column):
    with pytest.raises(InvalidInput, match=f"field '{column}': is a system column and is read-only"):
        engine.create_entry("articles", {"title": "x", column: "2024-01-01T00:00:00Z"})
    entry = engine.create_entry("articles", {"title": "y"})
    with pytest.raises(InvalidInput, match="read-only"):
        engine.update_entry("articles", entry["id"], {column: "2024-01-01T00:00:00Z"})


@pytest.mark.parametrize("data", [[1, 2], "not json", 5, "[1]"])
def test_field_data_must_be_an_object(engine, sections, data):
    with pytest.raises(InvalidInput, match="field_data"):
        engine.create_entry("articles", data)


def test_partial_update_validates_only_given_fields(engine, sections):
    entry = engine.create_entry("articles", {"title": "t"})
    # title is required but not given: fine for an update.
    assert engine.update_entry("articles", entry["id"], {"views": 2})["views"] == 2
    with pytest.raises(InvalidInput, match="field 'views': must be at least 0"):
        engine.update_entry("articles", entry["id"], {"views": -5})
    with pytest.raises(InvalidInput, match="field 'title': is required and cannot be empty"):
        engine.update_entry("articles", entry["id"], {"title": None})
    assert engine.get_entry("articles", entry["id"])["title"] == "t"


def test_unique_violation_names_the_field(engine, sections, raw):
    engine.create_entry("articles", {"title": "same", "slug": "s-1"})
    with pytest.raises(InvalidInput, match="field 'title': this value already exists") as info:
        engine.create_entry("articles", {"title": "same"})
    assert info.value.field == "title"
    other = engine.create_entry("articles", {"title": "other"})
    with pytest.raises(InvalidInput, match="field 'slug': this value already exists"):
        engine.update_entry("articles", other["id"], {"slug": "s-1"})
    assert count(raw) == 2


def test_foreign_key_violation_names_the_field(engine, sections):
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(InvalidInput, match="field 'author': the related entry does not exist in section 'authors'"):
        engine.create_entry("articles", {"title": "x", "author": missing})


def _change_field(database_url, section_id, handle, updates):
    """Change and apply a field from another engine (another worker): our model is stale."""
    other = ContentEngine(database_url)
    field = next(f for f in other.get_section(section_id)["fields"] if f["handle"] == handle)
    other.update_field(field["id"], updates)
    other.apply_migration(other.plan_migration(section_id)["id"], confirm=True)


def test_check_violation_names_the_field(engine, sections, database_url):
    engine.create_entry("articles", {"title": "warm"})
    _change_field(database_url, sections["articles"]["id"], "views", {"field_settings": {"min": 10}})
    # The cached model still allows 5; the CHECK constraint in the database does not.
    with pytest.raises(InvalidInput, match="field 'views': the value breaks the field's range rule") as info:
        engine.create_entry("articles", {"title": "t", "views": 5})
    assert info.value.field == "views"


def test_not_null_violation_names_the_field(engine, sections, database_url):
    engine.create_entry("articles", {"title": "warm", "body": "b"})
    _change_field(database_url, sections["articles"]["id"], "body", {"is_required": True})
    with pytest.raises(InvalidInput, match="field 'body': is required"):
        engine.create_entry("articles", {"title": "t"})


def test_default_values_fill_missing_fields(engine, sections):
    section = engine.create_section("tasks", "Tasks")
    engine.add_field(section["id"], "name", "Name", "text", is_required=True)
    engine.add_field(section["id"], "state", "State", "select", {"options": ["open", "done"]},
                     is_required=True, default_value="open")
    engine.add_field(section["id"], "points", "Points", "integer", default_value=3)
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    entry = engine.create_entry("tasks", {"name": "a"})
    assert entry["state"] == "open" and entry["points"] == 3
    batch = engine.create_entries("tasks", [{"name": "b"}, {"name": "c", "points": 5}])
    assert [(e["state"], e["points"]) for e in batch] == [("open", 3), ("open", 5)]
    stored = {e["name"]: (e["state"], e["points"]) for e in engine.query_entries("tasks")["entries"]}
    assert stored == {"a": ("open", 3), "b": ("open", 3), "c": ("open", 5)}
