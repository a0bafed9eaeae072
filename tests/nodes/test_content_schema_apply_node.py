"""ContentSchemaApply: without confirm it only reviews (the target keeps nothing); with
confirm it applies the file; a rename in the file stays a rename."""

from __future__ import annotations

from content_node_contract import node_class
from content_node_harness import build_node, run

from polysynergy_nodes_content.content_engine.engine import ContentEngine


def schema_node(**inputs):
    return build_node(node_class("ContentSchemaApply"), **inputs)


def test_review_then_apply_a_file_from_another_database(new_database):
    dev, prod_url = ContentEngine(new_database()), new_database()
    dev.create_section("articles", "Articles")
    title = dev.add_field("articles", "title", None, "text", is_required=True)
    dev.apply_migration(dev.plan_migration("articles")["id"])
    text = dev.export_schema()

    review = run(schema_node(schema=text, database_url=prod_url))
    assert review.false_path is False and review.applied is False and review.changes is True
    assert "CREATE TABLE" in review.true_path["review"]["migrations"][0]["sql"]
    prod = ContentEngine(prod_url)
    assert prod.list_sections() == []  # a review keeps nothing

    applied = run(schema_node(schema=text, confirm=True, database_url=prod_url))
    assert applied.false_path is False and applied.applied is True
    assert prod.export_schema() == text
    prod.create_entry("articles", {"title": "Kept"})

    dev.update_field(title["id"], {"handle": "headline"})
    dev.apply_migration(dev.plan_migration("articles")["id"])
    renamed = run(schema_node(schema=dev.export_schema(), confirm="true", database_url=prod_url))
    assert renamed.applied is True and renamed.changes is True, renamed.false_path
    assert prod.query_entries("articles")["entries"][0]["headline"] == "Kept"
    again = run(schema_node(schema=dev.export_schema(), database_url=prod_url))
    assert again.changes is False and again.summary.startswith("no changes")


def test_an_invalid_file_goes_to_the_error_path(database_url):
    bad = run(schema_node(schema="format: nonsense\n", database_url=database_url))
    assert bad.true_path is False and "not valid" in bad.false_path["error"]
    assert bad.applied is False and bad.error_message == bad.false_path["error"]
