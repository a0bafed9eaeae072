"""A real MCP client session that plain (synchronous) test code can call, so Hypothesis
can drive one server per module instead of starting one per example.

The client lives in its own thread and event loop, entered and left in one task as the
SDK requires; ``call`` hands it a request and waits for the answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import socket
import tempfile
import threading
from contextlib import asynccontextmanager, contextmanager

import httpx2
import uvicorn
from mcp import Client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from mcp_session import server_command
from polysynergy_nodes_content.mcp_server.policy import ServerPolicy
from polysynergy_nodes_content.mcp_server.server import build_server
from polysynergy_nodes_content.mcp_server.transports import HOST, HTTP_PATH, http_app

CALL_TIMEOUT = 120
TOKEN = "scope-test-token-7d1e"


class BlockingSession:
    def __init__(self, open_client):
        self._open_client = open_client  # () -> async context manager giving a Client
        self._requests: queue.Queue = queue.Queue()
        self._ready = concurrent.futures.Future()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    async def _main(self):
        try:
            async with self._open_client() as client:
                self._ready.set_result(True)
                while (request := await asyncio.to_thread(self._requests.get)) is not None:
                    name, arguments, answer = request
                    try:
                        answer.set_result(await client.call_tool(name, arguments))
                    except Exception as error:  # handed to the caller
                        answer.set_exception(error)
        except Exception as error:
            if not self._ready.done():
                self._ready.set_exception(error)
            raise

    def __enter__(self):
        self._thread.start()
        self._ready.result(timeout=CALL_TIMEOUT)
        return self

    def __exit__(self, *exc):
        self._requests.put(None)
        self._thread.join(timeout=CALL_TIMEOUT)

    def call(self, name: str, arguments: dict):
        """The tool's CallToolResult."""
        answer = concurrent.futures.Future()
        self._requests.put((name, {k: v for k, v in arguments.items() if v is not None}, answer))
        return answer.result(timeout=CALL_TIMEOUT)


def stdio_session(database_url: str, *flags: str) -> BlockingSession:
    """The server a desktop host starts: ``polysynergy-content mcp`` over stdio."""
    @asynccontextmanager
    async def open_client():
        with tempfile.TemporaryFile("w+") as stderr:
            async with Client(stdio_client(server_command(database_url, *flags), errlog=stderr),
                              read_timeout_seconds=CALL_TIMEOUT) as client:
                yield client
    return BlockingSession(open_client)


@contextmanager
def http_server(database_url: str, policy: ServerPolicy):
    """The server's streamable HTTP app (token guard, Host checks) served by uvicorn on a
    socket that listens before the server starts, so a client can connect at once."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(http_app(build_server(database_url, policy), port, TOKEN),
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{port}{HTTP_PATH}"
    finally:
        server.should_exit = True
        thread.join(timeout=CALL_TIMEOUT)
        listener.close()


def http_session(url: str) -> BlockingSession:
    @asynccontextmanager
    async def open_client():
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=CALL_TIMEOUT) as http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                yield client
    return BlockingSession(open_client)


__all__ = ["BlockingSession", "stdio_session", "http_server", "http_session"]
