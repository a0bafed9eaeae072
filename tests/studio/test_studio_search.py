"""The table view's search box and the section settings' choice of search fields, over
real HTTP against the ``serve`` process and in Debian's Chromium."""

from __future__ import annotations

import os
import re
import secrets
import urllib.parse
import urllib.request

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, Studio, need_chromium
from studio_helpers import build

NOTES = [("Kubernetes at scale", "We run clusters"), ("Gardening", "Tomatoes and one kubernetes remark"),
         ("Cooking", "Pasta")]


@pytest.fixture
def notes(engine):
    build(engine, "notes", [dict(handle="title", label="Title", field_type_handle="text",
                                 field_settings={"maxLength": 120}),  # a varchar(120) column
                            dict(handle="body", label="Body", field_type_handle="textarea"),
                            dict(handle="views", label="Views", field_type_handle="integer")])
    engine.create_entries("notes", [{"title": t, "body": b, "views": i} for i, (t, b) in enumerate(NOTES)])
    return "notes"


@pytest.fixture
def studio(engine, database_url):
    server = Studio(database_url, secrets.token_urlsafe(16))
    yield server
    server.stop()


def http(studio, path: str, form: dict | list | None = None) -> tuple[str, str]:
    """(final URL path, page) of a GET, or of a POST (form) and its redirect, with the bearer token."""
    data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
    request = urllib.request.Request(studio.base + path, data=data,
                                     headers={"Authorization": f"Bearer {studio.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return urllib.parse.urlsplit(response.geturl()).path, response.read().decode("utf-8")


def titles(page: str) -> list[str]:
    return re.findall(r'<td data-column="title">([^<]*)</td>', page)


def test_search_box_and_search_fields_over_http(studio, engine, notes):
    # No search fields: the box searches every text field by a scan, and says so.
    _, page = http(studio, "/sections/notes/entries?search=kubernetes&sort=views&dir=asc")
    assert titles(page) == ["Kubernetes at scale", "Gardening"]
    assert 'id="search"' in page and 'value="kubernetes"' in page
    assert "Searched every text field (title, body) by a scan" in page
    assert "search=kubernetes" in re.search(r'class="sizes">(.*?)</span>', page, re.S).group(1)  # links keep it
    _, unsearched = http(studio, "/sections/notes/entries")
    assert len(titles(unsearched)) == 3 and 'id="search-mode"' not in unsearched

    # The settings offer the text-like fields (the varchar title too), not the integer.
    _, builder = http(studio, "/sections/notes")
    offered = re.findall(r'name="search_fields" value="([a-z_]+)"', builder)
    assert offered == ["title", "body"]

    # Choosing title plans the migration and shows its review.
    path, review = http(studio, "/sections/notes/settings",
                        [("label", "Notes"), ("search_fields_shown", "1"), ("search_fields", "title")])
    assert path.startswith("/migrations/"), path
    assert "Full-text search index" in review and "sx_" in review  # the review of the index migration
    assert engine.get_section("notes")["search_fields"] == ["title"]
    http(studio, f"{path}/apply", {})
    _, page = http(studio, "/sections/notes/entries?search=kubernetes")
    assert titles(page) == ["Kubernetes at scale"]  # only the title now
    assert "Searched the section's search fields (title) with their full-text index" in page
    _, builder = http(studio, "/sections/notes")
    assert re.search(r'value="title" checked', builder) and not re.search(r'value="body" checked', builder)

    # Unticking every box clears the choice (the next migration drops the index).
    path, _ = http(studio, "/sections/notes/settings", [("label", "Notes"), ("search_fields_shown", "1")])
    assert path.startswith("/migrations/")
    assert not engine.get_section("notes")["search_fields"]
    # A label change alone does not touch the search fields or plan anything.
    path, _ = http(studio, "/sections/notes/settings", [("label", "Memos")])
    assert path == "/sections/notes"


def test_a_bad_search_is_shown_beside_the_box(studio, notes):
    _, page = http(studio, "/sections/notes/entries?search=" + "x" * 501)
    assert "search takes at most 500 characters" in page


def test_search_box_and_settings_in_chromium(studio, engine, notes, tmp_path):
    need_chromium()
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("STUDIO_SCREENSHOTS") or str(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(f"{studio.base}/sections/notes/entries?token={studio.token}")
            page.fill("#search", "kubernetes")
            with page.expect_navigation():
                page.click("#search-button")
            assert sorted(page.locator("#entries tbody td[data-column=title]").all_inner_texts()) == [
                "Gardening", "Kubernetes at scale"]
            assert "by a scan" in page.inner_text("#search-mode")
            page.screenshot(path=f"{shots}/search-scan.png", full_page=True)

            page.goto(f"{studio.base}/sections/notes")
            page.check("#search-fields input[value=title]")
            page.screenshot(path=f"{shots}/search-settings.png", full_page=True)
            with page.expect_navigation():
                page.click("#search-fields ~ button[type=submit]")
            assert "/migrations/" in page.url and "Full-text search index" in page.content()
            page.screenshot(path=f"{shots}/search-review.png", full_page=True)
            with page.expect_navigation():
                page.click("#apply")

            page.goto(f"{studio.base}/sections/notes/entries")
            page.fill("#search", "kubernetes")
            with page.expect_navigation():
                page.press("#search", "Enter")
            assert page.locator("#entries tbody td[data-column=title]").all_inner_texts() == ["Kubernetes at scale"]
            assert "full-text index" in page.inner_text("#search-mode")
            assert page.input_value("#search") == "kubernetes"
            page.screenshot(path=f"{shots}/search-indexed.png", full_page=True)
        finally:
            browser.close()
