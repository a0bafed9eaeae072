"""The links of multiple relations (junction tables) are recorded as changes of their source entry."""

from __future__ import annotations

import pytest
from history_helpers import apply


@pytest.fixture
def posts(engine):
    authors = engine.create_section("authors")
    engine.add_field(authors["id"], "name", "Name", "text")
    apply(engine, authors["id"])
    posts = engine.create_section("posts")
    engine.add_field(posts["id"], "title", "Title", "text")
    engine.add_field(posts["id"], "authors", "Authors", "relation", {"targetSection": "authors", "allowMultiple": True})
    plan = apply(engine, posts["id"])
    assert "enable_link_history" in [op["kind"] for op in plan["operations"]]
    return [a["id"] for a in engine.create_entries("authors", [{"name": n} for n in ("ada", "bob", "cy")])]


def test_link_changes_show_in_the_history_of_the_source_entry(engine, posts):
    ada, bob, cy = posts
    post = engine.create_entry("posts", {"title": "p", "authors": [ada, bob]})
    engine.update_entry("posts", post["id"], {"authors": [cy]})
    versions = engine.entry_history("posts", post["id"])["versions"]
    assert [v["op"] for v in versions] == ["links", "links", "insert"]  # a replace is one change
    assert versions[0]["changes"] == {"authors": {"old": [ada, bob], "new": [cy]}}
    created_at = versions[-1]["changed_at"]
    assert engine.get_entry("posts", post["id"], as_of=created_at)["authors"] == [ada, bob]


def test_restore_after_delete_brings_the_links_back(engine, posts):
    ada, bob, _ = posts
    post = engine.create_entry("posts", {"title": "p", "authors": [bob, ada]})
    engine.delete_entry("posts", post["id"])
    deleted = engine.entry_history("posts", post["id"])["versions"][0]
    assert deleted["op"] == "delete"
    back = engine.restore_entry("posts", post["id"], deleted["version"])
    assert back["authors"] == [bob, ada]


def test_undo_of_a_run_puts_the_links_back(engine, posts):
    ada, bob, cy = posts
    post = engine.create_entry("posts", {"title": "p", "authors": [ada]})
    changed = engine.update_entry("posts", post["id"], {"title": "q", "authors": [bob, cy]})
    engine.undo_run(changed.run_id, confirm=True)
    now = engine.get_entry("posts", post["id"])
    assert now["title"] == "p" and now["authors"] == [ada]
