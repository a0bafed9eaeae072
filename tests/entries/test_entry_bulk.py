"""update_entries / delete_entries: validated like single writes, all-or-nothing, and
without confirm only a count of what would change."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput


def views(raw):
    return dict(raw.execute("SELECT title, views FROM custom.articles").fetchall())


@pytest.fixture
def twelve(engine, sections):
    return engine.create_entries("articles", [{"title": f"t{i}", "views": i} for i in range(12)])


def test_update_without_confirm_only_counts(engine, twelve, raw):
    before = views(raw)
    result = engine.update_entries("articles", {"views": {"_gte": 8}}, {"views": 100})
    assert result == {"matched": 4, "updated": 0, "confirmed": False}
    assert views(raw) == before


def test_update_with_confirm(engine, twelve, authors, raw):
    seen = []
    result = engine.update_entries("articles", {"views": {"_gte": 8}}, {"views": 100, "reviewers": [authors["Ada"]]},
                                   confirm=True, progress=lambda done, total: seen.append((done, total)))
    assert result == {"matched": 4, "updated": 4, "confirmed": True}
    assert seen == [(4, 4)]
    after = views(raw)
    assert sorted(t for t, v in after.items() if v == 100) == ["t10", "t11", "t8", "t9"]
    assert after["t7"] == 7
    changed = engine.query_entries("articles", {"views": 100})["entries"]
    assert all(e["reviewers"] == [authors["Ada"]] for e in changed)
    # By a related entry's field, and filtered by one.
    engine.update_entries("articles", {"views": 100}, {"author": {"name": "Grace"}}, confirm=True)
    assert engine.update_entries("articles", {"author": {"name": "Grace"}}, {"views": 1})["matched"] == 4


def test_update_is_validated_and_all_or_nothing(engine, twelve, raw):
    before = views(raw)
    with pytest.raises(InvalidInput, match="field 'views'"):
        engine.update_entries("articles", {"views": {"_gte": 0}}, {"views": -1}, confirm=True)
    with pytest.raises(InvalidInput, match="field 'title': this value already exists"):
        engine.update_entries("articles", {"views": {"_gte": 10}}, {"title": "same"}, confirm=True)
    with pytest.raises(InvalidInput, match="unknown field 'nope'"):
        engine.update_entries("articles", {"views": 1}, {"nope": 1}, confirm=True)
    with pytest.raises(InvalidInput, match="filters are required"):
        engine.update_entries("articles", {}, {"views": 1}, confirm=True)
    with pytest.raises(InvalidInput, match="confirm must be true or false"):
        engine.update_entries("articles", {"views": 1}, {"views": 2}, confirm="yes")
    assert views(raw) == before


def test_delete(engine, twelve, raw):
    assert engine.delete_entries("articles", {"views": {"_lt": 5}}) == {"matched": 5, "deleted": 0, "confirmed": False}
    assert len(views(raw)) == 12
    assert engine.delete_entries("articles", {"views": {"_lt": 5}}, confirm=True) == {
        "matched": 5, "deleted": 5, "confirmed": True}
    assert sorted(views(raw).values()) == list(range(5, 12))
    with pytest.raises(InvalidInput, match="filters are required"):
        engine.delete_entries("articles", None, confirm=True)
    everything = engine.delete_entries("articles", {"id": {"_nnull": True}}, confirm=True)
    assert everything["deleted"] == 7 and views(raw) == {}


@pytest.mark.parametrize("filters", [{"_or": [{}]}, {"_and": [{}, {}]}, {"_or": [{"views": 1}, {}]},
                                     {"_and": [{"_or": [{}]}]}, '{"_or": [{}]}'])
def test_a_filter_that_names_no_condition_is_refused_for_bulk_changes(engine, twelve, raw, filters):
    before = views(raw)
    with pytest.raises(InvalidInput, match="names no condition") as info:
        engine.delete_entries("articles", filters, confirm=True)
    assert info.value.field == "filters"
    with pytest.raises(InvalidInput, match="names no condition"):
        engine.update_entries("articles", filters, {"views": 1}, confirm=True)
    assert views(raw) == before
    # A group whose branches all name a condition is a selection.
    assert engine.delete_entries("articles", {"_or": [{"views": 1}, {"views": 2}]})["matched"] == 2
    assert engine.delete_entries("articles", {"_and": [{}, {"views": 3}]})["matched"] == 1


def test_bulk_update_in_chunks_reports_progress(engine, sections, raw, monkeypatch):
    from polysynergy_nodes_content.content_engine.entries import bulk as entry_bulk

    monkeypatch.setattr(entry_bulk, "CHUNK", 4)
    engine.create_entries("articles", [{"title": f"c{i}", "views": 1} for i in range(10)])
    seen = []
    engine.update_entries("articles", {"views": 1}, {"views": 2}, confirm=True,
                          progress=lambda done, total: seen.append((done, total)))
    assert seen == [(4, 10), (8, 10), (10, 10)]
    assert set(views(raw).values()) == {2}


def test_max_entries_refuses_a_change_touching_more_and_changes_nothing(engine, twelve, raw):
    from polysynergy_nodes_content.content_engine.entries.bulk import TooManyMatches

    before = views(raw)
    with pytest.raises(TooManyMatches) as refused:
        engine.update_entries("articles", {"views": {"_gte": 2}}, {"views": 0}, confirm=True, max_entries=9)
    assert (refused.value.matched, refused.value.limit, refused.value.field) == (10, 9, "filters")
    assert "match 10 entries, more than the 9" in str(refused.value)
    with pytest.raises(TooManyMatches):
        engine.delete_entries("articles", {"views": {"_gte": 2}}, confirm=True, max_entries=9)
    assert views(raw) == before
    assert engine.update_entries("articles", {"views": {"_gte": 2}}, {"views": 0}, max_entries=9)["matched"] == 10
    assert engine.delete_entries("articles", {"views": {"_gte": 2}}, confirm=True, max_entries=10)["deleted"] == 10
    assert len(views(raw)) == 2
