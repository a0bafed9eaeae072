"""Entry history in the studio, against a real ``serve`` process over raw HTTP (and one
look in Chromium): its writes are recorded with source ``studio``; the entry form shows
the entry's versions with their changes and a Restore button per version."""

from __future__ import annotations

import html
import re
import secrets
from urllib.parse import urlencode

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, Studio, need_chromium
from studio_helpers import build
from test_studio_sessions import fetch, sign_in

TOKEN = secrets.token_urlsafe(16)


@pytest.fixture
def studio(engine, database_url):
    server = Studio(database_url, TOKEN)
    yield server
    server.stop()


@pytest.fixture
def notes(engine):
    return build(engine, "notes", [dict(handle="title", label="Title", field_type_handle="text", is_required=True),
                                   dict(handle="body", label="Body", field_type_handle="textarea")])


class Browser:
    """A signed-in session: GET pages, POST forms with the page's CSRF token and our Origin."""

    def __init__(self, studio: Studio):
        self.studio, self.cookie = studio, sign_in(studio)

    def get(self, path: str) -> tuple[int, str]:
        status, _, page = fetch(self.studio, "GET", path, {"Cookie": self.cookie})
        return status, page

    def csrf(self) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.get("/")[1]).group(1)

    def post(self, path: str, form: dict, csrf: str | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": self.cookie, "Origin": f"http://127.0.0.1:{self.studio.port}"}
        body = urlencode({"csrf_token": self.csrf() if csrf is None else csrf, **form})
        return fetch(self.studio, "POST", path, headers, body)


def test_a_studio_write_is_recorded_with_source_studio(studio, engine, notes):
    browser = Browser(studio)
    status, headers, _ = browser.post("/sections/notes/entries/new", {"title": "First", "body": ""})
    assert status == 303, headers
    entry_id = re.search(r"highlight=([0-9a-f-]+)", headers["location"]).group(1)
    status, _, _ = browser.post(f"/sections/notes/entries/{entry_id}", {"title": "Second", "body": "text"})
    assert status == 303
    versions = engine.entry_history("notes", entry_id)["versions"]
    assert [(v["op"], v["context"]["source"]) for v in versions] == [("update", "studio"), ("insert", "studio")]
    assert len({v["run_id"] for v in versions}) == 2  # one change set per form post


SCRIPT = "<script>window.__pwned = 1</script>"
BIDI = "abc\u202edcba"  # RIGHT-TO-LEFT OVERRIDE: text shown reordered


def test_the_form_shows_the_history_escaped_and_marked_and_restores_a_version(studio, engine, notes):
    entry = engine.create_entry("notes", {"title": "First", "body": SCRIPT})
    engine.with_context(source="cli", actor="ada").update_entry("notes", entry["id"], {"title": BIDI})
    first = engine.entry_history("notes", entry["id"])["versions"][-1]["version"]
    browser = Browser(studio)
    status, page = browser.get(f"/sections/notes/entries/{entry['id']}")
    assert status == 200 and 'id="entry-history"' in page
    history = page.split('id="entry-history"', 1)[1]
    assert SCRIPT not in page and html.escape(SCRIPT, quote=False) in history  # escaped, never markup
    assert "\u202e" not in history and '<span class="bidi-control" title="invisible bidi control">[U+202E]</span>' in history
    assert "actor: ada" in history and "<strong>cli</strong>" in history and "<strong>library</strong>" in history
    assert re.search(r'data-field="title"><span class="change-field">title</span>:\s*<del class="old">First</del> → '
                     r'<ins class="new">abc<span class="bidi-control"', history)
    assert history.count('class="restore-version"') == 1  # the newest version is the entry as it is
    # Restore is a POST with the session's CSRF token, like every other form.
    status, _, _ = browser.post(f"/sections/notes/entries/{entry['id']}/restore", {"version": first}, csrf="wrong")
    assert status == 403 and engine.get_entry("notes", entry["id"])["title"] == BIDI
    status, headers, _ = browser.post(f"/sections/notes/entries/{entry['id']}/restore", {"version": first})
    assert status == 303 and headers["location"] == f"/sections/notes/entries/{entry['id']}"
    assert engine.get_entry("notes", entry["id"])["title"] == "First"
    newest = engine.entry_history("notes", entry["id"])["versions"][0]
    assert newest["context"]["source"] == "studio" and newest["changes"]["title"]["new"] == "First"
    status, page = browser.get(f"/sections/notes/entries/{entry['id']}")
    assert "Entry restored to version" in page


def test_a_restore_the_section_refuses_today_is_shown_and_changes_nothing(studio, engine, notes):
    entry = engine.create_entry("notes", {"title": "Taken"})
    first = engine.entry_history("notes", entry["id"])["versions"][0]["version"]
    engine.update_entry("notes", entry["id"], {"title": "Renamed"})
    section = engine.get_section("notes")
    engine.update_field(next(f["id"] for f in section["fields"] if f["handle"] == "title"), {"is_unique": True})
    engine.apply_migration(engine.plan_migration("notes")["id"], confirm=True)
    engine.create_entry("notes", {"title": "Taken"})  # the old title now belongs to another entry
    browser = Browser(studio)
    status, headers, _ = browser.post(f"/sections/notes/entries/{entry['id']}/restore", {"version": first})
    assert status == 303
    assert engine.get_entry("notes", entry["id"])["title"] == "Renamed"
    _, page = browser.get(headers["location"])
    assert f"Version {first} was not restored" in page and "title" in page


def test_history_and_restore_in_chromium(studio, engine, notes, tmp_path):
    need_chromium()
    from playwright.sync_api import sync_playwright

    entry = engine.create_entry("notes", {"title": "Draft", "body": "first words"})
    engine.with_context(source="mcp", mcp_session="session-42").update_entry(
        "notes", entry["id"], {"title": BIDI, "body": "rewritten by an agent"})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(f"{studio.base}/?token={studio.token}")
            page.goto(f"{studio.base}/sections/notes/entries/{entry['id']}")
            rows = page.locator("#entry-history tbody tr")
            assert rows.count() == 2
            newest = rows.nth(0).inner_text()
            assert "mcp" in newest and "mcp_session: session-42" in newest and "[U+202E]" in newest
            assert "Draft" in newest and "rewritten by an agent" in newest
            page.screenshot(path=str(tmp_path / "entry-history.png"), full_page=True)
            with page.expect_navigation():
                rows.nth(1).locator("button.restore-version").click()
            assert "Entry restored to version" in page.inner_text("body")
            assert page.input_value("#field-title") == "Draft"
            assert page.locator("#entry-history tbody tr").count() == 3
            page.screenshot(path=str(tmp_path / "entry-restored.png"), full_page=True)
        finally:
            browser.close()
    assert engine.get_entry("notes", entry["id"])["body"] == "first words"
