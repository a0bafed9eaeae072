"""The studio's Starlette application and the ``serve`` runner (uvicorn)."""

from __future__ import annotations

import os
import secrets
import socket
import sys

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..content_engine.errors import ContentError, NestedTooDeeply, NotFound
from . import entry_history, routes_entries, routes_events, routes_migrations, routes_sections, routes_session
from .pages import HERE, environment, forbidden
from .security import (
    DEFAULT_IDLE_MINUTES,
    DEFAULT_SESSION_HOURS,
    Forbidden,
    HostCheckMiddleware,
    Sessions,
    TokenMiddleware,
)

TOKEN_ENV = "SECTIONS_STUDIO_TOKEN"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def studio_token() -> str:
    """$SECTIONS_STUDIO_TOKEN, else a new random one (printed at start)."""
    return os.environ.get(TOKEN_ENV, "").strip() or secrets.token_urlsafe(24)


def _error_page(request, exc: Exception, status: int) -> HTMLResponse:
    html = environment.get_template("error.html").render(status=status, message=str(exc), csrf_token="",
                                                         messages=[], path=request.url.path)
    return HTMLResponse(html, status_code=status)


async def _content_error(request, exc: ContentError):
    return _error_page(request, exc, 404 if isinstance(exc, NotFound) else 400)


async def _too_deep(request, exc: RecursionError):
    """A posted or queried JSON value nested too deeply to walk: bad input, not a 500."""
    return _error_page(request, NestedTooDeeply(), 400)


async def _forbidden(request, exc: Forbidden):
    return forbidden(exc)


def create_app(engine, token: str, allowed_hosts: list[str] | None = None, sessions: Sessions | None = None) -> Starlette:
    """The studio over ``engine``; every request needs ``token`` (or its session)."""
    if not token:
        raise ValueError("the studio needs a token")
    sessions = sessions or Sessions()
    routes = [
        *routes_session.routes,
        *routes_sections.routes,
        *routes_migrations.routes,
        *routes_entries.routes,
        *entry_history.routes,
        *routes_events.routes,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(HostCheckMiddleware, allowed_hosts=allowed_hosts or list(LOOPBACK)),
        Middleware(TokenMiddleware, token=token, sessions=sessions),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={ContentError: _content_error, Forbidden: _forbidden,
                                        RecursionError: _too_deep})
    app.state.engine = engine.with_context(source="studio")  # recorded with every write it makes
    app.state.sessions = sessions
    return app


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def run_studio(engine, host: str = "127.0.0.1", port: int = 8765, database: str = "", token: str | None = None,
               idle_minutes: float = DEFAULT_IDLE_MINUTES, session_hours: float = DEFAULT_SESSION_HOURS):
    """Serve until interrupted; print the URL (with the token) first. A browser session
    ends after ``idle_minutes`` without a request or ``session_hours`` after it began."""
    import uvicorn

    token = token or studio_token()
    port = port or free_port(host)
    hosts = list(LOOPBACK) if host in LOOPBACK else [*LOOPBACK, host, "*"] if host in ("0.0.0.0", "::") else [
        *LOOPBACK, host]
    app = create_app(engine, token, hosts, Sessions(idle_minutes * 60, session_hours * 3600))
    shown = f"[{host}]" if ":" in host else host
    print(f"Content studio: http://{shown}:{port}/?token={token}", flush=True)
    if database:
        print(database, flush=True)
    if host not in LOOPBACK:
        print(f"Warning: listening on {host}, reachable from the network; keep the token secret.", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
