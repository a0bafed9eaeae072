"""The reverse side of a single relation (``relation_one_to_many``): no column, read as a
list of the other side's entries that point here, followed, counted, filtered, never
written from this side."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.postgres.catalog import read_section

REVERSE = "relation_one_to_many"


def fingerprint(raw, section) -> str:
    return read_section(raw, "custom", str(section["id"]), section["handle"]).fingerprint()


@pytest.fixture
def blog(engine, build):
    """``writers`` (name) and ``posts`` (title, single relation ``writer``), both applied."""
    writers = build(engine, "writers", [("name", "text", {"maxLength": 100}, True, False)])
    posts = build(engine, "posts", [
        ("title", "text", {}, True, False),
        ("writer", "relation", {"targetSection": "writers"}, False, False),
        ("editors", "relation", {"targetSection": "writers", "allowMultiple": True}, False, False),
    ])
    return {"writers": writers, "posts": posts}


@pytest.fixture
def reverse(engine, blog, raw):
    """``writers.posts`` lists the posts whose ``writer`` is the writer; applied."""
    before = fingerprint(raw, blog["writers"])
    engine.add_field(blog["writers"]["id"], "posts", "Posts", REVERSE,
                     {"relatedSection": str(blog["posts"]["id"]), "relatedField": "writer"})
    plan = engine.plan_migration(blog["writers"]["id"])
    assert plan["changes"] is False and plan["operations"] == [], plan
    assert fingerprint(raw, blog["writers"]) == before
    return blog


@pytest.fixture
def people(engine, reverse):
    ada = engine.create_entry("writers", {"name": "Ada"})["id"]
    grace = engine.create_entry("writers", {"name": "Grace"})["id"]
    posts = [engine.create_entry("posts", {"title": t, "writer": ada})["id"] for t in ("one", "two", "three")]
    return {"ada": ada, "grace": grace, "posts": posts}


# -- configure -------------------------------------------------------------------------
@pytest.mark.parametrize("settings, reason", [
    ({"relatedSection": "00000000-0000-4000-8000-00000000dead", "relatedField": "writer"}, "is not a section"),
    ({"relatedSection": "posts", "relatedField": "nope"}, "'nope' is not a field of section 'posts'"),
    ({"relatedSection": "posts", "relatedField": "title"}, "'posts.title' is not a single relation to section 'writers'"),
    ({"relatedSection": "posts", "relatedField": "editors"}, "'posts.editors' is not a single relation"),
    ({"relatedSection": "posts"}, "'relatedField' is a required property"),
    ({"relatedSection": "Not A Handle!", "relatedField": "writer"}, "must be a section id"),
])
def test_bad_settings_are_refused_naming_the_field(engine, blog, settings, reason):
    with pytest.raises(InvalidInput, match=f"field 'posts'.*{reason}") as refused:
        engine.add_field(blog["writers"]["id"], "posts", "Posts", REVERSE, settings)
    assert refused.value.field == "posts"


def test_the_related_field_must_point_to_this_section(engine, blog, build):
    build(engine, "editors", [("name", "text", {}, True, False)])
    with pytest.raises(InvalidInput, match="field 'posts'.*not a single relation to section 'editors'"):
        engine.add_field("editors", "posts", "Posts", REVERSE, {"relatedSection": "posts", "relatedField": "writer"})


@pytest.mark.parametrize("option", [{"is_required": True}, {"is_unique": True}, {"default_value": []}])
def test_a_reverse_field_keeps_no_value_of_its_own(engine, blog, option):
    with pytest.raises(InvalidInput, match="field 'posts': a one-to-many relation keeps no value of its own"):
        engine.add_field(blog["writers"]["id"], "posts", "Posts", REVERSE,
                         {"relatedSection": "posts", "relatedField": "writer"}, **option)


def test_a_handle_also_names_the_related_section_and_removing_plans_nothing(engine, blog, raw):
    engine.add_field("writers", "posts", "Posts", REVERSE, {"relatedSection": "posts", "relatedField": "writer"})
    assert engine.plan_migration("writers")["changes"] is False
    before = fingerprint(raw, blog["writers"])
    engine.remove_field("writers", "posts")
    assert engine.plan_migration("writers")["changes"] is False
    assert fingerprint(raw, blog["writers"]) == before


def test_a_section_listed_by_a_reverse_field_cannot_be_removed(engine, reverse):
    with pytest.raises(InvalidInput, match="writers.posts"):
        engine.delete_section("posts")


# -- reads -----------------------------------------------------------------------------
def test_read_as_a_list_of_ids_oldest_first(engine, people):
    ada = engine.get_entry("writers", people["ada"])
    assert ada["posts"] == people["posts"]
    assert engine.get_entry("writers", people["grace"])["posts"] == []
    listed = {e["id"]: e["posts"] for e in engine.query_entries("writers")["entries"]}
    assert listed == {people["ada"]: people["posts"], people["grace"]: []}


def test_the_order_is_created_at_then_id(engine, people, raw):
    # Same created_at for all three: the id decides.
    raw.execute("UPDATE custom.posts SET created_at = '2025-01-01T00:00:00Z'")
    assert engine.get_entry("writers", people["ada"])["posts"] == sorted(people["posts"])


def test_expanded_through_fields(engine, people):
    entry = engine.get_entry("writers", people["ada"], fields=["name", "posts.title"])
    assert [p["title"] for p in entry["posts"]] == ["one", "two", "three"]
    page = engine.query_entries("writers", fields=["name", "posts.title"], order_by="name")
    assert [[p["title"] for p in e["posts"]] for e in page["entries"]] == [["one", "two", "three"], []]


def test_counted_with_an_aggregate(engine, people):
    total = engine.aggregate_entries("writers", {"count": ["posts"]})
    assert total["groups"] == [{"count": {"posts": 3}}]
    per_entry = engine.aggregate_entries("writers", {"count": ["posts"]}, group_by=["id"])
    counts = {g["group"]["id"]: g["count"]["posts"] for g in per_entry["groups"]}
    assert counts == {people["ada"]: 3, people["grace"]: 0}


def test_filters_some_and_none(engine, people):
    def names(filters):
        return sorted(e["name"] for e in engine.query_entries("writers", filters=filters)["entries"])

    assert names({"posts": {"_some": {"title": "two"}}}) == ["Ada"]
    assert names({"posts": {"_none": {"title": "two"}}}) == ["Grace"]
    assert names({"posts": {"_some": {"title": "nine"}}}) == []
    assert names({"posts": {"_null": True}}) == ["Grace"]
    assert names({"posts": {"_contains": people["posts"][0]}}) == ["Ada"]


def test_writes_that_name_it_are_refused(engine, people):
    message = "field 'posts': is read only.*set the relation on the other section's field 'posts.writer'"
    with pytest.raises(InvalidInput, match=message) as refused:
        engine.create_entry("writers", {"name": "Linus", "posts": [people["posts"][0]]})
    assert refused.value.field == "posts"
    with pytest.raises(InvalidInput, match=message):
        engine.update_entry("writers", people["ada"], {"posts": []})
    with pytest.raises(InvalidInput, match=message):
        engine.create_entries("writers", [{"name": "Linus", "posts": []}])
    assert engine.get_entry("writers", people["ada"])["posts"] == people["posts"]


def test_deleting_or_moving_the_other_side_updates_the_list(engine, people):
    engine.delete_entry("posts", people["posts"][1])
    assert engine.get_entry("writers", people["ada"])["posts"] == [people["posts"][0], people["posts"][2]]
    engine.update_entry("posts", people["posts"][0], {"writer": people["grace"]})
    assert engine.get_entry("writers", people["ada"])["posts"] == [people["posts"][2]]
    assert engine.get_entry("writers", people["grace"])["posts"] == [people["posts"][0]]


def test_export_includes_it_and_import_ignores_it(engine, people, tmp_path):
    from polysynergy_nodes_content.content_engine.transfer.stream import export_entries, import_entries

    out = tmp_path / "writers.jsonl"
    export_entries(engine, "writers", str(out), order_by="name")
    lines = out.read_text().splitlines()
    assert '"posts": [' in lines[0] and people["posts"][0] in lines[0]
    back = tmp_path / "back.jsonl"
    back.write_text('{"name": "Linus", "posts": ["%s"]}\n' % people["posts"][0])
    result = import_entries(engine, "writers", str(back))
    assert result["imported"] == 1 and "posts" in result["ignored_columns"]
    csv_file = tmp_path / "back.csv"
    csv_file.write_text(f'name,posts\nMargaret,"[""{people["posts"][0]}""]"\n')
    assert "posts" in import_entries(engine, "writers", str(csv_file))["ignored_columns"]
    assert engine.get_entry("writers", people["ada"])["posts"] == people["posts"]


def test_the_listed_relation_cannot_be_removed_renamed_or_retyped(engine, reverse):
    with pytest.raises(InvalidInput, match="field 'writer': the reverse field\\(s\\) writers.posts list"):
        engine.remove_field("posts", "writer")
    writer = next(f for f in engine.get_section("posts")["fields"] if f["handle"] == "writer")
    with pytest.raises(InvalidInput, match="field 'writer': the reverse field\\(s\\) writers.posts"):
        engine.update_field(writer["id"], {"handle": "by"})
    with pytest.raises(InvalidInput, match="field 'writer': the reverse field\\(s\\) writers.posts"):
        engine.update_field(writer["id"], {"field_settings": {"targetSection": "writers", "allowMultiple": True}})
    engine.update_field(writer["id"], {"label": "Written by"})  # the same relation: fine
    engine.remove_field("writers", "posts")
    engine.remove_field("posts", "writer")


def test_an_unapplied_other_side_is_named_when_read(engine, blog):
    engine.add_field("posts", "reviewer", "Reviewer", "relation", {"targetSection": "writers"})
    engine.add_field("writers", "reviewed", "Reviewed", REVERSE, {"relatedSection": "posts", "relatedField": "reviewer"})
    engine.plan_migration("writers")
    ada = engine.create_entry("writers", {"name": "Ada"})["id"]
    assert "reviewed" not in engine.get_entry("writers", ada)
    with pytest.raises(InvalidInput, match="field 'reviewed' cannot be read now: .*apply the migration of section "
                                           "'posts' first"):
        engine.get_entry("writers", ada, fields=["reviewed"])
    engine.apply_migration(engine.plan_migration("posts")["id"], confirm=True)
    engine.entries.invalidate()
    assert engine.get_entry("writers", ada)["reviewed"] == []


def test_a_section_can_list_its_own_children(engine, build):
    build(engine, "topics", [("name", "text", {}, True, False)])
    engine.add_field("topics", "parent", "Parent", "relation", {"targetSection": "topics"})
    engine.add_field("topics", "children", "Children", REVERSE, {"relatedSection": "topics", "relatedField": "parent"})
    engine.apply_migration(engine.plan_migration("topics")["id"], confirm=True)
    root = engine.create_entry("topics", {"name": "root"})["id"]
    kids = [engine.create_entry("topics", {"name": n, "parent": root})["id"] for n in ("a", "b")]
    assert engine.get_entry("topics", root)["children"] == kids
    found = engine.query_entries("topics", filters={"children": {"_some": {"name": "b"}}})["entries"]
    assert [e["name"] for e in found] == ["root"]


def test_the_diagram_draws_the_relation_once():
    from polysynergy_nodes_content.content_engine.descriptors.diagram import mermaid_er

    sections = [
        {"id": "w", "handle": "writers", "fields": [
            {"handle": "posts", "field_type_handle": REVERSE, "related_section_id": "p",
             "field_settings": {"relatedSection": "p", "relatedField": "writer"}}]},
        {"id": "p", "handle": "posts", "fields": [
            {"handle": "writer", "field_type_handle": "relation", "field_settings": {"targetSection": "writers"},
             "related_section_id": "w"}]},
    ]
    text = mermaid_er(sections)
    assert 'posts }o--o| writers : "writer"' in text
    assert "writers }" not in text.replace("writers {", ""), text  # no second line from the reverse side
    assert f"{REVERSE} posts" in text
