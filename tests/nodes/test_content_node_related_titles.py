"""ContentEntryQuery's related_titles output: relations stay ids in ``entries``, the related
entries' titles come beside them, and a failed run resets the output."""

from __future__ import annotations

from content_node_harness import build_node, run
from content_node_contract import node_class


def query(**inputs):
    return run(build_node(node_class("ContentEntryQuery"), **inputs))


def test_entry_query_shows_related_titles(database_url, research_section, engine):
    people = engine.create_section("people", "People")
    engine.add_field(people["id"], "name", "Name", "text", is_required=True)
    engine.apply_migration(engine.plan_migration(people["id"])["id"], confirm=True)
    engine.update_section("people", {"title_field_handle": "name"})
    engine.add_field(research_section["section"]["id"], "contact", "Contact", "relation", {"targetSection": "people"})
    engine.apply_migration(engine.plan_migration(research_section["section"]["id"])["id"], confirm=True)
    ada = engine.create_entry("people", {"name": "Ada"})["id"]
    grace = engine.create_entry("people", {"name": "Grace"})["id"]
    engine.create_entries("research_companies", [
        {"company_name": f"Company {i:02}", "uses_kubernetes": True, "contact": ada if i % 2 else grace}
        for i in range(20)])

    page = query(section_handle="research_companies", order_by="company_name", limit=20, database_url=database_url)
    assert page.false_path is False, page.false_path
    assert [e["contact"] for e in page.entries[:2]] == [grace, ada], "relations stay bare ids"
    assert page.related_titles == {"contact": {grace: "Grace", ada: "Ada"}}
    assert page.true_path["related_titles"] == page.related_titles

    asked = query(section_handle="research_companies", order_by="company_name", limit=1,
                  fields="company_name,contact.name", database_url=database_url)
    assert asked.entries[0]["contact"]["name"] == "Grace" and asked.related_titles == {}

    failed = query(section_handle="research_companies", filters={"no_such_field": 1}, database_url=database_url)
    assert failed.true_path is False and failed.related_titles == {}
