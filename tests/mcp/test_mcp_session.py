"""A whole agent session against ``polysynergy-content mcp`` over stdio, with the SDK's client."""

from __future__ import annotations

import asyncio
import json

import jsonschema
import pytest

from mcp_session import mcp_server
from polysynergy_nodes_content.content_engine.descriptors import entry_schema

READ_TOOLS = {"list_sections", "describe_section", "query_entries", "get_entry", "aggregate_entries", "entry_history",
              "list_subscriptions"}
WRITE_TOOLS = {"create_entries", "update_entry", "delete_entry", "plan_migration", "update_entries", "delete_entries"}
SCHEMA_TOOLS = {"create_section", "add_field", "update_field", "remove_field"}
APPLY_TOOLS = {"apply_migration"}
UNDO_TOOLS = {"restore_entry", "undo_run"}


@pytest.mark.parametrize("flags, offered", [
    ((), READ_TOOLS | WRITE_TOOLS),
    (("--read-only",), READ_TOOLS),
    (("--allow-schema-changes",), READ_TOOLS | WRITE_TOOLS | SCHEMA_TOOLS),
    (("--allow-apply",), READ_TOOLS | WRITE_TOOLS | APPLY_TOOLS),
    (("--allow-schema-changes", "--allow-apply"), READ_TOOLS | WRITE_TOOLS | SCHEMA_TOOLS | APPLY_TOOLS),
    (("--allow-undo",), READ_TOOLS | WRITE_TOOLS | UNDO_TOOLS),
])
def test_the_tool_list_offers_exactly_what_the_flags_allow(database_url, research, flags, offered):
    """The tool list is what an agent plans with: a tool its flags refuse is not listed."""
    async def session():
        async with mcp_server(database_url, *flags) as server:
            return set(await server.tools())

    assert asyncio.run(session()) == offered


def test_a_whole_session_list_describe_create_query_plan_and_apply_refused(database_url, research, engine):
    async def session():
        async with mcp_server(database_url, "--allow-schema-changes") as server:
            tools = await server.tools()
            assert set(tools) == READ_TOOLS | WRITE_TOOLS | SCHEMA_TOOLS
            create_schema = tools["create_entries"].input_schema
            assert create_schema["required"] == ["section", "entries"]
            assert create_schema["properties"]["entries"]["maxItems"] == 100
            assert tools["query_entries"].input_schema["properties"]["limit"]["maximum"] == 100
            assert tools["delete_entry"].annotations.destructive_hint is True
            assert tools["list_sections"].annotations.read_only_hint is True
            assert "apply_migration" not in tools  # not offered without --allow-apply

            listed = await server.call("list_sections")
            assert [s["handle"] for s in listed["sections"]] == ["research_companies"]
            assert listed["sections"][0]["pending_changes"] is False
            assert listed["limits"]["apply_migrations"] is False

            described = await server.call("describe_section", section="research_companies")
            fields = {f["handle"]: f for f in described["fields"]}
            assert list(fields) == ["company_name", "uses_kubernetes", "kubernetes_confidence", "industry"]
            assert fields["kubernetes_confidence"]["type"] == "select"
            assert "_gt" not in fields["uses_kubernetes"]["filter_operators"]
            assert "_icontains" in fields["company_name"]["filter_operators"]
            schema = described["entry_schema"]
            jsonschema.Draft202012Validator.check_schema(schema)
            assert schema["required"] == ["company_name"]
            good = {"company_name": "SWIS", "uses_kubernetes": True, "kubernetes_confidence": "hoog"}
            bad = {"company_name": "Acme", "kubernetes_confidence": "very high"}
            assert jsonschema.Draft202012Validator(schema).is_valid(good)
            assert not jsonschema.Draft202012Validator(schema).is_valid(bad)

            message = await server.refused("create_entries", section="research_companies", entries=[good, bad])
            assert "kubernetes_confidence" in message and "hoog" in message, message
            assert "item 1" in message and "describe_section" in message, message
            assert (await server.call("query_entries", section="research_companies"))["total_count"] == 0, \
                "a refused batch creates nothing"

            created = await server.call("create_entries", section="research_companies", entries=[
                good,
                {"company_name": "Acme", "uses_kubernetes": False, "kubernetes_confidence": "laag"},
                {"company_name": "Initech", "uses_kubernetes": True, "kubernetes_confidence": "middel",
                 "industry": "Software"},
            ])
            assert created["count"] == 3 and all(e["id"] for e in created["created"])

            found = await server.call("query_entries", section="research_companies",
                                      filters={"_or": [{"kubernetes_confidence": "hoog"},
                                                       {"company_name": {"_icontains": "init"}}]},
                                      order_by="company_name DESC", limit=10)
            assert [e["company_name"] for e in found["entries"]] == ["SWIS", "Initech"]
            assert found["total_count"] == 2
            page = await server.call("query_entries", section="research_companies",
                                     filters={"uses_kubernetes": True}, order_by="company_name", limit=1, offset=1)
            assert [e["company_name"] for e in page["entries"]] == ["SWIS"] and page["total_count"] == 2
            wrong_operator = await server.refused("query_entries", section="research_companies",
                                                  filters={"uses_kubernetes": {"_gt": 1}})
            assert "uses_kubernetes" in wrong_operator and "_gt" in wrong_operator and "allowed" in wrong_operator

            swis = created["created"][0]
            entry = await server.call("get_entry", section="research_companies", entry_id=swis["id"])
            assert entry["entry"]["company_name"] == "SWIS"
            updated = await server.call("update_entry", section="research_companies", entry_id=swis["id"],
                                        values={"industry": "Digital Agency"})
            assert updated["entry"]["industry"] == "Digital Agency"

            added = await server.call("add_field", section="research_companies", handle="employees",
                                      type="integer", settings={"min": 0}, help_text="Head count")
            assert added["field"]["handle"] == "employees"
            assert added["migration"]["destructive"] is False and added["migration"]["can_apply_here"] is False
            plan = await server.call("plan_migration", section="research_companies")
            assert "ADD COLUMN" in plan["sql"] and "employees" in plan["sql"]
            assert "ask them to apply it" in plan["next_step"]
            pending = await server.call("describe_section", section="research_companies")
            assert pending["fields_not_migrated_yet"] == ["employees"]
            refusal = await server.refused("apply_migration", migration_id=plan["migration_id"])
            assert "apply_migration" in refusal and "unknown" in refusal.lower(), refusal
            not_yet = await server.refused("create_entries", section="research_companies",
                                           entries=[{"company_name": "Hooli", "employees": 5}])
            assert "employees" in not_yet and "migration" in not_yet

            resources = (await server.client.list_resources()).resources
            assert [r.uri for r in resources] == ["content://sections/research_companies/schema"]
            read = await server.client.read_resource("content://sections/research_companies/schema")
            assert json.loads(read.contents[0].text) == schema

            deleted = await server.call("delete_entry", section="research_companies", entry_id=swis["id"])
            assert deleted == {"deleted": True, "entry_id": swis["id"]}
            gone = await server.refused("get_entry", section="research_companies", entry_id=swis["id"])
            assert "does not exist" in gone and "query_entries" in gone
            return schema

    schema = asyncio.run(session())
    # The schema is the engine's own entry descriptor (the same one every front end uses).
    assert schema == entry_schema(engine.get_section("research_companies"), engine.registry)


def test_apply_with_the_flag_but_never_a_destructive_migration(database_url, research, engine):
    async def session():
        async with mcp_server(database_url, "--allow-schema-changes", "--allow-apply") as server:
            tools = await server.tools()
            assert "destroy data are refused" in tools["apply_migration"].description
            added = await server.call("add_field", section="research_companies", handle="website", type="url")
            assert added["migration"]["can_apply_here"] is True
            applied = await server.call("apply_migration", migration_id=added["migration"]["migration_id"])
            assert applied["applied"] is True and applied["section"] == "research_companies"
            await server.call("create_entries", section="research_companies",
                              entries=[{"company_name": "SWIS", "website": "https://swis.nl"}])

            removed = await server.call("remove_field", section="research_companies", field="industry")
            review = removed["migration"]
            assert review["destructive"] is True and review["needs_confirmation"] is True and review["can_apply_here"] is False
            assert "never applied through this server" in review["next_step"]
            refusal = await server.refused("apply_migration", migration_id=review["migration_id"])
            assert "destroys data" in refusal and "never applied" in refusal
            assert "industry" in [f["handle"] for f in (await server.call(
                "describe_section", section="research_companies"))["fields"]], "the column is still there"

            renamed = await server.call("update_field", section="research_companies", field="website",
                                        changes={"label": "Web site"})
            assert renamed["field"]["label"] == "Web site"
            missing = await server.refused("update_field", section="research_companies", field="nope",
                                           changes={"label": "x"})
            assert "no field 'nope'" in missing and "website" in missing

    asyncio.run(session())
    destructive = [m for m in engine.list_migrations("research_companies") if m["is_destructive"]]
    assert destructive and not [m for m in destructive if m["status"] == "applied"], "never applied"
    live = engine.query_entries("research_companies")["entries"]
    assert [e["website"] for e in live] == ["https://swis.nl"]


def test_schema_tools_are_offered_only_with_their_flag(database_url, research):
    async def session():
        async with mcp_server(database_url) as server:
            tools = await server.tools()
            assert not SCHEMA_TOOLS & set(tools)
            result = await server.client.call_tool("add_field", {"section": "research_companies",
                                                                 "handle": "x", "type": "text"})
            assert result.is_error

    asyncio.run(session())


def test_full_text_search_through_the_server(database_url, research, engine):
    engine.update_section("research_companies", {"search_fields": ["industry"]})
    engine.apply_migration(engine.plan_migration("research_companies")["id"], confirm=True)
    engine.create_entries("research_companies", [
        {"company_name": "SWIS", "industry": "Digital agency building Kubernetes platforms"},
        {"company_name": "Acme", "industry": "Anvils"},
    ])

    async def session():
        async with mcp_server(database_url, "--read-only") as server:
            described = await server.call("describe_section", section="research_companies")
            assert described["search_fields"] == ["industry"]
            found = await server.call("query_entries", section="research_companies", search="kubernetes platforms")
            assert [e["company_name"] for e in found["entries"]] == ["SWIS"] and found["total_count"] == 1

    asyncio.run(session())


def test_a_client_with_the_older_initialize_handshake_is_served(database_url, research):
    """Hosts on the 1.x SDK (agno's MCPTools, older desktop apps) use the initialize handshake."""
    async def session():
        async with mcp_server(database_url, "--read-only", mode="legacy") as server:
            assert server.client.protocol_version < "2026"
            assert "query_entries" in await server.tools()
            listed = await server.call("list_sections")
            assert [s["handle"] for s in listed["sections"]] == ["research_companies"]

    asyncio.run(session())
