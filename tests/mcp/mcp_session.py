"""Drive the server as an agent host does: spawn it over stdio with the SDK's client."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import asynccontextmanager

from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

RESEARCH_FIELDS = [
    dict(handle="company_name", label="Company Name", field_type_handle="text",
         field_settings={"maxLength": 200}, is_required=True, is_unique=True),
    dict(handle="uses_kubernetes", label="Uses Kubernetes", field_type_handle="boolean"),
    dict(handle="kubernetes_confidence", label="Confidence Level", field_type_handle="select",
         field_settings={"options": ["hoog", "middel", "laag"]}),
    dict(handle="industry", label="Industry", field_type_handle="text"),
]


def server_command(database_url: str, *flags: str) -> StdioServerParameters:
    """The command a desktop host would run (the environment holds no database URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECTIONS_", "DATABASE_URL", "CONTENT_TEST"))}
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "polysynergy_nodes_content", "--database-url", database_url, "mcp", *flags],
                                 env=env)


class Session:
    """An MCP client session plus what the server wrote to stderr."""

    def __init__(self, client: Client, stderr):
        self.client = client
        self._stderr = stderr

    def stderr(self) -> str:
        self._stderr.flush()
        with open(self._stderr.name, encoding="utf-8", errors="replace") as fh:
            return fh.read()

    async def tools(self) -> dict:
        return {tool.name: tool for tool in (await self.client.list_tools()).tools}

    async def call(self, name: str, **arguments) -> dict:
        """A successful call's structured result (asserts it did not fail)."""
        result = await self.client.call_tool(name, arguments)
        assert not result.is_error, f"{name} failed: {result.content[0].text if result.content else result}"
        text_result = json.loads(result.content[0].text)
        assert result.structured_content == text_result
        return text_result

    async def refused(self, name: str, **arguments) -> str:
        """A failed call's message (asserts it failed as a tool error)."""
        result = await self.client.call_tool(name, arguments)
        assert result.is_error, f"{name} should have failed, got {result.structured_content}"
        return result.content[0].text


@asynccontextmanager
async def mcp_server(database_url: str, *flags: str, mode: str = "auto"):
    """``mode="legacy"`` speaks the initialize handshake of pre-2026 clients (MCP SDK 1.x hosts)."""
    with tempfile.NamedTemporaryFile("w+", prefix="mcp-stderr-", suffix=".log", delete=False) as stderr:
        try:
            async with Client(stdio_client(server_command(database_url, *flags), errlog=stderr),
                              read_timeout_seconds=60, mode=mode) as client:
                yield Session(client, stderr)
        finally:
            os.unlink(stderr.name)
