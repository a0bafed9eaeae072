"""Access control for the studio: a token for every request, sessions in an HttpOnly
SameSite=Strict cookie, a CSRF token per session and an Origin check on every write.

The token arrives once (``?token=`` in the printed URL, or an ``Authorization: Bearer``
header for scripts); a browser then holds only a random session id, never the token.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

SESSION_COOKIE = "studio_session"
MAX_SESSIONS = 1000
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


class Sessions:
    """Session id -> Session, in memory (a restart logs everyone out, by design)."""

    def __init__(self):
        self._items: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            if len(self._items) >= MAX_SESSIONS:
                self._items.pop(next(iter(self._items)))
            session = self._items[sid] = Session()
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            return self._items.get(sid)


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
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        query_token = request.query_params.get("token")
        if session is None and query_token is not None and request.method == "GET":
            if not same_token(query_token, self.token):
                return _refused("the token is wrong")
            sid, _ = self.sessions.create()
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=self.secure_cookie,
                                path="/")
            return response
        if session is None and not same_token(_bearer(request), self.token):
            return _refused("open the URL with ?token=... printed when the studio started "
                            "(or send Authorization: Bearer <token>)")
        request.state.session = session
        if request.method not in SAFE_METHODS and session is not None:
            try:
                check_origin(request)
            except Forbidden as exc:
                return PlainTextResponse(f"Forbidden: {exc}", status_code=403)
        return await call_next(request)


def _refused(reason: str) -> Response:
    return PlainTextResponse(f"Unauthorized: {reason}", status_code=401,
                             headers={"WWW-Authenticate": 'Bearer realm="content studio"'})
