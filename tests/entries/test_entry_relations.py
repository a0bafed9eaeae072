"""Single relations (a UUID foreign key) and multiple relations (a junction table,
written in the same transaction, in order, with maxItems)."""

from __future__ import annotations

import uuid

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput

MISSING = "00000000-0000-4000-8000-00000000dead"


def links(raw, entry_id):
    return [str(r[0]) for r in raw.execute(
        "SELECT target_id FROM custom.articles_reviewers WHERE source_id = %s ORDER BY sort_order", (entry_id,))]


def test_single_relation_takes_a_uuid_string(engine, sections, authors):
    entry = engine.create_entry("articles", {"title": "a", "author": authors["Ada"]})
    assert entry["author"] == authors["Ada"]
    upper = engine.create_entry("articles", {"title": "b", "author": authors["Ada"].upper()})
    assert upper["author"] == authors["Ada"]


@pytest.mark.parametrize("value", ["nope", 42, [str(uuid.uuid4())], {"id": "x"}])
def test_single_relation_rejects_non_uuids(engine, sections, value):
    with pytest.raises(InvalidInput, match="field 'author': .*UUID"):
        engine.create_entry("articles", {"title": "a", "author": value})


def test_single_relation_missing_target(engine, sections, raw):
    with pytest.raises(InvalidInput, match="field 'author': the related entry does not exist in section 'authors'"):
        engine.create_entry("articles", {"title": "a", "author": MISSING})
    assert raw.execute("SELECT count(*) FROM custom.articles").fetchone()[0] == 0


def test_single_relation_cleared_when_target_deleted(engine, sections, authors):
    entry = engine.create_entry("articles", {"title": "a", "author": authors["Ada"]})
    engine.delete_entry("authors", authors["Ada"])
    assert engine.get_entry("articles", entry["id"])["author"] is None


def test_multiple_relation_in_order(engine, sections, authors, raw):
    order = [authors["Linus"], authors["Ada"], authors["Grace"]]
    entry = engine.create_entry("articles", {"title": "a", "reviewers": order})
    assert entry["reviewers"] == order
    assert links(raw, entry["id"]) == order
    assert engine.get_entry("articles", entry["id"])["reviewers"] == order
    assert engine.query_entries("articles")["entries"][0]["reviewers"] == order


def test_multiple_relation_update_replaces_in_order(engine, sections, authors, raw):
    entry = engine.create_entry("articles", {"title": "a", "reviewers": [authors["Ada"], authors["Grace"]]})
    updated = engine.update_entry("articles", entry["id"], {"reviewers": [authors["Grace"], authors["Linus"]]})
    assert updated["reviewers"] == [authors["Grace"], authors["Linus"]]
    assert links(raw, entry["id"]) == [authors["Grace"], authors["Linus"]]
    # Updating other fields leaves the links alone; [] and null clear them.
    assert engine.update_entry("articles", entry["id"], {"views": 1})["reviewers"] == [authors["Grace"], authors["Linus"]]
    assert engine.update_entry("articles", entry["id"], {"reviewers": []})["reviewers"] == []
    engine.update_entry("articles", entry["id"], {"reviewers": [authors["Ada"]]})
    assert engine.update_entry("articles", entry["id"], {"reviewers": None})["reviewers"] == []
    assert links(raw, entry["id"]) == []


def test_max_items_enforced(engine, sections, authors, raw):
    four = [*authors.values(), str(uuid.uuid4())]
    with pytest.raises(InvalidInput, match="field 'reviewers': must link at most 3 entries"):
        engine.create_entry("articles", {"title": "a", "reviewers": four})
    entry = engine.create_entry("articles", {"title": "b"})
    with pytest.raises(InvalidInput, match="at most 3"):
        engine.update_entry("articles", entry["id"], {"reviewers": four})
    assert raw.execute("SELECT count(*) FROM custom.articles_reviewers").fetchone()[0] == 0


def test_duplicate_links_rejected(engine, sections, authors):
    with pytest.raises(InvalidInput, match="field 'reviewers': must not link the same entry twice"):
        engine.create_entry("articles", {"title": "a", "reviewers": [authors["Ada"], authors["Ada"]]})


def test_missing_target_in_list_rolls_back_everything(engine, sections, authors, raw):
    with pytest.raises(InvalidInput, match="field 'reviewers': the related entry does not exist in section 'authors'"):
        engine.create_entry("articles", {"title": "a", "reviewers": [authors["Ada"], MISSING]})
    # Same transaction: neither the entry nor the first link was kept.
    assert raw.execute("SELECT count(*) FROM custom.articles").fetchone()[0] == 0
    assert raw.execute("SELECT count(*) FROM custom.articles_reviewers").fetchone()[0] == 0
    entry = engine.create_entry("articles", {"title": "b", "reviewers": [authors["Ada"]]})
    with pytest.raises(InvalidInput, match="does not exist"):
        engine.update_entry("articles", entry["id"], {"views": 3, "reviewers": [MISSING]})
    again = engine.get_entry("articles", entry["id"])
    assert again["views"] is None and again["reviewers"] == [authors["Ada"]]


def test_deleting_entries_removes_links(engine, sections, authors, raw):
    a = engine.create_entry("articles", {"title": "a", "reviewers": [authors["Ada"], authors["Grace"]]})
    engine.delete_entry("authors", authors["Ada"])
    assert engine.get_entry("articles", a["id"])["reviewers"] == [authors["Grace"]]
    engine.delete_entry("articles", a["id"])
    assert raw.execute("SELECT count(*) FROM custom.articles_reviewers").fetchone()[0] == 0


def test_relation_filters(engine, sections, authors):
    a = engine.create_entry("articles", {"title": "a", "author": authors["Ada"], "reviewers": [authors["Grace"]]})
    b = engine.create_entry("articles", {"title": "b", "author": authors["Grace"],
                                         "reviewers": [authors["Grace"], authors["Linus"]]})
    c = engine.create_entry("articles", {"title": "c"})

    def titles(filters):
        return [e["title"] for e in engine.query_entries("articles", filters, "title")["entries"]]

    assert titles({"author": authors["Ada"]}) == ["a"]
    assert titles({"author": {"_in": [authors["Ada"], authors["Grace"]]}}) == ["a", "b"]
    assert titles({"author": {"_null": True}}) == ["c"]
    assert titles({"reviewers": {"_contains": authors["Grace"]}}) == ["a", "b"]
    assert titles({"reviewers": {"_contains": [authors["Linus"]]}}) == ["b"]
    assert titles({"reviewers": {"_null": True}}) == ["c"]
    assert titles({"reviewers": {"_nnull": True}}) == ["a", "b"]
    with pytest.raises(InvalidInput, match="not supported on multiple relations"):
        titles({"reviewers": {"_eq": authors["Ada"]}})
    with pytest.raises(InvalidInput, match="'author'"):
        titles({"author": {"_gt": authors["Ada"]}})
    with pytest.raises(InvalidInput, match="multiple relation"):
        engine.query_entries("articles", None, "reviewers")
    assert {a["id"], b["id"], c["id"]} == {e["id"] for e in engine.query_entries("articles")["entries"]}
