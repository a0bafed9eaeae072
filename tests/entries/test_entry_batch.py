"""Batch create: all-or-nothing, COPY, and errors that name the failing item."""

from __future__ import annotations

import json

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput

MISSING = "00000000-0000-4000-8000-00000000dead"


def count(raw, table="articles"):
    return raw.execute(f"SELECT count(*) FROM custom.{table}").fetchone()[0]


def test_batch_creates_all_and_returns_entries(engine, sections, authors, raw):
    items = [{"title": f"t{i}", "views": i, "author": authors["Ada"], "tags": ["news"],
              "reviewers": [authors["Linus"], authors["Grace"]] if i % 2 else []} for i in range(200)]
    created = engine.create_entries("articles", items)
    assert len(created) == 200 and count(raw) == 200
    json.dumps(created)
    assert [e["title"] for e in created] == [f"t{i}" for i in range(200)]
    # What the batch returns is what a read returns.
    for entry in (created[0], created[1], created[199]):
        assert engine.get_entry("articles", entry["id"]) == entry
    assert created[1]["reviewers"] == [authors["Linus"], authors["Grace"]]
    assert raw.execute("SELECT count(*) FROM custom.articles_reviewers").fetchone()[0] == 200


def test_batch_as_json_string_and_empty(engine, sections):
    assert engine.create_entries("articles", "[]") == []
    assert engine.create_entries("articles", []) == []
    assert len(engine.create_entries("articles", json.dumps([{"title": "a"}, {"title": "b"}]))) == 2


@pytest.mark.parametrize("items", [{"title": "x"}, "not json", 5])
def test_batch_must_be_a_list(engine, sections, items):
    with pytest.raises(InvalidInput, match="list|not valid JSON"):
        engine.create_entries("articles", items)


@pytest.mark.parametrize("bad, message, field", [
    ({"title": "x", "views": "many"}, "field 'views': must be a whole number", "views"),
    ({"views": 1}, "field 'title': is required", "title"),
    ({"title": "x", "nope": 1}, "unknown field 'nope'", "nope"),
    ({"title": "x", "id": MISSING}, "field 'id': is a system column", "id"),
    ("not an object", "field_data", "field_data"),
])
def test_validation_error_names_the_item(engine, sections, raw, bad, message, field):
    items = [{"title": "ok 0"}, {"title": "ok 1"}, {"title": "ok 2"}, bad, {"title": "ok 4"}]
    with pytest.raises(InvalidInput, match=f"item 3: .*{message}") as info:
        engine.create_entries("articles", items)
    assert info.value.index == 3
    assert info.value.field == field
    assert count(raw) == 0


def test_unique_violation_inside_batch_names_the_item(engine, sections, raw):
    items = [{"title": "a"}, {"title": "b"}, {"title": "a"}]
    with pytest.raises(InvalidInput, match="item 2: field 'title': this value already exists") as info:
        engine.create_entries("articles", items)
    assert info.value.index == 2
    assert count(raw) == 0


def test_unique_violation_against_stored_entry(engine, sections, raw):
    engine.create_entry("articles", {"title": "taken"})
    with pytest.raises(InvalidInput, match="item 1: field 'title'") as info:
        engine.create_entries("articles", [{"title": "free"}, {"title": "taken"}])
    assert info.value.index == 1
    assert count(raw) == 1


def test_foreign_key_violation_names_the_item(engine, sections, authors, raw):
    items = [{"title": "a", "author": authors["Ada"]}, {"title": "b", "author": MISSING}]
    with pytest.raises(InvalidInput, match="item 1: field 'author': the related entry does not exist") as info:
        engine.create_entries("articles", items)
    assert info.value.index == 1
    items = [{"title": "a", "reviewers": [authors["Ada"]]}, {"title": "b"},
             {"title": "c", "reviewers": [authors["Grace"], MISSING]}]
    with pytest.raises(InvalidInput, match="item 2: field 'reviewers': the related entry does not exist"):
        engine.create_entries("articles", items)
    assert count(raw) == 0
    assert raw.execute("SELECT count(*) FROM custom.articles_reviewers").fetchone()[0] == 0


def test_max_items_in_batch(engine, sections, authors):
    too_many = [*authors.values(), MISSING]
    with pytest.raises(InvalidInput, match="item 1: field 'reviewers': must link at most 3"):
        engine.create_entries("articles", [{"title": "a"}, {"title": "b", "reviewers": too_many}])


def test_batch_of_ten_thousand_is_one_transaction(engine, sections, raw):
    items = [{"title": f"row {i}", "views": i} for i in range(10_000)]
    items[9_999] = {"title": "row 0"}  # duplicate at the very end
    with pytest.raises(InvalidInput, match="item 9999"):
        engine.create_entries("articles", items)
    assert count(raw) == 0
    items[9_999] = {"title": "last"}
    ids = engine.entries.create_many("articles", items, return_entries=False)
    assert len(ids) == 10_000 and count(raw) == 10_000


def test_batch_limit(engine, sections, monkeypatch):
    from polysynergy_nodes_content.content_engine.entries import service as entries

    monkeypatch.setattr(entries, "MAX_BATCH", 3)
    with pytest.raises(InvalidInput, match="at most 3 entries"):
        engine.create_entries("articles", [{"title": str(i)} for i in range(4)])


def test_batch_values_match_single_create(engine, sections, authors):
    from test_entry_crud import FULL

    single = engine.create_entry("articles", {**FULL, "author": authors["Ada"], "reviewers": [authors["Grace"]]})
    batch = engine.create_entries("articles", [{**FULL, "title": "other", "slug": "other",
                                                "author": authors["Ada"], "reviewers": [authors["Grace"]]}])[0]
    strip = ("id", "title", "slug", "created_at", "updated_at")
    assert {k: v for k, v in batch.items() if k not in strip} == {k: v for k, v in single.items() if k not in strip}
    assert engine.get_entry("articles", batch["id"]) == batch
