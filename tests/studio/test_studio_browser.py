"""The studio in a real browser (Debian's Chromium through Playwright), the whole path
a person takes: build a section, review and apply its migration, add entries (one is
refused and shows why), filter and sort the table, edit, delete, roll back. Also: a
stored script is shown as text, and requests without the token or from another site are
refused. Screenshots go to pytest's temporary folder."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request

import psycopg
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, CrossSitePage, Studio, need_chromium
from studio_helpers import build

SCRIPT_TITLE = "<script>window.__pwned = 1</script><b>bold</b>"


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module's tests: each test opens a context of its own (no
    cookies, storage or pages shared), so starting the browser again would only add time."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def studio(engine, database_url):
    server = Studio(database_url, secrets.token_urlsafe(16))
    yield server
    server.stop()


@pytest.fixture
def companies(engine):
    build(engine, "companies", [dict(handle="name", label="Name", field_type_handle="text")])
    return {name: engine.create_entry("companies", {"name": name})["id"] for name in ("Acme", "Globex")}


def navigate(page, selector: str) -> None:
    """Click something that loads another page, and wait for that page."""
    with page.expect_navigation():
        page.click(selector)


def _add_field(page, type_handle, handle, label, settings=None, **options):
    page.select_option("#new-field-type", type_handle)
    navigate(page, "text=Add field")
    page.fill("input[name=handle]", handle)
    page.fill("input[name=label]", label)
    for name, value in (settings or {}).items():
        selector = f"[name='setting.{name}']"
        if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    if options.get("required"):
        page.check("input[name=is_required]")
    if options.get("width"):
        page.select_option("select[name=ui_width]", options["width"])
    if options.get("tab"):
        page.fill("input[name=tab_name]", options["tab"])
    navigate(page, "text=Save field")
    assert page.url.endswith("/sections/articles"), page.content()


def _titles(page) -> list[str]:
    return page.locator("#entries tbody td[data-column=title]").all_inner_texts()


def _new_entry(page, title, rating, company=None, status=None):
    navigate(page, "#new-entry")
    page.fill("#field-title", title)
    page.fill("#field-rating", rating)
    if company:
        page.fill("#search-company", company[:3].lower())
        page.wait_for_selector(f"#field-company option:text-is('{company}')", state="attached")
        page.select_option("#field-company", label=company)
    if status:
        page.click("button.tab:text-is('Meta')")
        page.select_option("#field-status", status)
    navigate(page, "#save-entry")


def test_the_whole_path_in_chromium(browser, studio, engine, companies, tmp_path):
    context = browser.new_context()
    page = context.new_page()
    shot = lambda name: page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)  # noqa: E731

    # The token opens a session: an HttpOnly, SameSite=Strict cookie; the token leaves the URL.
    assert studio.announced == f"Content studio: {studio.base}/?token={studio.token}"
    page.goto(f"{studio.base}/?token={studio.token}")
    assert "token=" not in page.url
    cookie = next(c for c in context.cookies() if c["name"] == "studio_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["value"] != studio.token

    # Build a section with four field types.
    page.fill("input[name=handle]", "articles")
    page.fill("input[name=label]", "Articles")
    navigate(page, "text=Create section")
    assert page.url.endswith("/sections/articles")
    _add_field(page, "text", "title", "Title", {"maxLength": "60"}, required=True)
    _add_field(page, "integer", "rating", "Rating", {"min": "0", "max": "10"}, width="half")
    _add_field(page, "select", "status", "Status", {"options": "draft | Draft\npublished | Published"}, tab="Meta")
    _add_field(page, "relation", "company", "Company", {"targetSection": "companies"}, width="half")
    # A settings error from the field type is shown and the form keeps what was typed.
    page.select_option("#new-field-type", "integer")
    navigate(page, "text=Add field")
    page.fill("input[name=handle]", "broken")
    page.fill("[name='setting.min']", "5")
    page.fill("[name='setting.max']", "1")
    navigate(page, "text=Save field")
    assert "must not be greater than" in page.inner_text("#form-error")
    assert page.input_value("[name='setting.min']") == "5"
    navigate(page, "text=Cancel")
    # Reorder: the relation moves above the select.
    navigate(page, "[aria-label='Move company up']")
    order = page.locator("#fields tbody tr").evaluate_all("rows => rows.map(r => r.dataset.field)")
    assert order == ["title", "rating", "company", "status"]
    # Edit: the settings form shows the stored settings; add a help text.
    navigate(page, "#fields tr[data-field=status] >> text=Edit")
    assert page.input_value("[name='setting.options']") == "draft | Draft\npublished | Published"
    page.fill("input[name=help_text]", "Where the article stands")
    navigate(page, "text=Save field")
    # Remove, after the page asks.
    _add_field(page, "boolean", "scratch", "Scratch")
    page.once("dialog", lambda dialog: dialog.accept())
    navigate(page, "#fields tr[data-field=scratch] >> button:text-is('Remove')")
    assert page.locator("#fields tr[data-field=scratch]").count() == 0
    assert page.locator("#fields tbody tr").count() == 4
    shot("builder")

    # Review and apply.
    navigate(page, "#review-migration")
    assert "/migrations/" in page.url
    sql = page.inner_text("#migration-sql")
    assert "CREATE TABLE" in sql and '"title"' in sql
    assert page.locator("#operations tbody tr").count() >= 1
    assert page.locator("#migration-sql .k, #migration-sql .kd, #migration-sql .nb").count() > 0  # highlighted
    shot("review")
    navigate(page, "#apply")
    assert page.url.endswith("/sections/articles")
    assert "migrated" in page.inner_text("h1")

    # Entries through the form; tabs and widths come from the descriptor.
    navigate(page, "a.button:text-is('Entries')")
    _new_entry(page, "Alpha", "5", company="Acme", status="published")
    assert "/entries" in page.url and "Entry created." in page.content()
    assert page.locator("#entries td[data-column=company]").first.inner_text() == "Acme"
    assert companies["Acme"] not in page.inner_text("#entries tbody")

    navigate(page, "#new-entry")
    assert page.locator(".form-cell[data-field=rating].ce-7").count() == 1  # half width: columns 1-6
    assert page.locator("button.tab").all_inner_texts() == ["Content", "Meta"]
    assert page.inner_text(".form-cell[data-field=status] .help") == "Where the article stands"
    navigate(page, "text=Cancel")
    _new_entry(page, "Beta", "50")
    error = page.locator(".form-cell[data-field=rating] .field-error")
    assert "must be at most 10" in error.inner_text()
    assert page.input_value("#field-title") == "Beta" and page.input_value("#field-rating") == "50"
    shot("refused")
    page.fill("#field-rating", "7")
    navigate(page, "#save-entry")
    assert "Entry created." in page.content()
    _new_entry(page, SCRIPT_TITLE, "1", company="Globex")

    # A stored script is text, never markup.
    assert page.evaluate("window.__pwned") is None
    assert SCRIPT_TITLE in _titles(page)
    assert page.locator("#entries td[data-column=title] b").count() == 0
    assert page.inner_text("#total") == "3 entries"

    # Filter on the server with the query language's operators, then sort by a header.
    page.select_option("select[name='op.rating']", "_gte")
    page.fill("input[name='q.rating']", "5")
    navigate(page, "button:text-is('Filter')")
    assert page.inner_text("#total") == "2 entries"
    assert sorted(_titles(page)) == ["Alpha", "Beta"]
    page.select_option("select[name='op.company']", "_eq")
    page.fill("input[name='q.company']", "acme")  # by title, not by UUID
    navigate(page, "button:text-is('Filter')")
    assert _titles(page) == ["Alpha"]
    page.goto(f"{studio.base}/sections/articles/entries")
    navigate(page, "#entries thead a.sort:text('Rating')")
    assert _titles(page) == [SCRIPT_TITLE, "Alpha", "Beta"]
    navigate(page, "#entries thead a.sort:text('Rating')")
    assert _titles(page) == ["Beta", "Alpha", SCRIPT_TITLE]
    page.select_option("select[name='op.rating']", "_between")
    page.fill("input[name='q.rating']", "x,y")
    navigate(page, "button:text-is('Filter')")
    assert "whole number" in page.inner_text("th .field-error")
    shot("table")

    # Edit, then delete with confirmation.
    page.goto(f"{studio.base}/sections/articles/entries?sort=rating&dir=asc")
    navigate(page, "#entries tbody tr:has(td:text-is('Alpha')) >> text=Edit")
    assert page.input_value("#field-title") == "Alpha"
    page.fill("#field-title", "Alpha two")
    navigate(page, "#save-entry")
    assert "Alpha two" in _titles(page)
    navigate(page, "#entries tbody tr:has(td:text-is('Beta')) >> text=Edit")
    navigate(page, "#delete-entry")
    assert "Delete this entry?" in page.inner_text("h1")
    navigate(page, "#confirm-delete")
    assert "Beta" not in _titles(page) and page.inner_text("#total") == "2 entries"

    # A destructive change: Apply asks for an explicit confirmation; rollback restores the data.
    navigate(page, "text=Articles")
    page.once("dialog", lambda dialog: dialog.accept())
    navigate(page, "#fields tr[data-field=status] >> button:text-is('Remove')")
    navigate(page, "#review-migration")
    assert "destructive" in page.inner_text("#operations")
    navigate(page, "#apply")
    assert "tick the box" in page.inner_text("#apply-error")
    assert engine.get_section("articles")["migration_status"] != "migrated"
    page.check("#confirm-destructive")
    navigate(page, "#apply")
    assert "Migration 2 applied." in page.content()
    page.goto(f"{studio.base}/sections/articles/entries")
    assert page.locator("#entries thead th[data-column=status]").count() == 0
    page.goto(f"{studio.base}/sections/articles")
    navigate(page, "text=Roll back migration 2")
    navigate(page, "#rollback")
    assert "Tick the box" in page.inner_text("p.error")
    page.check("#confirm-rollback")
    navigate(page, "#rollback")
    assert "rolled back" in page.content()
    page.goto(f"{studio.base}/sections/articles/entries?op.title=_eq&q.title=Alpha+two")
    assert page.inner_text("#entries td[data-column=status]") == "Published"
    page.goto(f"{studio.base}/sections/articles/migrations")
    history = page.inner_text("#history")
    assert "rolled_back" in history and "applied" in history
    shot("history")
    context.close()


def test_requests_without_the_token_or_from_another_site_are_refused(browser, studio, engine):
    # No token, a wrong token, a wrong bearer: 401, nothing rendered.
    for url, headers in ((f"{studio.base}/", {}), (f"{studio.base}/?token=wrong", {}),
                         (f"{studio.base}/static/studio.css", {}),
                         (f"{studio.base}/", {"Authorization": "Bearer wrong"})):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)
        assert refused.value.code == 401
    ok = urllib.request.urlopen(urllib.request.Request(
        f"{studio.base}/", headers={"Authorization": f"Bearer {studio.token}"}), timeout=10)
    assert ok.status == 200 and "default-src 'none'" in ok.headers["Content-Security-Policy"]
    # A page reached through another host name (DNS rebinding) is refused even with the token.
    with pytest.raises(urllib.error.HTTPError) as rebound:
        urllib.request.urlopen(urllib.request.Request(
            f"{studio.base}/", headers={"Authorization": f"Bearer {studio.token}", "Host": "evil.example"}),
            timeout=10)
    assert rebound.value.code == 400

    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"{studio.base}/sections")
    assert response.status in (401, 405)
    page.goto(f"{studio.base}/?token={studio.token}")

    # A page on another origin posts a form with the session cookie: refused.
    evil = CrossSitePage(
        f"<form id=f method=post action='{studio.base}/sections'>"
        "<input name=handle value=evil_section><input name=csrf_token value=guess></form>"
        "<script>document.getElementById('f').submit()</script>")
    try:
        with page.expect_response(f"{studio.base}/sections") as posted:
            page.goto(evil.url)
        assert posted.value.status == 403
    finally:
        evil.stop()
    # Same origin but without the session's CSRF token: refused as well.
    page.goto(f"{studio.base}/")
    status = page.evaluate("""async () => {
        const body = new URLSearchParams({handle: 'no_csrf_section'});
        return (await fetch('/sections', {method: 'POST', body})).status; }""")
    assert status == 403
    handles = {s["handle"] for s in engine.list_sections()}
    assert "evil_section" not in handles and "no_csrf_section" not in handles
    context.close()


def test_without_a_configured_token_one_is_generated_and_printed(engine, database_url):
    server = Studio(database_url, None)
    try:
        assert server.announced.startswith(f"Content studio: {server.base}/?token=") and len(server.token) >= 24
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.base}/", timeout=10)
        assert refused.value.code == 401
        browser_like = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())  # keeps the session
        with browser_like.open(f"{server.base}/?token={server.token}", timeout=10) as opened:
            assert opened.status == 200 and "Sections" in opened.read().decode()
    finally:
        server.stop()


def test_paging_sizes_and_relation_titles_across_pages(browser, studio, engine, companies):
    build(engine, "visits", [dict(handle="note", field_type_handle="text"),
                             dict(handle="number", field_type_handle="integer"),
                             dict(handle="company", field_type_handle="relation",
                                  field_settings={"targetSection": "companies"})])
    names = list(companies)
    engine.create_entries("visits", [{"note": f"visit {i:02d}", "number": i, "company": companies[names[i % 2]]}
                                     for i in range(60)])
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{studio.base}/sections/visits/entries?token={studio.token}&sort=number&dir=asc")
    assert page.inner_text("#total") == "60 entries" and "Page 1 of 3" in page.inner_text(".pager")
    notes = page.locator("#entries td[data-column=note]").all_inner_texts()
    assert notes == [f"visit {i:02d}" for i in range(25)]
    navigate(page, ".pager a[rel=next]")
    assert "Page 2 of 3" in page.inner_text(".pager")
    assert page.locator("#entries td[data-column=note]").first.inner_text() == "visit 25"
    assert set(page.locator("#entries td[data-column=company]").all_inner_texts()) == {"Acme", "Globex"}
    navigate(page, ".pager .sizes a:text-is('50')")
    assert "Page 1 of 2" in page.inner_text(".pager") and page.locator("#entries tbody tr").count() == 50
    context.close()


def test_a_field_has_one_default_input_and_keeps_a_default_stored_in_its_settings(browser, studio, engine, database_url):
    engine.create_section("tickets", "Tickets")
    context = browser.new_context()
    page = context.new_page()
    for type_handle in ("select", "boolean", "multi_select"):  # the types whose settings have a "default"
        page.goto(f"{studio.base}/sections/tickets/fields/new?type={type_handle}&token={studio.token}")
        assert page.locator("[name='setting.default']").count() == 0, type_handle
        assert page.locator("[name=default_value]").count() == 1, type_handle
    page.goto(f"{studio.base}/sections/tickets/fields/new?type=select")
    page.fill("input[name=handle]", "status")
    page.fill("[name='setting.options']", "open\nclosed")
    page.fill("input[name=default_value]", "closed")
    navigate(page, "text=Save field")
    status = next(f for f in engine.get_section("tickets")["fields"] if f["handle"] == "status")
    assert json.loads(status["default_value"]) == "closed" and "default" not in status["field_settings"]
    # A default stored in the settings (before it had one home) shows as the default value, and saving keeps it.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE section_fields SET default_value = NULL, field_settings = field_settings || "
                     "'{\"default\": \"open\"}' WHERE id = %s", (status["id"],))
    page.goto(f"{studio.base}/sections/tickets/fields/status")
    assert json.loads(page.input_value("input[name=default_value]")) == "open"
    navigate(page, "text=Save field")
    status = next(f for f in engine.get_section("tickets")["fields"] if f["handle"] == "status")
    assert json.loads(status["default_value"]) == "open" and "default" not in status["field_settings"]
    context.close()
