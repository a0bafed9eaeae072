"""The studio's access middleware in a real Starlette stack, in process (no database, no
server): the token exchange and its redirect, bearer scripts, sessions and their expiry,
the Host check, and the origin check on writes. Fast, so mutation testing runs it per
mutant; tests/studio/ proves the same against a real ``serve`` process."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from polysynergy_nodes_content.studio.security import (
    CONTENT_SECURITY_POLICY, MAX_SESSIONS, SESSION_COOKIE, HostCheckMiddleware, Sessions, TokenMiddleware, host_of,
    without_token)

TOKEN = "t0ken-for-the-middleware-tests"
BASE = "http://127.0.0.1:8765"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def page(request):
    session = request.state.session
    return PlainTextResponse("session" if session is not None else "bearer")


def app_with(sessions: Sessions, hosts=("127.0.0.1", "localhost", "::1")) -> Starlette:
    return Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])], middleware=[
        Middleware(HostCheckMiddleware, allowed_hosts=list(hosts)),
        Middleware(TokenMiddleware, token=TOKEN, sessions=sessions)])


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sessions(clock):
    return Sessions(idle_seconds=60, lifetime_seconds=600, clock=clock)


@pytest.fixture
def client(sessions):
    with TestClient(app_with(sessions), base_url=BASE, follow_redirects=False) as c:
        yield c


def signed_in(client) -> str:
    """Exchanges the token; the client keeps the session cookie for the next requests."""
    answer = client.get("/sections?token=" + TOKEN)
    assert answer.status_code == 303
    return answer.cookies[SESSION_COOKIE]


def test_no_token_no_entry(client):
    answer = client.get("/")
    assert answer.status_code == 401 and "open the URL with ?token=" in answer.text
    assert answer.headers["www-authenticate"] == 'Bearer realm="content studio"'
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("wrong", ["", "x", TOKEN[:-1], TOKEN + "x", TOKEN.upper()])
def test_a_wrong_query_token_is_refused_and_makes_no_session(client, sessions, wrong):
    answer = client.get(f"/?token={wrong}")
    assert answer.status_code == 401 and "the token is wrong" in answer.text
    assert SESSION_COOKIE not in answer.cookies and sessions._items == {}


def test_the_token_exchange_sets_a_strict_http_only_cookie_and_drops_the_token(client):
    answer = client.get(f"/sections/x?a=1&token={TOKEN}&b=2")
    assert answer.status_code == 303 and answer.headers["location"] == "/sections/x?a=1&b=2"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie and "secure" not in cookie
    assert client.get("/").text == "session"


def test_a_token_url_with_a_session_only_drops_the_token(client, sessions):
    sid = signed_in(client)
    again = client.get(f"/?token={TOKEN}")
    assert again.status_code == 303 and again.headers["location"] == "/" and SESSION_COOKIE not in again.cookies
    assert len(sessions._items) == 1
    wrong = client.get("/?token=nope")  # even a wrong one leaves the bar
    assert wrong.status_code == 303 and wrong.headers["location"] == "/"


def test_the_token_is_only_exchanged_on_get(client, sessions):
    assert client.post(f"/?token={TOKEN}").status_code == 401 and sessions._items == {}


@pytest.mark.parametrize("path, target", [
    ("//evil.example/x", "/evil.example/x"), ("///evil.example", "/evil.example"), ("/a//b", "/a//b"),
    ("/%2F%2Fevil.example", "/evil.example"), ("/a b", "/a%20b")])
def test_the_redirect_never_leaves_the_origin(client, path, target):
    answer = client.get(f"{BASE}{path}?token={TOKEN}")
    assert answer.status_code == 303 and answer.headers["location"] == target


def test_bearer_scripts_need_the_exact_token(client):
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).text == "bearer"
    assert client.get("/", headers={"Authorization": f"bearer   {TOKEN}  "}).text == "bearer"
    for header in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer "):
        assert client.get("/", headers={"Authorization": header}).status_code == 401


def test_a_bearer_script_posts_without_an_origin(client):
    assert client.post("/x", headers={"Authorization": f"Bearer {TOKEN}"}).text == "bearer"


def test_a_session_write_needs_its_own_origin(client):
    sid = signed_in(client)
    assert client.post("/x").status_code == 403
    crossed = client.post("/x", headers={"Origin": "http://evil.example"})
    assert crossed.status_code == 403 and "cross-site request refused" in crossed.text
    assert client.post("/x", headers={"Origin": BASE}).text == "session"
    assert client.get("/x", headers={"Origin": "http://evil.example"}).text == "session"


def test_sessions_expire_when_idle_and_after_their_lifetime(client, clock):
    sid = signed_in(client)
    for _ in range(9):  # active: each request restarts the idle time
        clock.now += 59
        assert client.get("/").text == "session"
    clock.now += 600 - 9 * 59 + 1  # past the lifetime, though seen within the idle time
    ended = client.get("/")
    assert ended.status_code == 401 and "your session has ended" in ended.text
    sid = signed_in(client)
    clock.now += 60
    assert client.get("/").text == "session"  # exactly the idle time: still on
    clock.now += 60.5
    assert client.get("/").status_code == 401


def test_an_ended_session_is_gone_and_unknown_ids_are_refused(client, sessions):
    sid = signed_in(client)
    sessions.end(sid)
    assert client.get("/").status_code == 401
    sessions.end(None)  # harmless
    client.cookies.set(SESSION_COOKIE, "made-up")
    assert client.get("/").status_code == 401


def test_sessions_are_capped_dropping_the_oldest(clock):
    store = Sessions(clock=clock)
    first, _ = store.create()
    for _ in range(MAX_SESSIONS):
        store.create()
    assert store.get(first) is None and len(store._items) == MAX_SESSIONS


@pytest.mark.parametrize("idle, lifetime", [(0, 10), (10, 0), (-1, 10)])
def test_session_times_must_be_positive(idle, lifetime):
    with pytest.raises(ValueError):
        Sessions(idle_seconds=idle, lifetime_seconds=lifetime)


@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1:8765", True), ("localhost", True), ("[::1]:8765", True), ("LOCALHOST:1", True),
    ("evil.example", False), ("127.0.0.1.evil.example", False), ("", False), ("[::2]:8765", False),
    ("127.0.0.1@evil.example", False)])
def test_the_host_check(sessions, host, ok):
    with TestClient(app_with(sessions), base_url=BASE) as c:
        answer = c.get("/", headers={"Host": host, "Authorization": f"Bearer {TOKEN}"})
    assert (answer.status_code == 200) is ok, (host, answer.status_code, answer.text)
    if not ok:
        assert answer.status_code == 400 and answer.text == "Invalid host header"


def test_any_host_when_asked(sessions):
    with TestClient(app_with(sessions, hosts=("*",)), base_url=BASE) as c:
        assert c.get("/", headers={"Host": "anything.example", "Authorization": f"Bearer {TOKEN}"}).text == "bearer"


@pytest.mark.parametrize("header, host", [
    ("127.0.0.1:8765", "127.0.0.1"), ("[::1]:8765", "::1"), ("[::1]", "::1"), ("Example.COM", "example.com"),
    ("a:b:c", "a"), ("[bad", "")])
def test_host_of(header, host):
    assert host_of(header) == host


def test_the_refusals_say_exactly_what_to_do(client):
    howto = ("open the URL with ?token=... printed when the studio started "
             "(or send Authorization: Bearer <token>)")
    assert client.get("/").text == f"Unauthorized: {howto}"
    assert client.get("/?token=nope").text == "Unauthorized: the token is wrong"
    client.cookies.set(SESSION_COOKIE, "an-ended-session")
    assert client.get("/").text == f"Unauthorized: your session has ended (signed out or expired): {howto}"
    client.cookies.clear()
    sid = signed_in(client)
    assert sid and client.post("/x").text == (
        "Forbidden: a write needs an Origin or Referer header from this studio")
    assert client.post("/x", headers={"Origin": "http://evil.example"}).text == (
        "Forbidden: cross-site request refused (origin http://evil.example)")
    assert client.post("/x", headers={"Origin": BASE, "Sec-Fetch-Site": "cross-site"}).text == (
        "Forbidden: cross-site request refused (Sec-Fetch-Site: cross-site)")


def test_a_secure_studio_sets_a_secure_cookie(sessions):
    app = Starlette(routes=[Route("/", page)], middleware=[
        Middleware(TokenMiddleware, token=TOKEN, sessions=sessions, secure_cookie=True)])
    with TestClient(app, base_url="https://127.0.0.1:8765", follow_redirects=False) as c:
        assert "secure" in c.get(f"/?token={TOKEN}").headers["set-cookie"].lower()


@pytest.mark.parametrize("header", [f"Token  {TOKEN}", f"Bearer{TOKEN}", f"xxxxxxx{TOKEN}", f"Basic: {TOKEN}"])
def test_only_the_bearer_scheme_carries_the_token(client, header):
    assert client.get("/", headers={"Authorization": header}).status_code == 401


def test_session_times_may_be_fractions_and_the_lifetime_is_inclusive(clock):
    store = Sessions(idle_seconds=0.5, lifetime_seconds=0.75, clock=clock)
    sid, _ = store.create()
    clock.now += 0.5
    assert store.get(sid) is not None  # exactly the idle time
    clock.now += 0.25
    assert store.get(sid) is not None  # exactly the lifetime
    clock.now += 0.01
    assert store.get(sid) is None


def test_session_times_must_be_positive_says_so():
    with pytest.raises(ValueError, match="^session idle time and lifetime must be greater than 0$"):
        Sessions(idle_seconds=0)


@pytest.mark.parametrize("path, target", [("/a!b'c(d)*e", "/a!b'c(d)*e"), ("/Xavier/X", "/Xavier/X"),
                                          ("/a:b@c;d=e+f,g$h&i~j", "/a:b@c;d=e+f,g$h&i~j")])
def test_the_redirect_keeps_a_path_as_it_was(client, path, target):
    answer = client.get(f"{BASE}{path}?token={TOKEN}")
    assert answer.headers["location"] == target


def test_a_stale_csrf_token_is_refused_with_the_way_out():
    from polysynergy_nodes_content.studio.security import Forbidden, Session, check_csrf
    from starlette.requests import Request

    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/", "query_string": b""})
    request.state.session = Session()
    with pytest.raises(Forbidden) as refused:
        check_csrf(request, "stale")
    assert str(refused.value) == "the form's CSRF token is missing or stale: reload the page and try again"


def test_a_request_without_a_host_header_is_refused_by_the_host_check():
    """HTTP/1.0 allows a request without Host: it names no allowed host, so it is refused
    (not answered with an error page from deeper in the stack)."""
    import asyncio

    sent = []

    async def inner(scope, receive, send):  # pragma: no cover - must not be reached
        raise AssertionError("the request passed the host check")

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"", "headers": [],
             "http_version": "1.0", "scheme": "http", "server": ("127.0.0.1", 8765), "root_path": ""}
    asyncio.run(HostCheckMiddleware(inner, allowed_hosts=["127.0.0.1"])(scope, receive, send))
    assert sent[0]["status"] == 400 and sent[1]["body"] == b"Invalid host header"
