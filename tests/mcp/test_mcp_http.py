"""``polysynergy-content mcp --http``: streamable HTTP on 127.0.0.1, behind a bearer token."""

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

TOKEN = "test-token-4f0c9a"
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "test", "version": "1"}}}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_server(database_url, research):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECTIONS_", "DATABASE_URL"))}
    env["SECTIONS_MCP_TOKEN"] = TOKEN
    process = subprocess.Popen(
        [sys.executable, "-m", "polysynergy_nodes_content", "--database-url", database_url, "mcp", "--http",
         "--port", str(port), "--read-only"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {process.stderr.read()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the HTTP server did not start listening within 30 s")
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            _, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
        assert TOKEN not in stderr, "a configured token is not printed"
        assert "127.0.0.1" in stderr


def test_the_sdk_client_works_with_the_token(http_server):
    async def session():
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
            async with Client(streamable_http_client(http_server, http_client=http)) as client:
                names = {tool.name for tool in (await client.list_tools()).tools}
                assert names == {"list_sections", "describe_section", "query_entries", "get_entry",
                                 "aggregate_entries", "entry_history", "list_subscriptions"}
                result = await client.call_tool("list_sections", {})
                assert not result.is_error
                assert [s["handle"] for s in result.structured_content["sections"]] == ["research_companies"]

    asyncio.run(session())


def test_requests_without_the_token_or_from_another_site_are_refused(http_server):
    with httpx2.Client(timeout=10) as http:
        assert http.post(http_server, json=INITIALIZE, headers=MCP_HEADERS).status_code == 401
        wrong = http.post(http_server, json=INITIALIZE, headers={**MCP_HEADERS, "authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "bearer token" in wrong.text
        authorized = {**MCP_HEADERS, "authorization": f"Bearer {TOKEN}"}
        cross_site = http.post(http_server, json=INITIALIZE, headers={**authorized, "origin": "https://evil.example"})
        assert cross_site.status_code == 403
        rebound = http.post(http_server, json=INITIALIZE, headers={**authorized, "host": "evil.example"})
        assert rebound.status_code == 421
        form_post = http.post(http_server, data={"a": "b"}, headers={"authorization": f"Bearer {TOKEN}"})
        assert form_post.status_code in (400, 406, 415)
        assert http.post(http_server, json=INITIALIZE, headers=authorized).status_code == 200
        assert http.post(f"{http_server}?token=nope", json=INITIALIZE, headers=MCP_HEADERS).status_code == 401


def test_a_client_that_cannot_send_headers_puts_the_token_in_the_url(http_server):
    """PolySynergy's MCP tool node in URL mode takes only a URL."""
    async def session():
        async with Client(f"{http_server}?token={TOKEN}") as client:
            result = await client.call_tool("describe_section", {"section": "research_companies"})
            assert not result.is_error
            assert result.structured_content["entry_schema"]["required"] == ["company_name"]

    asyncio.run(session())


def _lock_waiters(conn) -> list:
    return conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()").fetchall()


def test_a_query_stops_in_the_database_when_its_client_goes_away(http_server, database_url):
    """The real SDK client starts a query that waits for a locked table, then goes away
    (its call cancelled, its session closed): the server cancels the statement, long before
    the read statement timeout (30 s) could have ended it."""
    import psycopg

    async def until(condition, seconds: float, what: str):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = condition()
            if found:
                return found
            await asyncio.sleep(0.05)
        pytest.fail(what)

    async def session(watch):
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
            async with Client(streamable_http_client(http_server, http_client=http)) as client:
                call = asyncio.ensure_future(client.call_tool("query_entries", {"section": "research_companies"}))
                await until(lambda: _lock_waiters(watch), 30, "the query never reached the database")
                call.cancel()
        await until(lambda: not _lock_waiters(watch), 20, "the query kept running after its client went away")

    with psycopg.connect(database_url) as locker, psycopg.connect(database_url, autocommit=True) as watch:
        locker.execute("SET idle_in_transaction_session_timeout = '90s'")
        locker.execute('LOCK TABLE custom."research_companies" IN ACCESS EXCLUSIVE MODE')
        asyncio.run(session(watch))
        locker.rollback()
