"""The studio's Subscriptions page against a real ``serve`` process (raw HTTP, and Chromium):
every subscription with its delivery and counts, the target URL escaped, no secret, and
CSRF-checked POST buttons that replay dead events, pause and resume."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from markupsafe import escape
from browser_support import CHROMIUM, CHROMIUM_ARGS, Studio, need_chromium
from studio_helpers import build
from test_studio_history import Browser

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings

TOKEN = secrets.token_urlsafe(16)
SECRET = "studio-hook-secret-0123456789abcdef"
#: Port 9 (discard) on loopback: nothing listens, so every delivery fails at once.
HOSTILE_URL = 'http://127.0.0.1:9/hook?x="><script>window.__pwned=1</script>'


@pytest.fixture
def studio(engine, database_url):
    server = Studio(database_url, TOKEN)
    yield server
    server.stop()


@pytest.fixture
def sender(database_url, engine):
    """An engine that may send to 127.0.0.1 (as a deployment would allow its network)."""
    build(engine, "notes", [dict(handle="title", label="Title", field_type_handle="text")])
    return ContentEngine(database_url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))


@pytest.fixture
def subscriptions(sender):
    """``hook`` (a webhook that fails, with one dead event) and ``feed`` (pull, paused)."""
    sender.create_subscription("hook", ["notes"], target={"url": HOSTILE_URL, "secret": SECRET}, max_attempts=1,
                               timeout_seconds=2)
    sender.create_subscription("feed", ["notes"], events=["create"])
    sender.pause_subscription("feed")
    sender.create_entry("notes", {"title": "first"})
    worker = sender.events_worker()
    deadline = time.monotonic() + 120  # the events wait for other sessions on the server to end
    while sender.get_subscription("hook")["counts"]["dead"] < 1 and time.monotonic() < deadline:
        worker.run(once=True)
    worker.close()
    assert sender.get_subscription("hook")["counts"]["dead"] == 1
    return sender


def row(page: str, name: str) -> str:
    return re.search(rf'<tr data-subscription="{name}">(.*?)</tr>', page, flags=re.DOTALL).group(1)


def test_the_page_lists_subscriptions_escaped_and_without_secrets(studio, subscriptions):
    browser = Browser(studio)
    status, page = browser.get("/subscriptions")
    assert status == 200
    assert SECRET not in page and "<script>window.__pwned" not in page
    hook = row(page, "hook")
    assert str(escape(HOSTILE_URL)) in hook and "webhook" in hook
    assert re.search(r'class="count-dead">1<', hook) and re.search(r'class="count-pending">0<', hook)
    assert 'class="replay-dead"' in hook and 'class="replay-dead" disabled' not in hook
    feed = row(page, "feed")
    assert "pull" in feed and "badge-paused" in feed and 'class="resume"' in feed
    assert ">notes<" in feed and ">create<" in feed
    assert 'href="/subscriptions"' in browser.get("/")[1]  # linked from the navigation


def test_the_buttons_are_csrf_checked_posts(studio, subscriptions):
    browser = Browser(studio)
    for action in ("replay-dead", "pause"):
        status, _, _ = browser.post(f"/subscriptions/hook/{action}", {}, csrf="wrong")
        assert status == 403
    assert subscriptions.get_subscription("hook")["counts"]["dead"] == 1
    assert subscriptions.get_subscription("hook")["paused"] is False
    status, headers, _ = browser.post("/subscriptions/hook/replay-dead", {})
    assert status == 303 and headers["location"] == "/subscriptions"
    counts = subscriptions.get_subscription("hook")["counts"]
    assert counts["dead"] == 0 and counts["pending"] == 1
    assert "1 dead event(s) of hook will be sent again" in browser.get("/subscriptions")[1]
    assert browser.post("/subscriptions/hook/pause", {})[0] == 303
    assert subscriptions.get_subscription("hook")["paused"] is True
    assert browser.post("/subscriptions/feed/resume", {})[0] == 303
    assert subscriptions.get_subscription("feed")["paused"] is False
    status, _, page = browser.post("/subscriptions/nowhere/pause", {})
    assert status == 404 and "does not exist" in page


def test_subscriptions_in_chromium(studio, subscriptions, tmp_path):
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport={"width": 1200, "height": 700})
            page.goto(f"{studio.base}/?token={studio.token}")
            with page.expect_navigation():
                page.click("a.nav-subscriptions")
            hook = page.locator('tr[data-subscription="hook"]')
            assert HOSTILE_URL in hook.locator(".target-url").inner_text()
            assert page.evaluate("window.__pwned") is None
            assert hook.locator(".count-dead").inner_text() == "1"
            page.screenshot(path=str(tmp_path / "subscriptions.png"), full_page=True)
            with page.expect_navigation():
                hook.locator("button.replay-dead").click()
            assert "will be sent again" in page.inner_text("body")
            hook = page.locator('tr[data-subscription="hook"]')
            assert hook.locator(".count-dead").inner_text() == "0"
            assert hook.locator(".count-pending").inner_text() == "1"
            assert hook.locator("button.replay-dead").is_disabled()
            with page.expect_navigation():
                page.locator('tr[data-subscription="feed"] button.resume').click()
            assert page.locator('tr[data-subscription="feed"] button.pause').count() == 1
            page.screenshot(path=str(tmp_path / "subscriptions-after.png"), full_page=True)
        finally:
            chromium.close()
    assert (tmp_path / "subscriptions.png").stat().st_size > 0
