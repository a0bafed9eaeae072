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


def _secrets_section(engine) -> dict:
    section = engine.create_section("secrets", "Secrets")
    engine.add_field(section["id"], "title", "Title", "text")
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    return engine.create_entry("secrets", {"title": "classified"})


def test_entry_history_is_offered_read_only_and_the_undo_tools_only_with_allow_undo(database_url, research, engine):
    entry = engine.create_entry("research_companies", {"company_name": "SWIS"})
    engine.update_entry("research_companies", entry["id"], {"industry": "IT"})

    async def session():
        async with mcp_server(database_url, "--read-only") as mcp:
            tools = await mcp.tools()
            assert "entry_history" in tools and not {"restore_entry", "undo_run"} & set(tools)
            assert tools["entry_history"].annotations.read_only_hint is True
            history = await mcp.call("entry_history", section="research_companies", entry_id=entry["id"])
            assert [v["op"] for v in history["versions"]] == ["update", "insert"]
            assert history["versions"][0]["changes"] == {"industry": {"old": None, "new": "IT"}}
            assert "restore_entry" in await mcp.refused("restore_entry", section="research_companies",
                                                        entry_id=entry["id"], version=1)
        async with mcp_server(database_url) as mcp:  # writes, but no undo without the flag
            assert not {"restore_entry", "undo_run"} & set(await mcp.tools())
            assert "undo_run" in await mcp.refused("undo_run", run_id=entry.run_id, confirm=True)

    asyncio.run(session())
    assert engine.get_entry("research_companies", entry["id"])["industry"] == "IT"  # nothing was undone


def test_read_only_and_allow_undo_do_not_combine(database_url):
    done = subprocess.run([sys.executable, "-m", "polysynergy_nodes_content", "--database-url", database_url, "mcp",
                           "--read-only", "--allow-undo"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "--allow-undo" in done.stderr


def test_restore_and_undo_with_allow_undo(database_url, research, engine):
    entry = engine.create_entry("research_companies", {"company_name": "SWIS", "industry": "IT"})
    first = engine.entry_history("research_companies", entry["id"])["versions"][0]["version"]

    async def session():
        async with mcp_server(database_url, "--allow-undo") as mcp:
            await mcp.call("update_entry", section="research_companies", entry_id=entry["id"],
                           values={"industry": "Retail"})
            restored = await mcp.call("restore_entry", section="research_companies", entry_id=entry["id"],
                                      version=first)
            assert restored["entry"]["industry"] == "IT" and restored["run_id"]
            created = (await mcp.call("create_entries", section="research_companies",
                                      entries=[{"company_name": "Acme"}, {"company_name": "Globex"}]))["created"]
            run_id = (await mcp.call("entry_history", section="research_companies",
                                     entry_id=created[0]["id"]))["versions"][0]["run_id"]
            preview = await mcp.call("undo_run", run_id=run_id)
            assert preview["confirmed"] is False and preview["entries"] == 2
            assert {c["action"] for c in preview["changes"]} == {"delete"}
            assert engine.query_entries("research_companies")["total_count"] == 3  # the preview changed nothing
            done = await mcp.call("undo_run", run_id=run_id, confirm=True)
            assert done["confirmed"] is True and done["reverted"] == 2
            return restored["run_id"]

    restore_run = asyncio.run(session())
    assert [e["company_name"] for e in engine.query_entries("research_companies")["entries"]] == ["SWIS"]
    assert engine.entry_history("research_companies", entry["id"])["versions"][0]["run_id"] == restore_run


def test_a_scoped_server_neither_reads_nor_undoes_outside_its_sections(database_url, research, engine):
    secret = _secrets_section(engine)
    mixed = engine.with_context(run_id="run-mixed")
    mixed.create_entry("research_companies", {"company_name": "SWIS"})
    mixed.update_entry("secrets", secret["id"], {"title": "overwritten"})

    async def session():
        async with mcp_server(database_url, "--sections", "research_companies", "--allow-undo") as mcp:
            hidden = await mcp.refused("entry_history", section="secrets", entry_id=secret["id"])
            missing = await mcp.refused("entry_history", section="nowhere", entry_id=secret["id"])
            assert hidden == missing.replace("nowhere", "secrets")
            assert "restore_entry" not in hidden  # the message is the missing section's, naming no tool
            assert (await mcp.refused("restore_entry", section="secrets", entry_id=secret["id"], version=1)) == \
                (await mcp.refused("restore_entry", section="nowhere", entry_id=secret["id"], version=1)).replace(
                    "nowhere", "secrets")
            refused = await mcp.refused("undo_run", run_id="run-mixed", confirm=True, force=True)
            unknown = await mcp.refused("undo_run", run_id="run-unknown", confirm=True, force=True)
            assert refused == unknown.replace("run-unknown", "run-mixed")
            assert "secrets" not in refused

    asyncio.run(session())
    assert engine.get_entry("secrets", secret["id"])["title"] == "overwritten"
    assert engine.query_entries("research_companies")["total_count"] == 1
