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


def test_restore_to_a_links_version_keeps_the_values_the_entry_had_then(engine, posts):
    ada, bob, cy = posts
    post = engine.create_entry("posts", {"title": "first", "authors": [ada]})
    engine.update_entry("posts", post["id"], {"authors": [bob]})  # a links version; the title is still "first"
    engine.update_entry("posts", post["id"], {"title": "second", "authors": [cy]})
    versions = engine.entry_history("posts", post["id"])["versions"]
    relinked = next(v for v in versions if v["op"] == "links" and v["values"]["authors"] == [bob])
    back = engine.restore_entry("posts", post["id"], relinked["version"])
    assert back["title"] == "first" and back["authors"] == [bob]


def test_restore_to_a_links_version_with_no_values_recorded_leaves_the_values_alone(engine, posts):
    ada, bob, _ = posts
    post = engine.create_entry("posts", {"title": "kept", "authors": [ada]})
    with engine.connection() as conn:  # as if only its links had been recorded (capture started later)
        conn.execute("DELETE FROM public.content_history WHERE entry_id = %s AND op <> 'links'", (post["id"],))
    engine.update_entry("posts", post["id"], {"authors": [bob]})
    first_links = engine.entry_history("posts", post["id"])["versions"][-1]
    assert first_links["op"] == "links" and first_links["values"]["authors"] == [ada]
    back = engine.restore_entry("posts", post["id"], first_links["version"])
    assert back["title"] == "kept" and back["authors"] == [ada]
