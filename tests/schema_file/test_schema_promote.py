"""plan_schema and apply_schema: a model promoted from one database to another through
reviewed, sealed migrations; sections and fields matched by id; nothing applied by a plan."""

from __future__ import annotations

import psycopg
import pytest
import yaml
from schema_model import apply_all, blog, field_of

from polysynergy_nodes_content.content_engine.errors import (
    InvalidInput,
    NeedsConfirmation,
    Refused,
    SchemaApplyStopped,
    StaleMigration,
)
from polysynergy_nodes_content.content_engine.settings import EngineSettings


def configuration(engine) -> tuple:
    """Everything a plan could write: configuration rows, migration records, content tables."""
    with psycopg.connect(engine.url) as conn:
        sections = conn.execute("SELECT id, handle, config_version, migration_status, applied_state::text "
                                "FROM public.sections ORDER BY id").fetchall()
        fields = conn.execute("SELECT id, handle, field_settings::text FROM public.section_fields ORDER BY id").fetchall()
        migrations = conn.execute("SELECT id, status FROM public.section_migrations ORDER BY id").fetchall()
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'custom' "
                              "ORDER BY 1").fetchall()
    return sections, fields, migrations, tables


def test_plan_reviews_everything_and_keeps_nothing(dev, prod):
    blog(dev)
    text = dev.export_schema()
    before = configuration(prod)
    review = prod.plan_schema(text)
    assert configuration(prod) == before  # not even the configuration or a migration record
    assert review["applied"] is False and review["recorded"] is False and review["changes"] is True
    assert [m["section"] for m in review["migrations"]] == ["authors", "posts"]  # the relation target first
    posts = review["migrations"][1]
    assert posts["id"] is None and posts["migration_type"] == "create_table"
    assert "CREATE TABLE" in posts["sql"] and "REFERENCES" in posts["sql"]
    assert all(op["lock"] for m in review["migrations"] for op in m["operations"])
    assert {(op["action"], op["section"]) for op in review["operations"]} >= {
        ("create_section", "authors"), ("create_section", "posts"), ("create_field", "posts")}


def test_apply_then_plan_is_no_change_and_export_is_identical(dev, prod):
    blog(dev)
    text = dev.export_schema()
    result = prod.apply_schema(text)
    assert [(d["section"], d["status"]) for d in result["done"]] == [("authors", "applied"), ("posts", "applied")]
    again = prod.plan_schema(text)
    assert again["changes"] is False and again["operations"] == [], again["summary"]
    assert all(not m["changes"] for m in again["migrations"])
    assert prod.export_schema() == text
    assert prod.apply_schema(text)["done"] == []  # applying twice is a no-op
    created = prod.create_entry("posts", {"title": "Hello"})
    assert created["status"] == "draft"


def test_a_handle_owned_by_another_id_is_an_error_not_a_match(dev, prod):
    blog(dev)
    prod.create_section("posts", "Posts")
    with pytest.raises(InvalidInput, match="matched by id"):
        prod.plan_schema(dev.export_schema())


def test_rename_type_change_and_removal_promoted_in_one_go(dev, prod):
    blog(dev)
    prod.apply_schema(dev.export_schema())
    author = prod.create_entry("authors", {"name": "Ann"})
    post = prod.create_entry("posts", {"title": "Hello", "author": author["id"], "views": "12"})
    # Development: a section rename, a field rename, a type change and a removal.
    dev.update_section("authors", {"handle": "writers"})
    dev.update_field(field_of(dev, "posts", "title")["id"], {"handle": "headline"})
    dev.update_field(field_of(dev, "posts", "views")["id"], {"field_type_handle": "integer"})
    dev.remove_field("posts", "status")
    apply_all(dev, "writers", "posts")
    text = dev.export_schema()

    kept = prod.plan_schema(text)
    assert ("keep_field", "status") in {(op["action"], op.get("field")) for op in kept["operations"]}
    review = prod.plan_schema(text, prune=True)
    actions = {(op["action"], op["section"], op.get("field")) for op in review["operations"]}
    assert {("rename_section", "writers", None), ("rename_field", "posts", "headline"),
            ("update_field", "posts", "views"), ("remove_field", "posts", "status")} <= actions
    assert any("authors -> writers" in r for r in review["findings"]["renames"])
    assert any("title -> headline" in r for r in review["findings"]["renames"])
    assert any("status" in line for line in review["findings"]["data_loss"])
    assert review["is_destructive"] is True
    assert not any(op["action"].startswith("create_") for op in review["operations"])  # no drop plus add

    before = configuration(prod)
    with pytest.raises(NeedsConfirmation):
        prod.apply_schema(text, prune=True)
    assert configuration(prod) == before  # refused before anything was written
    prod.apply_schema(text, prune=True, confirm=True)
    assert prod.plan_schema(text, prune=True)["changes"] is False
    assert prod.export_schema() == text
    got = prod.get_entry("posts", post["id"])
    assert got["headline"] == "Hello" and got["views"] == 12 and got["author"] == author["id"]
    assert "status" not in got
    assert prod.get_section("writers")["id"] == dev.get_section("writers")["id"]


def test_without_prune_nothing_in_the_database_is_removed(dev, prod):
    blog(dev)
    prod.apply_schema(dev.export_schema())
    prod.create_section("pages", "Pages")
    document = yaml.safe_load(dev.export_schema())
    document["sections"][1]["fields"] = [f for f in document["sections"][1]["fields"] if f["handle"] != "views"]
    text = yaml.safe_dump(document)
    review = prod.plan_schema(text)
    assert {(op["action"], op["section"]) for op in review["operations"]} == {("keep_field", "posts"),
                                                                             ("keep_section", "pages")}
    assert review["changes"] is False
    pruned = prod.plan_schema(text, prune=True)
    assert {(op["action"], op["section"]) for op in pruned["operations"]} == {("remove_field", "posts"),
                                                                            ("remove_section", "pages")}
    document["partial"] = True
    partial = prod.plan_schema(yaml.safe_dump(document), prune=True)
    assert ("keep_section", "pages") in {(op["action"], op["section"]) for op in partial["operations"]}


def test_sections_that_refer_to_each_other_come_in_two_steps(dev, prod):
    blog(dev)
    dev.add_field("authors", "featured_post", None, "relation", {"targetSection": "posts"})
    apply_all(dev, "authors")
    text = dev.export_schema()
    review = prod.plan_schema(text)
    assert [(op["section"], op["field"]) for op in review["second_step"]] == [("authors", "featured_post")]
    assert [m["section"] for m in review["migrations"]] == ["authors", "posts"]
    result = prod.apply_schema(text)
    assert len(result["steps"]) == 2
    assert [d["section"] for d in result["done"]] == ["authors", "posts", "authors"]
    assert prod.plan_schema(text)["changes"] is False
    assert prod.export_schema() == text


def test_a_blocking_pre_check_refuses_the_whole_file_before_anything(dev, prod):
    blog(dev)
    prod.apply_schema(dev.export_schema())
    prod.create_entry("posts", {"title": "No views"})
    dev.update_field(field_of(dev, "posts", "views")["id"], {"is_required": True})
    apply_all(dev, "posts")
    text = dev.export_schema()
    review = prod.plan_schema(text)
    assert review["blocked"] and review["blocked"][0]["count"] == 1
    before = configuration(prod)
    with pytest.raises(Refused, match="blocking pre-check"):
        prod.apply_schema(text, confirm=True)
    assert configuration(prod) == before


def test_apply_stops_at_the_first_failure_and_keeps_what_is_done(dev, make_engine):
    blog(dev)
    prod = make_engine(EngineSettings(lock_timeout_ms=100, lock_retries=1))
    prod.apply_schema(dev.export_schema())
    dev.update_field(field_of(dev, "authors", "bio")["id"], {"field_type_handle": "text"})
    dev.add_field("authors", "email", None, "email")
    dev.add_field("posts", "summary", None, "textarea")
    apply_all(dev, "authors", "posts")
    text = dev.export_schema()
    with psycopg.connect(prod.url) as holder:  # another session holds the posts table
        holder.execute("LOCK TABLE custom.posts IN ACCESS SHARE MODE")
        with pytest.raises(SchemaApplyStopped) as stopped:
            prod.apply_schema(text)
    report = stopped.value.report
    assert [d["section"] for d in report["done"]] == ["authors"] and report["failed"]["section"] == "posts"
    assert "authors (migration" in str(stopped.value) and stopped.value.exit_code == 4
    assert "email" in [f["handle"] for f in prod.get_section("authors")["fields"]]
    assert prod.get_section("authors")["migration_status"] == "migrated"
    result = prod.apply_schema(text)  # the lock is gone: the rest goes through
    assert [d["section"] for d in result["done"]] == ["posts"]
    assert prod.export_schema() == text


def test_a_configured_circle_without_tables_is_applied_in_two_steps(dev):
    """Sections configured but never applied that refer to each other: the circle-closing
    field leaves the configuration for the first step and comes back (same id) in the second."""
    dev.create_section("teams", "Teams")
    dev.create_section("people", "People")
    dev.add_field("people", "team", None, "relation", {"targetSection": "teams"})
    lead = dev.add_field("teams", "lead", None, "relation", {"targetSection": "people"})
    dev.add_field("teams", "members", None, "relation_one_to_many", {"relatedSection": "people",
                                                                     "relatedField": "team"})
    text = dev.export_schema()
    result = dev.apply_schema(text)
    assert len(result["steps"]) == 2 and len(result["done"]) == 3
    assert field_of(dev, "teams", "lead")["id"] == lead["id"]
    assert dev.export_schema() == text and dev.plan_schema(text)["changes"] is False


def test_apply_refuses_a_plan_that_differs_from_the_reviewed_one(dev, prod):
    blog(dev)
    prod.apply_schema(dev.export_schema())
    dev.add_field("posts", "summary", None, "textarea")
    apply_all(dev, "posts")
    text = dev.export_schema()
    reviewed = prod.plan_schema(text)
    assert prod.plan_schema(text)["digest"] == reviewed["digest"]  # the same plan, the same digest
    prod.update_field(field_of(prod, "posts", "title")["id"], {"label": "Changed meanwhile"})
    before = configuration(prod)
    with pytest.raises(StaleMigration, match="plan again"):
        prod.apply_schema(text, expected_digest=reviewed["digest"])
    assert configuration(prod) == before
    fresh = prod.plan_schema(text)
    assert prod.apply_schema(text, expected_digest=fresh["digest"])["done"]


def test_prune_archives_a_section_with_a_table_and_its_rollback_restores_it(dev, prod):
    blog(dev)
    dev.create_section("pages", "Pages")
    dev.add_field("pages", "title", None, "text")
    apply_all(dev, "pages")
    prod.apply_schema(dev.export_schema())
    prod.create_entry("pages", {"title": "keep me"})
    document = yaml.safe_load(dev.export_schema())
    document["sections"] = [s for s in document["sections"] if s["handle"] != "pages"]
    text = yaml.safe_dump(document)
    review = prod.plan_schema(text, prune=True)
    [archive] = [m for m in review["migrations"] if m["changes"]]
    assert archive["section"] == "pages" and archive["migration_type"] == "drop_table" and archive["is_destructive"]
    done = prod.apply_schema(text, prune=True, confirm=True)["done"]
    assert [s["handle"] for s in prod.list_sections() if s["is_active"]] == ["authors", "posts"]
    assert prod.plan_schema(text, prune=True)["changes"] is False
    prod.rollback_migration(done[0]["id"])
    assert prod.query_entries("pages")["entries"][0]["title"] == "keep me"


def test_history_and_retention_travel_in_the_file_and_are_planned_as_migrations(dev, prod):
    blog(dev)
    dev.update_section("posts", {"history": False, "history_keep_versions": 20})
    dev.update_section("authors", {"history_keep_days": 30})
    apply_all(dev)
    text = dev.export_schema()
    posts = next(s for s in yaml.safe_load(text)["sections"] if s["handle"] == "posts")
    assert (posts["history"], posts["history_keep_versions"], posts["history_keep_days"]) == (False, 20, None)
    prod.apply_schema(text)
    assert prod.export_schema() == text
    assert prod.get_section("posts")["history"] is False and prod.get_section("authors")["history_keep_days"] == 30
    kinds = {op["kind"] for m in prod.list_migrations("posts") for op in m.get("operations") or []}
    assert "create_table" in kinds and "enable_history" not in kinds  # created without capture, as the file says
    switched = text.replace("history: false", "history: true")
    review = prod.plan_schema(switched)
    assert [c["history"] for o in review["operations"] if o["section"] == "posts"
            for c in [o.get("changes", {})] if "history" in c] == [{"from": False, "to": True}]
    assert "enable_history" in {op["kind"] for m in review["migrations"] for op in m["operations"]}
    older = yaml.safe_load(text)  # a file without the history keys leaves the target's as they are
    for s in older["sections"]:
        for key in ("history", "history_keep_versions", "history_keep_days"):
            del s[key]
    assert prod.plan_schema(yaml.safe_dump(older))["changes"] is False
