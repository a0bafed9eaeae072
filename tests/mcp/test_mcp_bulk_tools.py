"""aggregate_entries, update_entries, delete_entries and query_entries' count over the real
MCP client: reads on a read-only server too, changes only after confirm, never without a
filter, never more than --max-entries at once, and never through an unserved section."""

from __future__ import annotations

import asyncio

import pytest

from mcp_session import mcp_server


@pytest.fixture
def companies(engine, research):
    rows = [{"company_name": f"Company {i:02}", "uses_kubernetes": i % 3 == 0,
             "kubernetes_confidence": ("hoog", "middel", "laag")[i % 3], "industry": "Software" if i < 4 else "Retail"}
            for i in range(12)]
    return engine.create_entries("research_companies", rows)


@pytest.fixture
def contacts(engine, research, companies):
    """research_companies.contact -> people (a section a restricted server does not serve)."""
    people = engine.create_section("people", "People")
    engine.add_field(people["id"], "name", "Name", "text", is_unique=True)
    engine.apply_migration(engine.plan_migration(people["id"])["id"], confirm=True)
    engine.add_field(research["id"], "contact", "Contact", "relation", {"targetSection": "people"})
    engine.apply_migration(engine.plan_migration(research["id"])["id"], confirm=True)
    ada = engine.create_entry("people", {"name": "Ada"})["id"]
    engine.update_entries("research_companies", {"industry": "Software"}, {"contact": ada}, confirm=True)
    return ada


def industries(engine) -> dict:
    entries = engine.query_entries("research_companies", order_by="company_name", limit=100)["entries"]
    return {e["company_name"]: e["industry"] for e in entries}


def test_aggregates_read_only_grouped_filtered_and_capped(database_url, companies):
    async def session():
        async with mcp_server(database_url, "--read-only", "--max-entries", "2") as server:
            tools = await server.tools()
            assert tools["aggregate_entries"].annotations.read_only_hint is True
            assert tools["aggregate_entries"].input_schema["required"] == ["section", "aggregates"]
            grouped = await server.call("aggregate_entries", section="research_companies",
                                        aggregates={"count": "*", "countDistinct": ["industry"]},
                                        group_by=["uses_kubernetes"])
            assert grouped["group_by"] == ["uses_kubernetes"]
            assert [(g["group"]["uses_kubernetes"], g["count"], g["countDistinct"]["industry"])
                    for g in grouped["groups"]] == [(False, 8, 2), (True, 4, 2)]
            filtered = await server.call("aggregate_entries", section="research_companies",
                                         aggregates={"count": "*", "min": ["company_name"]},
                                         filters={"industry": "Retail"})
            assert filtered["groups"] == [{"count": 8, "min": {"company_name": "Company 04"}}]

            too_many = await server.refused("aggregate_entries", section="research_companies",
                                            aggregates={"count": "*"}, group_by=["kubernetes_confidence"])
            assert "group_by: 3 groups is more than this server returns in one call (2)" in too_many
            assert "add filters" in too_many
            bad = await server.refused("aggregate_entries", section="research_companies",
                                       aggregates={"sum": ["industry"]})
            assert "aggregates.sum: 'industry' is not a number field (text)" in bad
            assert "Fix that value and call again" in bad
            unknown = await server.refused("aggregate_entries", section="research_companies",
                                           aggregates={"median": ["industry"]})
            assert "unknown function 'median'" in unknown

    asyncio.run(session())


def test_aggregates_and_bulk_changes_stay_inside_the_served_sections(database_url, engine, contacts):
    async def session():
        async with mcp_server(database_url, "--sections", "research_companies") as server:
            by_related = {"contact": {"name": "Ada"}}
            for tool, extra in (("aggregate_entries", {"aggregates": {"count": "*"}}),
                                ("update_entries", {"values": {"industry": "x"}}),
                                ("delete_entries", {})):
                message = await server.refused(tool, section="research_companies", filters=by_related, **extra)
                assert "section 'people' does not exist" in message, (tool, message)
            assert "not available on this server" in await server.refused(
                "aggregate_entries", section="people", aggregates={"count": "*"})
            assert "not available on this server" in await server.refused(
                "delete_entries", section="people", filters={"name": "Ada"})
            writes_by_field = await server.refused("update_entries", section="research_companies",
                                                   filters={"industry": "Retail"}, values={"contact": {"name": "Ada"}})
            assert "section 'people' does not exist" in writes_by_field
            by_id = await server.call("aggregate_entries", section="research_companies", aggregates={"count": "*"},
                                      filters={"contact": contacts})
            assert by_id["groups"] == [{"count": 4}], "a link by id stays possible"

    asyncio.run(session())
    assert set(industries(engine).values()) == {"Software", "Retail"}, "nothing changed"


def test_update_entries_counts_first_then_changes_what_the_filter_matches(database_url, engine, companies):
    async def session():
        async with mcp_server(database_url, "--max-entries", "10") as server:
            tools = await server.tools()
            assert tools["update_entries"].annotations.destructive_hint is True
            assert tools["update_entries"].input_schema["required"] == ["section", "values"]
            assert tools["update_entries"].input_schema["properties"]["confirm"]["default"] is False

            preview = await server.call("update_entries", section="research_companies",
                                        filters={"industry": "Software"}, values={"industry": "Cloud"})
            assert (preview["matched"], preview["updated"], preview["confirmed"]) == (4, 0, False)
            assert preview["max_entries"] == 10 and "confirm: true" in preview["next_step"]
            assert set(industries(engine).values()) == {"Software", "Retail"}, "a preview changes nothing"

            done = await server.call("update_entries", section="research_companies", filters={"industry": "Software"},
                                     values={"industry": "Cloud"}, confirm=True)
            assert (done["matched"], done["updated"], done["confirmed"]) == (4, 4, True)
            assert sum(v == "Cloud" for v in industries(engine).values()) == 4

            invalid = await server.refused("update_entries", section="research_companies",
                                           filters={"industry": "Cloud"}, values={"kubernetes_confidence": "max"},
                                           confirm=True)
            assert "kubernetes_confidence" in invalid and "hoog" in invalid and "Fix that value" in invalid
            nothing = await server.call("update_entries", section="research_companies",
                                        filters={"industry": "Nowhere"}, values={"industry": "x"})
            assert nothing["matched"] == 0 and "no entry matches" in nothing["next_step"]

    asyncio.run(session())
    assert sum(v == "Cloud" for v in industries(engine).values()) == 4, "the refused change left everything"


def test_a_filter_is_required_and_every_entry_must_be_asked_for_explicitly(database_url, engine, companies):
    async def session():
        async with mcp_server(database_url) as server:
            for tool, extra in (("update_entries", {"values": {"industry": "x"}}), ("delete_entries", {})):
                for empty in ({}, {"filters": {}}, {"filters": {"_and": []}}, {"filters": {"_or": [{}]}}):
                    message = await server.refused(tool, section="research_companies", confirm=True,
                                                   **extra, **empty)
                    assert "filters is required: an empty filter would match every entry" in message, message
                    assert "all_entries: true" in message and "(field 'filters')" not in message
                both = await server.refused(tool, section="research_companies", filters={"industry": "Retail"},
                                            all_entries=True, confirm=True, **extra)
                assert "all_entries is true and filters are given: give one of them" in both
                every = await server.call(tool, section="research_companies", all_entries=True, **extra)
                assert (every["matched"], every["confirmed"]) == (12, False)
            renamed = await server.call("update_entries", section="research_companies", all_entries=True,
                                        values={"industry": "Any"}, confirm=True)
            assert renamed["updated"] == 12

    asyncio.run(session())
    assert set(industries(engine).values()) == {"Any"}


def test_changes_beyond_max_entries_are_refused_with_what_to_do(database_url, engine, companies):
    async def session():
        async with mcp_server(database_url, "--max-entries", "5") as server:
            preview = await server.call("delete_entries", section="research_companies",
                                        filters={"industry": "Retail"})
            assert (preview["matched"], preview["deleted"], preview["max_entries"]) == (8, 0, 5)
            assert "confirm: true would be refused" in preview["next_step"]
            for tool, extra in (("delete_entries", {}), ("update_entries", {"values": {"industry": "x"}})):
                refused = await server.refused(tool, section="research_companies", filters={"industry": "Retail"},
                                               confirm=True, **extra)
                assert ("filters: they match 8 entries, more than this server changes in one call (5, its "
                        "--max-entries); nothing was changed") in refused, refused
                assert "Narrow filters" in refused and f"call {tool} once per part" in refused
            narrowed = {"industry": "Retail", "kubernetes_confidence": {"_in": ["hoog", "middel"]}}
            deleted = await server.call("delete_entries", section="research_companies", filters=narrowed,
                                        confirm=True)
            assert (deleted["matched"], deleted["deleted"], deleted["confirmed"]) == (5, 5, True)
            tools = await server.tools()
            assert tools["delete_entries"].annotations.destructive_hint is True
            assert "cannot be undone" in tools["delete_entries"].description

    asyncio.run(session())
    left = industries(engine)
    assert len(left) == 7 and list(left.values()).count("Retail") == 3


def test_bulk_changes_are_not_offered_read_only(database_url, engine, companies):
    async def session():
        async with mcp_server(database_url, "--read-only") as server:
            assert not {"update_entries", "delete_entries"} & set(await server.tools())
            result = await server.client.call_tool("delete_entries", {"section": "research_companies",
                                                                      "all_entries": True, "confirm": True})
            assert result.is_error

    asyncio.run(session())
    assert len(industries(engine)) == 12


def test_query_entries_passes_count_through(database_url, companies):
    async def session():
        async with mcp_server(database_url, "--read-only") as server:
            schema = (await server.tools())["query_entries"].input_schema["properties"]["count"]
            assert schema["enum"] == ["exact", "estimated", "none"] and schema["default"] == "exact"
            exact = await server.call("query_entries", section="research_companies", limit=5)
            assert (exact["count"], exact["total_count"], exact["total_is_exact"]) == ("exact", 12, True)
            estimated = await server.call("query_entries", section="research_companies", limit=5, count="estimated")
            assert estimated["count"] == "estimated" and estimated["total_is_exact"] is False
            assert estimated["total_count"] >= 5 and len(estimated["entries"]) == 5
            skipped = await server.call("query_entries", section="research_companies", limit=5, count="none")
            assert (skipped["count"], skipped["total_count"]) == ("none", None) and len(skipped["entries"]) == 5
            bad = await server.refused("query_entries", section="research_companies", count="roughly")
            assert "count must be one of exact, estimated, none" in bad and "Fix that value" in bad

    asyncio.run(session())
