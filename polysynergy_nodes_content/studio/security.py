"""Access control for the studio: a token for every request, sessions in an HttpOnly
SameSite=Strict cookie, a CSRF token per session and an Origin check on every write.

The token arrives once (``?token=`` in the printed URL, or an ``Authorization: Bearer``
header for scripts); a browser then holds only a random session id, never the token.
A session ends at logout, after a time without requests (idle) and after a fixed
lifetime, whichever comes first.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

SESSION_COOKIE = "studio_session"
MAX_SESSIONS = 1000
DEFAULT_IDLE_MINUTES = 30
DEFAULT_SESSION_HOURS = 12
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)


class Forbidden(Exception):
    """A write that did not prove it came from the studio's own page."""


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    flash: list = field(default_factory=list)
    started: float = 0.0
    last_seen: float = 0.0


class Sessions:
    """Session id -> Session, in memory (a restart logs everyone out, by design). A session
    expires ``idle_seconds`` after its last request and ``lifetime_seconds`` after it began."""

    def __init__(self, idle_seconds: float = DEFAULT_IDLE_MINUTES * 60,
                 lifetime_seconds: float = DEFAULT_SESSION_HOURS * 3600, clock=time.monotonic):
        if not idle_seconds > 0 or not lifetime_seconds > 0:
            raise ValueError("session idle time and lifetime must be greater than 0")
        self.idle_seconds = idle_seconds
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._items: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            if len(self._items) >= MAX_SESSIONS:
                self._items.pop(next(iter(self._items)))
            session = self._items[sid] = Session(started=now, last_seen=now)
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        """The live session ``sid`` (its idle time starts again), or None (an expired one is ended)."""
        if not sid:
            return None
        now = self._clock()
        with self._lock:
            session = self._items.get(sid)
            if session is None:
                return None
            if now - session.last_seen > self.idle_seconds or now - session.started > self.lifetime_seconds:
                del self._items[sid]
                return None
            session.last_seen = now
            return session

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._items.pop(sid or "", None)


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def check_origin(request: Request) -> None:
    """Writes must come from a page of this server: Origin (else Referer) must be ours,
    and the browser's Sec-Fetch-Site, when sent, must not say cross-site."""
    own = _own_origin(request)
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if not referer:
            raise Forbidden("a write needs an Origin or Referer header from this studio")
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin != own:
        raise Forbidden(f"cross-site request refused (origin {origin[:100]})")
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site not in (None, "same-origin", "none"):
        raise Forbidden(f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:40]})")


def check_csrf(request: Request, submitted: str | None) -> None:
    session: Session | None = request.state.session
    if session is None:  # a script authenticated by its bearer token: no cookie, no CSRF risk
        return
    if not same_token(submitted, session.csrf):
        raise Forbidden("the form's CSRF token is missing or stale: reload the page and try again")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


class TokenMiddleware(BaseHTTPMiddleware):
    """Refuse every request that has neither a session nor the token."""

    def __init__(self, app, token: str, sessions: Sessions, secure_cookie: bool = False):
        super().__init__(app)
        self.token = token
        self.sessions = sessions
        self.secure_cookie = secure_cookie

    async def dispatch(self, request: Request, call_next) -> Response:
        response = await self._dispatch(request, call_next)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cache-Control", "no-store")
        return response

    async def _dispatch(self, request: Request, call_next) -> Response:
        request.state.session = None
        request.state.session_id = sid = request.cookies.get(SESSION_COOKIE)
        session = self.sessions.get(sid)
        query_token = request.query_params.get("token")
        if query_token is not None and request.method == "GET":
            # The token leaves the address bar at once, also when a session already exists.
            new_sid = None
            if session is None:
                if not same_token(query_token, self.token):
                    return _refused("the token is wrong")
                new_sid, _ = self.sessions.create()
            response = RedirectResponse(without_token(request), status_code=303)
            if new_sid is not None:
                response.set_cookie(SESSION_COOKIE, new_sid, httponly=True, samesite="strict",
                                    secure=self.secure_cookie, path="/")
            return response
        if session is None and not same_token(_bearer(request), self.token):
            ended = "your session has ended (signed out or expired): " if sid else ""
            return _refused(f"{ended}open the URL with ?token=... printed when the studio started "
                            "(or send Authorization: Bearer <token>)")
        request.state.session = session
        if request.method not in SAFE_METHODS and session is not None:
            try:
                check_origin(request)
            except Forbidden as exc:
                return PlainTextResponse(f"Forbidden: {exc}", status_code=403)
        return await call_next(request)


def without_token(request: Request) -> str:
    """The request's own path and query without ``token``, as a same-origin redirect
    target: leading slashes collapse to one, so ``//host/...`` cannot leave the origin."""
    path = "/" + quote(request.url.path.lstrip("/"), safe="/%:@!$&'()*+,;=~")
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    return path + (f"?{urlencode(rest)}" if rest else "")


def host_of(header: str) -> str:
    """The host name of a Host header, without its port; an IPv6 literal without its
    brackets (``[::1]:8765`` -> ``::1``). Starlette's own check splits at the first colon."""
    try:
        return urlsplit("//" + header).hostname or ""
    except ValueError:
        return ""


class HostCheckMiddleware:
    """Refuse a request whose Host header names another host (DNS rebinding)."""

    def __init__(self, app, allowed_hosts: list[str]):
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed = {h.lower() for h in allowed_hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and not self.any_host:
            header = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if host_of(header) not in self.allowed:
                await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _refused(reason: str) -> Response:
    return PlainTextResponse(f"Unauthorized: {reason}", status_code=401,
                             headers={"WWW-Authenticate": 'Bearer realm="content studio"'})
