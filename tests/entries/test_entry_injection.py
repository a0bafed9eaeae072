"""Injection attempts through every input: rejected with a clear error or stored
verbatim, and the database is unharmed (a canary table survives, counts unchanged)."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.errors import ContentError, InvalidInput, NotFound

PAYLOADS = [
    "'; DROP TABLE canary; --",
    "Robert'); DROP TABLE canary;--",
    'x" ; DROP TABLE canary; --',
    "articles; DROP TABLE canary",
    "articles\"; DROP TABLE canary; --",
    "title) VALUES ('x'); DROP TABLE canary; --",
    "1 OR 1=1",
    "$$; DROP TABLE canary; $$",
    "\\'; DROP TABLE canary; --",
    "%s%s%s",
    "{}",
    "title\x00",
    "ÄRTICLES",
]


@pytest.fixture
def canary(engine, sections, raw):
    raw.execute("CREATE TABLE public.canary (v text)")
    raw.execute("INSERT INTO public.canary VALUES ('alive')")
    engine.create_entry("articles", {"title": "existing"})

    def check():
        assert raw.execute("SELECT v FROM public.canary").fetchall() == [("alive",)]
        tables = {r[0] for r in raw.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'custom'")}
        assert {"articles", "authors", "articles_reviewers"} <= tables
        return raw.execute("SELECT count(*) FROM custom.articles").fetchone()[0]

    assert check() == 1
    return check


@pytest.mark.parametrize("payload", PAYLOADS)
def test_section_handle(engine, canary, payload):
    for call in (
        lambda: engine.create_entry(payload, {"title": "x"}),
        lambda: engine.create_entries(payload, [{"title": "x"}]),
        lambda: engine.query_entries(payload),
        lambda: engine.get_entry(payload, "00000000-0000-4000-8000-000000000000"),
        lambda: engine.delete_entry(payload, "00000000-0000-4000-8000-000000000000"),
    ):
        with pytest.raises(NotFound, match="section .* does not exist"):
            call()
    assert canary() == 1


@pytest.mark.parametrize("payload", PAYLOADS)
def test_field_names_in_data(engine, canary, payload):
    with pytest.raises(InvalidInput, match="unknown field"):
        engine.create_entry("articles", {"title": "x", payload: "v"})
    entry_id = engine.query_entries("articles")["entries"][0]["id"]
    with pytest.raises(InvalidInput, match="unknown field"):
        engine.update_entry("articles", entry_id, {payload: "v"})
    with pytest.raises(InvalidInput, match="item 0: unknown field"):
        engine.create_entries("articles", [{"title": "x", payload: "v"}])
    assert canary() == 1


@pytest.mark.parametrize("payload", PAYLOADS)
def test_values_are_stored_verbatim(engine, canary, payload):
    if "\x00" in payload:
        with pytest.raises(InvalidInput, match="NUL"):
            engine.create_entry("articles", {"title": payload})
        return
    entry = engine.create_entry("articles", {"title": payload, "body": payload, "meta": {payload: payload}})
    assert entry["title"] == payload and entry["body"] == payload and entry["meta"] == {payload: payload}
    assert engine.get_entry("articles", entry["id"])["title"] == payload
    found = engine.query_entries("articles", {"title": payload})
    assert found["total_count"] == 1 and found["entries"][0]["body"] == payload
    assert engine.query_entries("articles", {"title": {"_contains": payload}})["total_count"] == 1
    assert engine.query_entries("articles", {"body": {"_in": [payload, "x"]}})["total_count"] == 1
    assert engine.query_entries("articles", {"meta": {"_contains": {payload: payload}}})["total_count"] == 1
    batch = engine.create_entries("articles", [{"title": payload + " (batch)", "body": payload}])
    assert batch[0]["body"] == payload
    updated = engine.update_entry("articles", entry["id"], {"body": payload + payload})
    assert updated["body"] == payload + payload
    assert canary() == 3


def test_classic_values_exactly(engine, canary, raw):
    for value in ("'; DROP TABLE x; --", "Robert'); DROP TABLE"):
        entry = engine.create_entry("articles", {"title": value})
        stored = raw.execute("SELECT title FROM custom.articles WHERE id = %s", (entry["id"],)).fetchone()[0]
        assert stored == value
    assert canary() == 3


@pytest.mark.parametrize("payload", PAYLOADS)
def test_filter_keys(engine, canary, payload):
    with pytest.raises(InvalidInput):
        engine.query_entries("articles", {payload: "x"})
    with pytest.raises(InvalidInput):
        engine.query_entries("articles", {"_or": [{payload: "x"}]})
    assert canary() == 1


@pytest.mark.parametrize("payload", PAYLOADS + ["_eq; DROP TABLE canary", "_eq)--", "_in OR 1=1"])
def test_filter_operators(engine, canary, payload):
    with pytest.raises(InvalidInput, match="operator|not supported"):
        engine.query_entries("articles", {"title": {payload: "x"}})
    assert canary() == 1


@pytest.mark.parametrize("payload", PAYLOADS + [
    "title; DROP TABLE canary", "title DESC; DROP TABLE canary", "title, (SELECT 1)", "1", "title DESC --",
    "random()", "title COLLATE \"C\"", "title ASC NULLS FIRST; DELETE FROM canary",
])
def test_order_by(engine, canary, payload):
    with pytest.raises(InvalidInput) as info:
        engine.query_entries("articles", None, payload)
    assert info.value.field == "order_by"
    assert canary() == 1


@pytest.mark.parametrize("payload", ["1; DROP TABLE canary", "10 OR 1=1", "ALL"])
def test_limit_and_offset(engine, canary, payload):
    with pytest.raises(InvalidInput, match="limit"):
        engine.query_entries("articles", None, None, limit=payload)
    with pytest.raises(InvalidInput, match="offset"):
        engine.query_entries("articles", None, None, offset=payload)
    assert canary() == 1


@pytest.mark.parametrize("payload", ["'; DROP TABLE canary; --", "00000000-0000-4000-8000-000000000000' OR '1'='1"])
def test_entry_ids(engine, canary, payload):
    for call in (lambda: engine.get_entry("articles", payload),
                 lambda: engine.update_entry("articles", payload, {"views": 1}),
                 lambda: engine.delete_entry("articles", payload),
                 lambda: engine.create_entry("articles", {"title": "r", "author": payload}),
                 lambda: engine.query_entries("articles", {"id": payload})):
        with pytest.raises(InvalidInput):
            call()
    assert canary() == 1


def test_nothing_else_reaches_sql(engine, canary, raw):
    """A broad sweep: every error is a ContentError, never a raw database error."""
    for filters in ({"views": {"_gt": "1; DROP TABLE canary"}}, {"published_at": {"_lt": "now()"}},
                    {"tags": {"_contains": ["'); DROP TABLE canary; --"]}}, {"id": {"_in": ["x'--"]}}):
        try:
            engine.query_entries("articles", filters)
        except ContentError:
            pass
    assert canary() == 1
