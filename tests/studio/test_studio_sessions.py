"""The studio's sessions and edges over raw HTTP against a real ``serve`` process:
sign out, session expiry, the ``?token=`` redirect, ``--host ::1``, page numbers out of
range, JSON nested too deeply, and bidi controls marked on the migration pages."""

from __future__ import annotations

import http.client
import re
import secrets
import time
from urllib.parse import quote

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, Studio, need_chromium
from studio_helpers import build

from polysynergy_nodes_content.studio.security import Sessions

TOKEN = secrets.token_urlsafe(16)


def fetch(studio: Studio, method: str, path: str, headers: dict | None = None, body: str | None = None):
    """(status, headers with lower-case names, body) of one request; redirects are not followed."""
    conn = http.client.HTTPConnection(studio.host, studio.port, timeout=60)
    try:
        sent = dict(headers or {})
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        conn.close()


def sign_in(studio: Studio) -> str:
    """A session cookie header, from the token exchange."""
    status, headers, _ = fetch(studio, "GET", f"/?token={studio.token}")
    assert status == 303
    sid = re.search(r"studio_session=([^;]+)", headers["set-cookie"]).group(1)
    return f"studio_session={sid}"


def bearer() -> dict:
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def studio(engine, database_url):
    server = Studio(database_url, TOKEN)
    yield server
    server.stop()


def test_the_token_redirect_drops_the_token_and_never_leaves_the_origin(studio):
    for path, target in (("//evil.example/sections?token={t}&x=1", "/evil.example/sections?x=1"),
                         ("///evil.example/?token={t}", "/evil.example/"),
                         ("/%09/evil.example/?token={t}", "/evil.example/"),  # a browser would drop a tab: "//"
                         ("/%2F/evil.example/?token={t}", "/evil.example/"),
                         ("/\\evil.example/?token={t}", "/%5Cevil.example/"),
                         ("/sections?size=50&token={t}", "/sections?size=50")):
        status, headers, _ = fetch(studio, "GET", path.format(t=studio.token))
        assert status == 303 and headers["location"] == target, (path, headers.get("location"))
    cookie = sign_in(studio)
    # With a session already open, the token still leaves the address bar (no new session).
    status, headers, _ = fetch(studio, "GET", f"/sections?token={studio.token}", {"Cookie": cookie})
    assert status == 303 and headers["location"] == "/sections" and "set-cookie" not in headers
    status, headers, _ = fetch(studio, "GET", "//evil.example?token=anything", {"Cookie": cookie})
    assert status == 303 and headers["location"] == "/evil.example"


def test_sign_out_needs_the_csrf_token_and_ends_the_session(studio):
    cookie = sign_in(studio)
    status, _, page = fetch(studio, "GET", "/", {"Cookie": cookie})
    assert status == 200 and 'action="/logout"' in page and 'id="sign-out"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    origin = {"Cookie": cookie, "Origin": f"http://127.0.0.1:{studio.port}"}
    status, _, _ = fetch(studio, "POST", "/logout", origin, "csrf_token=wrong")
    assert status == 403
    assert fetch(studio, "GET", "/", {"Cookie": cookie})[0] == 200  # still signed in
    status, _, _ = fetch(studio, "GET", "/logout", {"Cookie": cookie})
    assert status == 405  # never by a link or an image
    status, headers, page = fetch(studio, "POST", "/logout", origin, f"csrf_token={csrf}")
    assert status == 200 and "Signed out" in page and 'id="sign-out"' not in page
    assert re.search(r"studio_session=\"?\"?;", headers["set-cookie"])  # the cookie is dropped
    status, _, message = fetch(studio, "GET", "/", {"Cookie": cookie})
    assert status == 401 and "session has ended" in message


def test_a_session_ends_after_its_lifetime_however_active(engine, database_url):
    server = Studio(database_url, TOKEN, "--session-hours", "0.0003")  # about one second
    try:
        cookie = sign_in(server)
        deadline = time.monotonic() + 30
        while fetch(server, "GET", "/", {"Cookie": cookie})[0] == 200:  # every request keeps it active
            assert time.monotonic() < deadline, "the session never expired"
            time.sleep(0.05)  # the polling interval, not a synchronisation
        assert "session has ended" in fetch(server, "GET", "/", {"Cookie": cookie})[2]
    finally:
        server.stop()


def test_sessions_expire_when_idle_and_at_their_lifetime():
    now = [1000.0]
    sessions = Sessions(idle_seconds=60, lifetime_seconds=600, clock=lambda: now[0])
    sid, session = sessions.create()
    now[0] += 59
    assert sessions.get(sid) is session  # a request: idle time starts again
    now[0] += 59
    assert sessions.get(sid) is session
    now[0] += 61
    assert sessions.get(sid) is None and sessions.get(sid) is None  # idle too long: ended for good
    sid, session = sessions.create()
    for _ in range(11):  # active every 55 s, yet over the 600 s lifetime
        now[0] += 55
        got = sessions.get(sid)
    assert got is None
    sid, _ = sessions.create()
    sessions.end(sid)
    assert sessions.get(sid) is None
    with pytest.raises(ValueError):
        Sessions(idle_seconds=0)


def test_serve_on_the_ipv6_loopback_passes_its_own_host_check(engine, database_url):
    server = Studio(database_url, TOKEN, host="::1")
    try:
        status, _, page = fetch(server, "GET", "/", bearer())
        assert status == 200 and "Sections" in page
        status, _, _ = fetch(server, "GET", "/", {**bearer(), "Host": f"evil.example:{server.port}"})
        assert status == 400
        status, headers, _ = fetch(server, "GET", f"/?token={TOKEN}")
        assert status == 303 and headers["location"] == "/"
    finally:
        server.stop()


def test_a_page_number_out_of_range_is_refused_with_a_message(studio, engine):
    build(engine, "notes", [dict(handle="title", field_type_handle="text")])
    engine.create_entries("notes", [{"title": f"n{i}"} for i in range(30)])
    status, _, page = fetch(studio, "GET", "/sections/notes/entries?page=2", bearer())
    assert status == 200 and "page 2 does not exist" not in page
    for number in (3, 999_999_999, 10 ** 30):
        status, _, page = fetch(studio, "GET", f"/sections/notes/entries?page={number}", bearer())
        assert status == 400 and f"page {number} does not exist" in page, (number, status)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_too_deeply_is_a_400_not_a_500(studio, engine):
    build(engine, "things", [dict(handle="meta", field_type_handle="json")])
    status, _, page = fetch(studio, "POST", "/sections/things/entries/new", bearer(),
                            "meta=" + quote(_nested(20_000)))
    assert status == 400 and "nested too deeply" in page
    status, _, page = fetch(studio, "GET", "/sections/things/entries?op.meta=_eq&q.meta=" + quote(_nested(3_000)),
                            bearer())
    assert status == 400 and "nested too deeply" in page
    assert fetch(studio, "GET", "/sections/things/entries", bearer())[0] == 200  # the server goes on


def test_a_page_that_reads_answers_its_errors_not_a_500(studio, engine):
    """A GET's engine call runs beside a disconnect watcher: its errors still reach the
    studio's error pages as themselves (not wrapped in an exception group, a 500)."""
    status, _, page = fetch(studio, "GET", "/sections/no_such_section/entries", bearer())
    assert status == 404 and "no_such_section" in page


def test_bidi_controls_are_marked_on_the_review_and_history_pages(studio, engine):
    label = "Invoices \u202egnp.exe\u2066"
    section = engine.create_section("invoices", label)
    engine.add_field(section["id"], "amount", "Amount", "integer")
    planned = engine.plan_migration("invoices")
    for path in (f"/migrations/{planned['id']}", "/sections/invoices/migrations"):
        status, _, page = fetch(studio, "GET", path, bearer())
        body = page.split("<main>", 1)[1]
        assert status == 200
        assert "\u202e" not in body and "\u2066" not in body, path
        assert '<span class="bidi-control" title="invisible bidi control">[U+202E]</span>gnp.exe' in body, path
        assert "[U+2066]" in body


def test_sign_out_in_chromium(studio, tmp_path):
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context().new_page()
            page.goto(f"{studio.base}/?size=25&token={studio.token}")
            assert page.url == f"{studio.base}/?size=25" and page.is_visible("#sign-out")
            page.screenshot(path=str(tmp_path / "signed-in.png"))
            with page.expect_navigation():
                page.click("#sign-out")
            assert "Signed out" in page.inner_text("h1") and not page.is_visible("#sign-out")
            assert not [c for c in page.context.cookies() if c["name"] == "studio_session"]
            assert page.goto(f"{studio.base}/").status == 401
        finally:
            browser.close()
