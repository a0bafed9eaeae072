"""query_entries and get_entry over the real MCP client: relations stay ids, and the
related entries' titles come beside them in ``related_titles`` (only for served sections)."""

from __future__ import annotations

import asyncio

import pytest

from mcp_session import mcp_server


@pytest.fixture
def contacts(engine, research):
    people = engine.create_section("people", "People")
    engine.add_field(people["id"], "name", "Name", "text", is_required=True, is_unique=True)
    engine.apply_migration(engine.plan_migration(people["id"])["id"], confirm=True)
    engine.update_section("people", {"title_field_handle": "name"})
    engine.add_field(research["id"], "contact", "Contact", "relation", {"targetSection": "people"})
    engine.apply_migration(engine.plan_migration(research["id"])["id"], confirm=True)
    people_ids = {name: engine.create_entry("people", {"name": name})["id"] for name in ("Ada", "Grace")}
    engine.create_entries("research_companies", [
        {"company_name": f"Company {i:02}", "contact": people_ids["Ada" if i % 2 else "Grace"]} for i in range(30)])
    return people_ids


def test_listings_carry_the_titles_of_related_entries(database_url, contacts):
    ada, grace = contacts["Ada"], contacts["Grace"]

    async def served():
        async with mcp_server(database_url) as server:
            page = await server.call("query_entries", section="research_companies", order_by="company_name", limit=30)
            assert [e["contact"] for e in page["entries"][:2]] == [grace, ada], "relations stay bare ids"
            assert page["related_titles"] == {"contact": {grace: "Grace", ada: "Ada"}}
            assert page["total_count"] == 30
            one = await server.call("get_entry", section="research_companies", entry_id=page["entries"][1]["id"])
            assert one["entry"]["contact"] == ada and one["related_titles"] == {"contact": {ada: "Ada"}}
            asked = await server.call("query_entries", section="research_companies", order_by="company_name",
                                      limit=1, fields=["company_name", "contact.name"])
            assert asked["entries"][0]["contact"]["name"] == "Grace" and asked["related_titles"] == {}

    async def restricted():
        async with mcp_server(database_url, "--sections", "research_companies") as server:
            page = await server.call("query_entries", section="research_companies", order_by="company_name", limit=2)
            assert [e["contact"] for e in page["entries"]] == [grace, ada]
            assert page["related_titles"] == {}, "an unserved section's titles stay hidden"

    asyncio.run(served())
    asyncio.run(restricted())
