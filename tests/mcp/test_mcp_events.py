"""``list_subscriptions`` through the MCP server, with the SDK's own client: offered by a
read-only server, never shows a webhook's secret, and a server scoped with ``--sections``
sees only the subscriptions whose every section it serves."""

from __future__ import annotations

import asyncio
import json

from mcp_session import mcp_server

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings

SECRET = "mcp-hook-secret-0123456789abcdef"


def _hidden_section(engine) -> None:
    section = engine.create_section("salaries", "Salaries")
    engine.add_field(section["id"], "amount", "Amount", "integer")
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)


def _subscriptions(database_url) -> None:
    engine = ContentEngine(database_url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))
    engine.create_subscription("research-feed", ["research_companies"], events=["create"])
    engine.create_subscription("research-hook", ["research_companies"],
                               target={"url": "http://127.0.0.1:9/hook", "secret": SECRET})
    engine.create_subscription("payroll", ["salaries"])
    engine.create_subscription("both", ["research_companies", "salaries"])
    engine.pause_subscription("research-feed")


def test_a_read_only_server_lists_subscriptions_without_secrets(database_url, research, engine):
    _hidden_section(engine)
    _subscriptions(database_url)

    async def session():
        async with mcp_server(database_url, "--read-only") as server:
            tools = await server.tools()
            assert tools["list_subscriptions"].annotations.read_only_hint is True
            result = await server.client.call_tool("list_subscriptions", {})
            return result.content[0].text, await server.call("list_subscriptions")

    text, listed = asyncio.run(session())
    assert SECRET not in text
    by_name = {s["name"]: s for s in listed["subscriptions"]}
    assert sorted(by_name) == ["both", "payroll", "research-feed", "research-hook"]
    assert by_name["research-hook"]["target"] == {"url": "http://127.0.0.1:9/hook", "secret": "(set)"}
    assert by_name["research-hook"]["delivery"] == "webhook" and by_name["research-feed"]["delivery"] == "pull"
    assert by_name["research-feed"]["paused"] is True and by_name["research-feed"]["events"] == ["create"]
    assert by_name["payroll"]["counts"] == {"pending": 0, "failed": 0, "dead": 0, "delivered": 0}
    assert json.loads(json.dumps(listed)) == listed


def test_a_scoped_server_lists_only_subscriptions_of_sections_it_serves(database_url, research, engine):
    _hidden_section(engine)
    _subscriptions(database_url)

    async def session():
        async with mcp_server(database_url, "--read-only", "--sections", "research_companies") as server:
            result = await server.client.call_tool("list_subscriptions", {})
            return result.content[0].text, await server.call("list_subscriptions")

    text, listed = asyncio.run(session())
    assert [s["name"] for s in listed["subscriptions"]] == ["research-feed", "research-hook"]
    assert "salaries" not in text and "payroll" not in text
