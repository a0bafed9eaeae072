"""Entry history in the studio, against a real ``serve`` process over raw HTTP (and one
look in Chromium): its writes are recorded with source ``studio``; the entry form shows
the entry's versions with their changes and a Restore button per version."""

from __future__ import annotations

import html
import re
import secrets
from urllib.parse import urlencode

import pytest
from browser_support import Studio
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
