"""Entry history through the MCP server, with the SDK's own client: writes are recorded with
source ``mcp`` and the MCP session; ``entry_history`` reads (also on a read-only server);
``restore_entry`` and ``undo_run`` exist only with ``--allow-undo``."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_session import mcp_server

TOKEN = "history-token-5d1e"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_stdio_write_is_recorded_with_source_mcp_and_the_servers_session(database_url, research, engine):
    async def session():
        async with mcp_server(database_url) as mcp:
            created = (await mcp.call("create_entries", section="research_companies",
                                      entries=[{"company_name": "SWIS"}]))["created"][0]
            await mcp.call("update_entry", section="research_companies", entry_id=created["id"],
                           values={"industry": "IT"})
            return created["id"]

    entry_id = asyncio.run(session())
    versions = engine.entry_history("research_companies", entry_id)["versions"]
    assert [(v["op"], v["context"]["source"]) for v in versions] == [("update", "mcp"), ("insert", "mcp")]
    sessions = {v["context"]["mcp_session"] for v in versions}
    assert len(sessions) == 1 and sessions.pop().startswith("server-")  # stdio: one session per process


@pytest.fixture
def http_writer(database_url, research):
    """``mcp --http`` that may write (the token from the environment)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECTIONS_", "DATABASE_URL"))}
    env["SECTIONS_MCP_TOKEN"] = TOKEN
    process = subprocess.Popen([sys.executable, "-m", "polysynergy_nodes_content", "--database-url", database_url,
                                "mcp", "--http", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # polls a port, synchronises nothing else
        assert process.poll() is None, "the server exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_http_writes_are_recorded_with_their_http_session_id(http_writer, engine):
    """Stateful streamable HTTP (a client of the 2025 protocol) gives each session an id:
    two sessions, two ids; a stateless call has none and records the server's own."""
    async def create(name: str, mode: str) -> str:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as http:
            async with Client(streamable_http_client(http_writer, http_client=http), mode=mode) as client:
                result = await client.call_tool("create_entries", {"section": "research_companies",
                                                                   "entries": [{"company_name": name}]})
                assert not result.is_error, result.content
                return result.structured_content["created"][0]["id"]

    def session_of(entry_id: str) -> str:
        context = engine.entry_history("research_companies", entry_id)["versions"][0]["context"]
        assert context["source"] == "mcp"
        return context["mcp_session"]

    first, second = (session_of(asyncio.run(create(name, "legacy"))) for name in ("Acme", "Globex"))
    assert first != second and not first.startswith("server-") and not second.startswith("server-")
    assert session_of(asyncio.run(create("Initech", "auto"))).startswith("server-")
