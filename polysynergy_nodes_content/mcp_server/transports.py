"""Run the server over stdio (the default) or streamable HTTP on 127.0.0.1 behind a token.

Over HTTP every request needs the token (``Authorization: Bearer <token>``, or
``?token=`` for clients that cannot send headers); Host and Origin are
checked so a web page cannot reach the server through DNS rebinding or a cross-site
request.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from urllib.parse import parse_qs

from mcp.server.transport_security import TransportSecuritySettings

HOST = "127.0.0.1"
TOKEN_ENV = "SECTIONS_MCP_TOKEN"
HTTP_PATH = "/mcp"


def run_stdio(server) -> None:
    server.run("stdio")


def http_token() -> tuple[str, bool]:
    """The bearer token: ``SECTIONS_MCP_TOKEN``, else a new random one (and whether it was generated)."""
    configured = os.environ.get(TOKEN_ENV, "").strip()
    if configured:
        return configured, False
    return secrets.token_urlsafe(32), True


class BearerTokenGuard:
    """ASGI wrapper: HTTP requests without the right token get 401 and reach nothing.

    The token comes as ``Authorization: Bearer <token>``, or as ``?token=<token>`` for
    clients that cannot set headers (PolySynergy's MCP tool node in URL mode).
    """

    def __init__(self, app, token: str):
        self.app = app
        self.token = token.encode()

    def _authorized(self, scope) -> bool:
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        scheme, _, given = header.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token):
            return True
        for value in parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", []):
            if hmac.compare_digest(value.encode(), self.token):
                return True
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            if not self._authorized(scope):
                body = json.dumps({"error": "missing or wrong bearer token (Authorization: Bearer <token>)"}).encode()
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def http_app(server, port: int, token: str):
    local = [f"{HOST}:{port}", f"localhost:{port}"]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=local,
        allowed_origins=[f"http://{host}" for host in local],
    )
    app = server.streamable_http_app(streamable_http_path=HTTP_PATH, transport_security=security, host=HOST)
    return BearerTokenGuard(app, token)


def run_http(server, port: int, token: str) -> None:
    import uvicorn

    uvicorn.run(http_app(server, port, token), host=HOST, port=port, log_level="warning")
