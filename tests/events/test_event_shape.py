"""What an event holds: one per entry and transaction, the entry after and before the
change, the handles that changed, who wrote it, valid against the shipped JSON Schema."""

from __future__ import annotations

import jsonschema
import psycopg
import pytest
from events_helpers import apply

from polysynergy_nodes_content.content_engine.events import event_schema


def pulled(engine, name="pull", limit=1000) -> list[dict]:
    events = engine.claim_events(name, limit)
    engine.ack_events(name, [e["id"] for e in events])
    return events


def drain(engine, name="pull") -> list[dict]:
    """Every event of a subscription, in seq order (claims give one per entry at a time)."""
    events = []
    while batch := pulled(engine, name):
        events.extend(batch)
    return sorted(events, key=lambda e: e["seq"])


def test_create_update_delete_carry_the_entry_after_and_before(engine, notes):
    engine.create_subscription("pull", ["notes"])
    entry = engine.with_context(actor="ada").create_entry("notes", {"title": "first", "count": 1})
    engine.update_entry("notes", entry["id"], {"count": 2})
    engine.delete_entry("notes", entry["id"])
    created, updated, deleted = drain(engine)
    schema = event_schema()
    for event in (created, updated, deleted):
        jsonschema.validate(event, schema)
        assert event["section"] == "notes" and event["entry_id"] == entry["id"]
        assert event["subscription"] == "pull"
    assert [created["type"], updated["type"], deleted["type"]] == ["create", "update", "delete"]
    assert created["entry"] == {"id": entry["id"], "title": "first", "count": 1} and created["previous"] is None
    assert created["changed"] == ["count", "title"]
    assert created["actor"] == "ada" and created["source"] == "library" and created["run_id"] == entry.run_id
    assert updated["previous"]["count"] == 1 and updated["entry"]["count"] == 2 and updated["changed"] == ["count"]
    assert deleted["entry"] is None and deleted["previous"] == {"id": entry["id"], "title": "first", "count": 2}
    assert created["seq"] < updated["seq"] < deleted["seq"]


def test_a_subscription_sees_nothing_from_before_it_was_created(engine, notes):
    engine.create_entry("notes", {"title": "old"})
    engine.create_subscription("pull", ["notes"])
    engine.create_entry("notes", {"title": "new"})
    assert [e["entry"]["title"] for e in drain(engine)] == ["new"]


def test_a_subscription_can_start_at_an_earlier_change(engine, notes):
    old = engine.create_entry("notes", {"title": "old"})
    first = engine.entry_history("notes", old["id"])["versions"][-1]["version"]
    engine.create_subscription("pull", ["notes"], start=first)
    assert [e["entry"]["title"] for e in drain(engine)] == ["old"]


def test_sql_writes_become_events_too(engine, notes):
    engine.create_subscription("pull", ["notes"])
    with psycopg.connect(engine.url) as conn:
        conn.execute("INSERT INTO custom.notes (title, count) VALUES ('by sql', 7)")
    (event,) = drain(engine)
    assert event["source"] == "sql" and event["entry"]["title"] == "by sql" and event["entry"]["count"] == 7


def test_one_event_per_entry_and_transaction(engine, notes):
    engine.create_subscription("pull", ["notes"])
    made = engine.create_entries("notes", [{"title": f"n{i}", "count": i} for i in range(50)])
    with psycopg.connect(engine.url) as conn:  # two statements on one entry in one transaction
        conn.execute("UPDATE custom.notes SET count = 100 WHERE id = %s", (made[0]["id"],))
        conn.execute("UPDATE custom.notes SET title = 'twice' WHERE id = %s", (made[0]["id"],))
    events = drain(engine)
    assert len(events) == 51
    assert {e["entry_id"] for e in events if e["type"] == "create"} == {m["id"] for m in made}
    last = events[-1]
    assert last["type"] == "update" and last["changed"] == ["count", "title"]
    assert last["previous"]["count"] == 0 and last["entry"] == {"id": made[0]["id"], "title": "twice", "count": 100}


def test_created_and_deleted_in_one_transaction_is_no_event(engine, notes):
    engine.create_subscription("pull", ["notes"])
    with psycopg.connect(engine.url) as conn:
        conn.execute("INSERT INTO custom.notes (title) VALUES ('gone')")
        conn.execute("DELETE FROM custom.notes WHERE title = 'gone'")
    engine.create_entry("notes", {"title": "kept"})
    assert [e["entry"]["title"] for e in drain(engine)] == ["kept"]


@pytest.fixture
def posts(engine):
    authors = engine.create_section("authors")
    engine.add_field(authors["id"], "name", "Name", "text")
    apply(engine, authors["id"])
    posts = engine.create_section("posts")
    engine.add_field(posts["id"], "title", "Title", "text")
    engine.add_field(posts["id"], "authors", "Authors", "relation", {"targetSection": "authors", "allowMultiple": True})
    apply(engine, posts["id"])
    return [a["id"] for a in engine.create_entries("authors", [{"name": n} for n in ("ada", "bob", "cy")])]


def test_links_of_a_multiple_relation_are_part_of_the_entry_and_of_one_event(engine, posts):
    ada, bob, cy = posts
    engine.create_subscription("pull", ["posts"])
    post = engine.create_entry("posts", {"title": "p", "authors": [ada, bob]})
    engine.update_entry("posts", post["id"], {"authors": [cy]})
    engine.update_entry("posts", post["id"], {"title": "q"})
    created, relinked, retitled = drain(engine)
    assert created["type"] == "create" and created["entry"]["authors"] == [ada, bob]
    assert relinked["type"] == "update" and relinked["changed"] == ["authors"]
    assert relinked["previous"]["authors"] == [ada, bob] and relinked["entry"]["authors"] == [cy]
    assert retitled["changed"] == ["title"] and retitled["entry"]["authors"] == [cy]


def test_renamed_fields_show_under_their_new_handle(engine, notes):
    engine.create_subscription("pull", ["notes"])
    entry = engine.create_entry("notes", {"title": "t", "count": 1})
    field = next(f for f in notes["fields"] if f["handle"] == "count")
    engine.update_field(field["id"], {"handle": "total"})
    apply(engine, notes["id"])
    engine.update_entry("notes", entry["id"], {"total": 5})
    created, updated = drain(engine)
    assert created["entry"]["total"] == 1  # made after the rename: today's handle
    assert updated["previous"]["total"] == 1 and updated["entry"]["total"] == 5 and updated["changed"] == ["total"]


def test_only_the_chosen_kinds_of_change(engine, notes):
    engine.create_subscription("pull", ["notes"], events=["delete"])
    entry = engine.create_entry("notes", {"title": "t"})
    engine.update_entry("notes", entry["id"], {"count": 3})
    engine.delete_entry("notes", entry["id"])
    assert [e["type"] for e in drain(engine)] == ["delete"]


def test_a_filter_picks_changes_by_the_entry_after_them_and_before_a_delete(engine, notes):
    engine.create_subscription("pull", ["notes"], filter={"count": {"_gte": 10}})
    small = engine.create_entry("notes", {"title": "small", "count": 1})
    big = engine.create_entry("notes", {"title": "big", "count": 50})
    engine.update_entry("notes", small["id"], {"count": 11})  # now it matches
    engine.update_entry("notes", big["id"], {"count": 2})  # no longer matches
    engine.delete_entry("notes", small["id"])  # matched before the delete
    engine.delete_entry("notes", big["id"])  # did not
    events = drain(engine)
    assert [(e["type"], e["entry_id"]) for e in events] == [
        ("create", big["id"]), ("update", small["id"]), ("delete", small["id"])]


def test_a_change_that_commits_after_a_later_one_is_not_skipped(engine, notes):
    """History ids are handed out in one order and committed in another: the change holding
    the lower id commits last, and still becomes an event."""
    engine.create_subscription("pull", ["notes"])
    with psycopg.connect(engine.url) as slow:
        slow.execute("INSERT INTO custom.notes (title) VALUES ('took the lower id')")
        engine.create_entry("notes", {"title": "committed first"})
        early = [e["entry"]["title"] for e in drain(engine)]
        assert "took the lower id" not in early
    titles = early + [e["entry"]["title"] for e in drain(engine)]
    assert sorted(titles) == ["committed first", "took the lower id"]


def test_a_transaction_in_another_database_holds_nothing_back(engine, notes, new_database):
    engine.create_subscription("pull", ["notes"])
    elsewhere = new_database()
    with psycopg.connect(elsewhere) as other:
        other.execute("CREATE TABLE busy (n int)")  # holds a transaction id until it ends
        engine.create_entry("notes", {"title": "not held back"})
        assert [e["entry"]["title"] for e in drain(engine)] == ["not held back"]


def test_pruning_history_keeps_what_a_subscription_has_not_read(engine, notes):
    engine.create_subscription("pull", ["notes"])
    engine.update_section("notes", {"history_keep_versions": 1})
    entry = engine.create_entry("notes", {"title": "v0", "count": 0})
    for count in range(1, 4):
        engine.update_entry("notes", entry["id"], {"count": count})
    assert engine.prune_history("notes")["removed"] == 0  # unread by the subscription
    assert [e["entry"]["count"] for e in drain(engine)] == [0, 1, 2, 3]
    assert engine.prune_history("notes")["removed"] == 3  # read: now beyond retention
