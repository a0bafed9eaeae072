"""Search over a section's search_fields: the migration builds a GIN full-text index, the
review says so, search= matches and ranks, and works (scanning) before the index exists."""

from __future__ import annotations

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings

from polysynergy_nodes_content.content_engine.errors import InvalidInput


class ExplainingCursor(psycopg.Cursor):
    """Runs as the engine's own cursor: before a statement that searches (``@@``) it asks
    the server for that very statement's plan, with the same parameters."""

    plans: list[str] = []

    def execute(self, query, params=None, **kwargs):
        text = query if isinstance(query, str) else query.as_string(self.connection)
        if "@@" in text:
            with psycopg.Cursor(self.connection) as explain:
                explain.execute("EXPLAIN " + text, params)
                ExplainingCursor.plans.append("\n".join(row[0] for row in explain.fetchall()))
        return super().execute(query, params, **kwargs)


def engine_search_plans(engine, words: str) -> list[str]:
    """The plans of the statements ``engine.query_entries(search=words)`` sends, taken on
    its one pooled connection with sequential scans discouraged (the table is tiny)."""
    traced = ContentEngine(engine.url + " application_name=explain", EngineSettings(pool_min_size=1,
                                                                                   pool_max_size=1))
    with traced.pool.connection() as conn:
        conn.execute("SET enable_seqscan = off")
        conn.cursor_factory = ExplainingCursor
    ExplainingCursor.plans = []
    found = traced.query_entries("notes", search=words)
    assert found["total_count"] >= 1
    return list(ExplainingCursor.plans)


@pytest.fixture
def notes(engine, build):
    build(engine, "notes", [("title", "text", {}, True, False), ("body", "textarea", {}, False, False),
                            ("views", "integer", {}, False, False)])
    engine.create_entries("notes", [
        {"title": "Kubernetes at scale", "body": "We run kubernetes and more kubernetes", "views": 1},
        {"title": "Gardening", "body": "Tomatoes, and one word about kubernetes", "views": 2},
        {"title": "Cooking", "body": "Pasta", "views": 3},
    ])
    return "notes"


def search_indexes(raw):
    return [r[0] for r in raw.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'custom' AND tablename = 'notes' "
        "AND indexname LIKE 'sx\\_%'")]


def test_search_fields_are_checked(engine, notes):
    with pytest.raises(InvalidInput, match="'views' is not a text field"):
        engine.update_section("notes", {"search_fields": ["title", "views"]})
    with pytest.raises(InvalidInput, match="unknown field 'nope'"):
        engine.update_section("notes", {"search_fields": ["nope"]})


def test_search_matches_ranks_and_gets_its_index(engine, notes, raw):
    engine.update_section("notes", {"search_fields": ["title", "body"]})
    # Before the migration: it works, scanning the table.
    found = engine.query_entries("notes", search="kubernetes")
    assert [e["title"] for e in found["entries"]] == ["Kubernetes at scale", "Gardening"]  # ranked
    assert found["total_count"] == 2
    assert engine.query_entries("notes", search="tomatoes pasta")["total_count"] == 0  # websearch: both words
    assert engine.query_entries("notes", search="tomatoes or pasta")["total_count"] == 2
    assert engine.query_entries("notes", {"views": {"_gt": 1}}, search="kubernetes")["total_count"] == 1
    assert [e["title"] for e in engine.query_entries("notes", search="kubernetes", order_by="views DESC")["entries"]] \
        == ["Gardening", "Kubernetes at scale"]
    plan = engine.plan_migration("notes")
    kinds = [op["kind"] for op in plan["operations"]]
    assert "add_search_index" in kinds
    described = next(op["description"] for op in plan["operations"] if op["kind"] == "add_search_index")
    assert "GIN" in described and "until it exists, search scans the table" in described
    assert "to_tsvector" in plan["sql"] and "USING gin" in plan["sql"]
    engine.apply_migration(plan["id"], confirm=True)
    [index] = search_indexes(raw)
    again = engine.plan_migration("notes")
    assert "add_search_index" not in {op["kind"] for op in again.get("operations") or []}
    # The statement the engine itself sends uses the index (its plan, not one of a query built here).
    plans = engine_search_plans(engine, "kubernetes")
    assert plans and all(index in plan for plan in plans), plans
    assert [e["title"] for e in engine.query_entries("notes", search="kubernetes")["entries"]] == [
        "Kubernetes at scale", "Gardening"]
    # Another choice of fields: the old index goes, a new one comes.
    engine.update_section("notes", {"search_fields": ["body"]})
    plan = engine.plan_migration("notes")
    assert {"drop_search_index", "add_search_index"} <= {op["kind"] for op in plan["operations"]}
    engine.apply_migration(plan["id"], confirm=True)
    [other] = search_indexes(raw)
    assert other != index
    assert engine.query_entries("notes", search="scale")["total_count"] == 0  # the title is not searched now
    engine.update_section("notes", {"search_fields": []})
    engine.apply_migration(engine.plan_migration("notes")["id"], confirm=True)
    assert search_indexes(raw) == []


def test_search_without_search_fields_scans_every_text_field(engine, notes, raw):
    """No search_fields: search= covers the section's text fields by a scan, and says so."""
    found = engine.query_entries("notes", search="kubernetes")
    assert [e["title"] for e in found["entries"]] == ["Kubernetes at scale", "Gardening"]  # ranked
    assert found["search"] == {"mode": "scan", "fields": ["title", "body"]}  # not the integer
    assert engine.query_entries("notes", search="pasta")["total_count"] == 1
    assert engine.query_entries("notes", search="3")["total_count"] == 0  # views is not text
    assert "search" not in engine.query_entries("notes")  # only a search reports how it searched
    # With search_fields the indexed path is unchanged: only the chosen fields count.
    engine.update_section("notes", {"search_fields": ["title"]})
    engine.apply_migration(engine.plan_migration("notes")["id"], confirm=True)
    indexed = engine.query_entries("notes", search="kubernetes")
    assert indexed["search"] == {"mode": "indexed", "fields": ["title"]}
    assert [e["title"] for e in indexed["entries"]] == ["Kubernetes at scale"]


def test_search_without_any_text_field_names_the_reason(engine, build):
    build(engine, "counts", [("n", "integer", {}, False, False)])
    with pytest.raises(InvalidInput, match="section 'counts' has no text fields to search") as caught:
        engine.query_entries("counts", search="x")
    assert caught.value.field == "search"


@pytest.mark.parametrize("handle, field_type, settings, value, term", [
    ("title", "text", {"maxLength": 120}, "Kubernetes at scale", "kubernetes"),
    ("summary", "textarea", {"maxLength": 500}, "We run kubernetes", "kubernetes"),
    ("contact", "email", {"maxLength": 200}, "ops@kubernetes.example", "ops@kubernetes.example"),
    ("homepage", "url", {}, "https://kubernetes.example/start", "kubernetes.example"),
    ("code", "slug", {"maxLength": 80}, "kubernetes-at-scale", "kubernetes"),
])
def test_search_fields_accept_text_like_and_varchar_columns(engine, build, raw, handle, field_type, settings, value,
                                                            term):
    """A varchar(n) title (the usual one) and the other text-like types can be searched,
    through the GIN index the migration builds; rollback removes the index."""
    build(engine, "notes", [(handle, field_type, settings, False, False), ("views", "integer", {}, False, False)])
    engine.create_entries("notes", [{handle: value, "views": 1}, {"views": 2}])
    column_type = raw.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                              "WHERE attrelid = 'custom.notes'::regclass AND attname = %s", (handle,)).fetchone()[0]
    assert column_type in ("text", f"character varying({settings.get('maxLength')})")
    engine.update_section("notes", {"search_fields": [handle]})
    plan = engine.plan_migration("notes")
    assert "add_search_index" in {op["kind"] for op in plan["operations"]}
    engine.apply_migration(plan["id"], confirm=True)
    [index] = search_indexes(raw)
    plans = engine_search_plans(engine, term)  # the engine's own statement uses the index
    assert plans and all(index in plan for plan in plans), plans
    found = engine.query_entries("notes", search=term)
    assert found["total_count"] == 1 and found["search"] == {"mode": "indexed", "fields": [handle]}
    engine.rollback_migration(plan["id"])
    assert search_indexes(raw) == []
    assert engine.query_entries("notes", search=term)["total_count"] == 1


def test_a_search_field_that_becomes_varchar_keeps_its_index(engine, notes, raw):
    """Giving an indexed text title a maxLength is an online type change (a new column
    swapped in), which drops the index with the old column: the same migration builds it
    again, and its rollback (an in-place conversion) keeps it."""
    engine.update_section("notes", {"search_fields": ["title", "body"]})
    engine.apply_migration(engine.plan_migration("notes")["id"], confirm=True)
    [index] = search_indexes(raw)
    title = next(f for f in engine.get_section("notes")["fields"] if f["handle"] == "title")
    engine.update_field(title["id"], {"field_settings": {"maxLength": 120}})
    plan = engine.plan_migration("notes")
    kinds = [op["kind"] for op in plan["operations"]]
    assert "alter_type_online" in kinds and "add_search_index" in kinds, kinds
    engine.apply_migration(plan["id"], confirm=True)
    assert search_indexes(raw) == [index]
    assert engine.plan_migration("notes")["id"] is None  # nothing left to do
    found = engine.query_entries("notes", search="kubernetes")
    assert found["total_count"] == 2 and found["search"]["mode"] == "indexed"
    engine.rollback_migration(plan["id"])
    assert search_indexes(raw) == [index]
    assert engine.plan_migration("notes")["id"] is None
