"""The reverse side of a relation over the real MCP client: described as read only,
returned by queries (ids with titles, or followed), filtered, counted, never written; a
server limited to some sections does not follow it into another."""

from __future__ import annotations

import asyncio

import pytest

from mcp_session import mcp_server


@pytest.fixture
def offices(engine, research):
    """``offices`` (city, relation ``company``) and ``research_companies.offices`` listing them."""
    section = engine.create_section("offices", "Offices")
    engine.add_field(section["id"], "city", "City", "text", is_required=True)
    engine.add_field(section["id"], "company", "Company", "relation", {"targetSection": "research_companies"})
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    engine.update_section("offices", {"title_field_handle": "city"})
    engine.add_field(research["id"], "offices", "Offices", "relation_one_to_many",
                     {"relatedSection": str(section["id"]), "relatedField": "company"})
    assert engine.plan_migration(research["id"])["changes"] is False
    acme = engine.create_entry("research_companies", {"company_name": "Acme"})["id"]
    globex = engine.create_entry("research_companies", {"company_name": "Globex"})["id"]
    cities = {city: engine.create_entry("offices", {"city": city, "company": acme})["id"]
              for city in ("Utrecht", "Ghent")}
    return {"acme": acme, "globex": globex, "cities": cities}


def test_queries_return_it_and_writes_are_refused(database_url, offices):
    acme, utrecht, ghent = offices["acme"], offices["cities"]["Utrecht"], offices["cities"]["Ghent"]

    async def served():
        async with mcp_server(database_url) as server:
            described = await server.call("describe_section", section="research_companies")
            field = next(f for f in described["fields"] if f["handle"] == "offices")
            assert field["read_only"] is True and field["type"] == "relation_one_to_many"
            assert described["entry_schema"]["properties"]["offices"]["readOnly"] is True
            page = await server.call("query_entries", section="research_companies", order_by="company_name")
            assert [e["offices"] for e in page["entries"]] == [[utrecht, ghent], []]
            assert page["related_titles"]["offices"] == {utrecht: "Utrecht", ghent: "Ghent"}
            followed = await server.call("get_entry", section="research_companies", entry_id=acme,
                                         fields=["company_name", "offices.city"])
            assert [o["city"] for o in followed["entry"]["offices"]] == ["Utrecht", "Ghent"]
            some = await server.call("query_entries", section="research_companies",
                                     filters={"offices": {"_some": {"city": "Ghent"}}})
            assert [e["company_name"] for e in some["entries"]] == ["Acme"]
            none = await server.call("query_entries", section="research_companies",
                                     filters={"offices": {"_none": {"city": "Ghent"}}})
            assert [e["company_name"] for e in none["entries"]] == ["Globex"]
            counted = await server.call("aggregate_entries", section="research_companies",
                                        aggregates={"count": ["offices"]})
            assert counted["groups"][0]["count"] == {"offices": 2}
            refused = await server.refused("create_entries", section="research_companies",
                                           entries=[{"company_name": "Initech", "offices": [utrecht]}])
            assert "field 'offices': is read only" in refused and "'offices.company'" in refused

    async def restricted():
        async with mcp_server(database_url, "--sections", "research_companies") as server:
            refused = await server.refused("get_entry", section="research_companies", entry_id=acme,
                                           fields=["offices.city"])
            assert "section 'offices' does not exist" in refused  # hidden is answered as missing
            page = await server.call("query_entries", section="research_companies", order_by="company_name")
            assert page["entries"][0]["offices"] == [utrecht, ghent] and page["related_titles"] == {}

    async def both_served():
        # relatedSection names the other side by id: the guard compares handles.
        async with mcp_server(database_url, "--sections", "research_companies,offices") as server:
            followed = await server.call("get_entry", section="research_companies", entry_id=acme,
                                         fields=["offices.city"])
            assert [o["city"] for o in followed["entry"]["offices"]] == ["Utrecht", "Ghent"]
            page = await server.call("query_entries", section="research_companies",
                                     filters={"offices": {"_some": {"city": "Utrecht"}}})
            assert page["related_titles"]["offices"] == {utrecht: "Utrecht", ghent: "Ghent"}

    asyncio.run(served())
    asyncio.run(restricted())
    asyncio.run(both_served())
