"""The README's configurations for agent hosts start a working server as written."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from pathlib import Path

from mcp_session import mcp_server

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def desktop_config() -> dict:
    block = README.split("<!-- claude-desktop-config -->", 1)[1]
    return json.loads(re.search(r"```json\n(.*?)\n```", block, flags=re.DOTALL).group(1))


def polysynergy_setting(name: str) -> str:
    return re.search(rf"^\| {re.escape(name)} \| `(.+)` \|$", README, flags=re.MULTILINE).group(1)


def test_the_desktop_host_configuration_starts_a_read_only_server(database_url, research):
    server = desktop_config()["mcpServers"]["content"]
    assert server["command"].endswith("/polysynergy-content") and server["args"][0] == "mcp"
    assert "SECTIONS_DATABASE_URL" in server["env"]

    async def session():
        async with mcp_server(database_url, *server["args"][1:]) as running:
            assert set(await running.tools()) == {"list_sections", "describe_section", "query_entries", "get_entry",
                                                  "aggregate_entries", "entry_history", "list_subscriptions"}
            listed = await running.call("list_sections")
            assert [s["handle"] for s in listed["sections"]] == ["research_companies"]
            assert listed["limits"]["max_entries_per_call"] == 50

    asyncio.run(session())


def test_the_polysynergy_tool_node_settings_start_a_server_with_those_tools(database_url, research):
    command = shlex.split(polysynergy_setting("Server Command"))
    assert Path(command[0]).is_absolute() and Path(command[0]).name == "polysynergy-content"
    assert command[1] == "mcp"
    included = json.loads(polysynergy_setting("Include Tools (optional)"))
    assert json.loads(polysynergy_setting("Environment Variables")) == {
        "SECTIONS_DATABASE_URL": "<secret:CONTENT_DATABASE_URL>"}

    async def session():
        async with mcp_server(database_url, *command[2:]) as running:
            assert set(included) <= set(await running.tools())
            described = await running.call("describe_section", section="research_companies")
            assert described["limits"]["max_entries_per_call"] == 50

    asyncio.run(session())
