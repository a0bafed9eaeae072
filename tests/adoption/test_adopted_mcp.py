"""An agent reaches an adopted table through the real MCP server: its id keeps the table's
type in describe_section, and get_entry / update_entry take that id."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mcp"))

from mcp_session import mcp_server  # noqa: E402

from .conftest import DASHBOARD_SQL, run_sql  # noqa: E402


def test_an_agent_reads_and_writes_an_adopted_bigint_table(engine, database_url):
    run_sql(database_url, DASHBOARD_SQL)
    adopted = engine.adopt_table("public.notes", dry_run=False)
    engine.apply_migration(adopted["migration"]["id"])

    async def session():
        async with mcp_server(database_url) as server:
            described = await server.call("describe_section", section="notes")
            id_column = next(c for c in described["system_fields"] if c["handle"] == "id")
            assert id_column["type"] == "bigint" and "_gt" in id_column["filter_operators"]
            entry = (await server.call("get_entry", section="notes", entry_id="7"))["entry"]
            assert entry["title"] == "note 7" and entry["id"] == "7"
            updated = await server.call("update_entry", section="notes", entry_id="7", values={"title": "by an agent"})
            assert updated["entry"]["title"] == "by an agent"
            message = await server.refused("get_entry", section="notes", entry_id="seven")
            assert "not a valid id" in message

    asyncio.run(session())


def test_an_agent_links_entries_to_an_adopted_bigint_table(engine, database_url):
    """describe_section tells the agent the relation takes the adopted table's ids, and the
    tools write, expand and filter those links."""
    run_sql(database_url, DASHBOARD_SQL)
    adopted = engine.adopt_table("public.notes", dry_run=False)
    engine.apply_migration(adopted["migration"]["id"])
    engine.create_section("articles")
    engine.add_field("articles", "title", field_type_handle="text")
    engine.add_field("articles", "notes", field_type_handle="relation",
                     field_settings={"targetSection": "notes", "allowMultiple": True})
    engine.apply_migration(engine.plan_migration("articles")["id"])
    article = engine.create_entry("articles", {"title": "a"})

    async def session():
        async with mcp_server(database_url) as server:
            described = await server.call("describe_section", section="articles")
            items = described["entry_schema"]["properties"]["notes"]["anyOf"][1]["items"]
            assert items["x-entry-id-type"] == "bigint" and "uuid" not in str(items)
            updated = await server.call("update_entry", section="articles", entry_id=article["id"],
                                        values={"notes": ["7", 8]})
            assert updated["entry"]["notes"] == ["7", "8"]
            found = await server.call("query_entries", section="articles", filters={"notes": {"_contains": 8}},
                                      fields=["title", "notes.title"])
            assert [n["title"] for n in found["entries"][0]["notes"]] == ["note 7", "note 8"]
            message = await server.refused("update_entry", section="articles", entry_id=article["id"],
                                           values={"notes": ["seven"]})
            assert "notes" in message and "bigint" in message

    asyncio.run(session())
