"""A table with every type, an enum, a foreign key to another adopted table, a unique and
CHECKs, adopted in place: the next plan finds nothing to do, entries work, add-field,
rename and type-change migrations run on it, and the adoption rolls back to the table as
it was made."""

from __future__ import annotations

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.errors import ContentError, InvalidInput

from .conftest import EVERY_TYPE_SQL, database_state, run_sql

ROWS = 100_000  # the table: filled by one INSERT ... SELECT generate_series (conftest)


def _adopt(engine, table):
    adopted = engine.adopt_table(table, dry_run=False)
    engine.apply_migration(adopted["migration"]["id"])
    return adopted


@pytest.fixture
def sink(engine, database_url):
    run_sql(database_url, EVERY_TYPE_SQL, rows=ROWS)
    _adopt(engine, "public.authors")
    return _adopt(engine, "public.kitchen_sink")


def _field_id(engine, section, handle):
    return next(f["id"] for f in engine.get_section(section)["fields"] if f["handle"] == handle)


def test_every_type_adopts_and_the_next_plan_has_nothing_to_do(engine, database_url, sink):
    assert engine.plan_migration("kitchen_sink")["changes"] is False
    assert engine.plan_migration("authors")["changes"] is False
    fields = {f["handle"]: f for f in sink["section"]["fields"]}
    assert "doc" not in fields and "raw" not in fields  # refused columns stay the table's own
    assert fields["m"]["adopted_type"] == "mood" and fields["si"]["adopted_type"] == "smallint"
    with psycopg.connect(database_url) as conn:  # the unique now carries the engine's name for its field
        names = {r[0] for r in conn.execute("SELECT conname FROM pg_constraint "
                                            "WHERE conrelid = 'public.kitchen_sink'::regclass")}
    assert "kitchen_sink_vc_key" not in names and "kitchen_sink_pkey" in names


def test_entries_of_every_type(engine, database_url, sink):
    created = engine.create_entry("kitchen_sink", {
        "t": "hello", "vc": "unique-1", "si": 7, "i": 50, "bi": 2 ** 40, "n_ps": "12.50", "n": "3.25", "r": 1.5,
        "dp": 2.25, "b": True, "d": "2024-02-03", "tm": "10:11:12", "ts": "2024-02-03T10:00:00Z",
        "tstz": "2024-02-03T10:00:00+02:00", "u": "0b5d6f6e-9a8e-4e8e-8f0e-3b1b8e4f6a10", "jb": {"k": [1, 2]},
        "m": "happy", "tags": ["red", "blue"], "status": "published", "code": "abcd", "author_id": 3})
    entry = engine.get_entry("kitchen_sink", created["id"])
    assert entry["m"] == "happy" and entry["tags"] == ["red", "blue"] and entry["author_id"] == "3"
    assert entry["n_ps"] == "12.50" and entry["status"] == "published"
    found = engine.query_entries("kitchen_sink", filters={"m": "happy", "id": int(created["id"])})
    assert found["total_count"] == 1
    with pytest.raises(Exception, match="(?i)check|at least 3|invalid|violat"):
        engine.create_entry("kitchen_sink", {"code": "ab"})  # the table's CHECK, read as minLength
    with psycopg.connect(database_url, autocommit=True) as conn:  # the application's own INSERT
        conn.execute("INSERT INTO public.kitchen_sink (t, status) VALUES ('app', 'draft')")
    assert engine.update_entry("kitchen_sink", created["id"], {"t": "changed"})["t"] == "changed"
    assert engine.get_entry("kitchen_sink", 500)["t"] == "text 500"
    assert engine.delete_entry("kitchen_sink", created["id"]) is True
    assert engine.query_entries("kitchen_sink", filters={"i": {"_between": [10, 11]}, "m": "ok"},
                                count="exact")["total_count"] == sum(
        1 for g in range(1, ROWS + 1) if g % 101 in (10, 11) and g % 3 == 1)


def test_the_foreign_key_to_the_other_adopted_table_is_a_relation(engine, database_url, sink):
    """kitchen_sink.author_id (bigint) references the adopted authors' bigint id: a relation
    field that keeps the table's own foreign key (no cascade the application did not ask for)."""
    fields = {f["handle"]: f for f in sink["section"]["fields"]}
    assert fields["author_id"]["field_type_handle"] == "relation"
    assert fields["author_id"]["field_settings"] == {"targetSection": "authors"}
    assert engine.query_entries("kitchen_sink", filters={"author_id": 3}, count="exact")["total_count"] == ROWS // 10
    by_name = engine.query_entries("kitchen_sink", filters={"author_id": {"name": "author 4"}, "id": {"_lte": 40}},
                                   fields=["id", "author_id.name"], order_by="id")
    assert [e["id"] for e in by_name["entries"]] == ["3", "13", "23", "33"]
    assert {e["author_id"]["name"] for e in by_name["entries"]} == {"author 4"}
    made = engine.create_entry("kitchen_sink", {"t": "linked", "status": "draft", "author_id": "7"})
    assert made["author_id"] == "7"
    assert engine.update_entry("kitchen_sink", made["id"], {"author_id": 8})["author_id"] == "8"
    with pytest.raises(InvalidInput, match="author_id"):
        engine.create_entry("kitchen_sink", {"t": "x", "status": "draft", "author_id": "eight"})
    with pytest.raises(InvalidInput, match="author_id"):
        engine.create_entry("kitchen_sink", {"t": "x", "status": "draft", "author_id": 11})  # no such author
    with pytest.raises(ContentError):  # the table's own foreign key (NO ACTION) keeps referenced authors
        engine.delete_entry("authors", 8)
    assert engine.delete_entry("kitchen_sink", made["id"]) is True
    fresh = engine.create_entry("authors", {"name": "nobody's"})
    assert engine.delete_entry("authors", fresh["id"]) is True


def test_add_field_rename_and_type_change_on_an_adopted_table(engine, database_url, sink):
    engine.add_field("kitchen_sink", "extra", field_type_handle="text")
    added = engine.plan_migration("kitchen_sink")
    assert [op["kind"] for op in added["operations"] if op["kind"] != "notify_postgrest"] == [
        "add_column", "refresh_history"]
    engine.apply_migration(added["id"])
    engine.update_field(_field_id(engine, "kitchen_sink", "bi"), {"handle": "big"})
    renamed = engine.plan_migration("kitchen_sink")
    assert "rename_column" in [op["kind"] for op in renamed["operations"]]
    engine.apply_migration(renamed["id"])
    engine.update_field(_field_id(engine, "kitchen_sink", "si"), {"field_settings": {"min": 0}})
    changed = engine.plan_migration("kitchen_sink")  # the field leaves its adopted smallint
    # A rewrite of a populated table: online (shadow column, batched backfill keyed by the bigint id).
    assert "alter_type_online" in [op["kind"] for op in changed["operations"]]
    engine.apply_migration(changed["id"])
    with psycopg.connect(database_url, autocommit=True) as conn:
        types = dict(conn.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                                  "attrelid = 'public.kitchen_sink'::regclass AND attnum > 0 AND NOT attisdropped"))
        assert types["si"] == "bigint" and types["big"] == "bigint" and types["extra"] == "text"
        conn.execute("INSERT INTO public.kitchen_sink (t, status) VALUES ('app', 'draft')")
    assert engine.create_entry("kitchen_sink", {"extra": "x", "big": 5, "si": 3})["si"] == 3
    assert engine.plan_migration("kitchen_sink")["changes"] is False


def test_the_adoption_of_every_type_rolls_back_to_the_table_as_made(engine, database_url):
    run_sql(database_url, EVERY_TYPE_SQL, rows=ROWS)
    before = database_state(database_url, {"public.kitchen_sink", "public.authors"})
    authors = _adopt(engine, "public.authors")
    sink = _adopt(engine, "public.kitchen_sink")
    author_id = next(f for f in sink["section"]["fields"] if f["handle"] == "author_id")
    assert author_id["field_type_handle"] == "relation"  # its foreign key was renamed for the field
    engine.rollback_migration(sink["migration"]["id"])
    engine.rollback_migration(authors["migration"]["id"])
    assert database_state(database_url, {"public.kitchen_sink", "public.authors"}) == before
    assert engine.list_sections() == []


def test_a_foreign_key_to_a_section_becomes_a_relation_field_and_rolls_back(engine, database_url):
    engine.create_section("writers")
    engine.add_field("writers", "name", field_type_handle="text")
    engine.apply_migration(engine.plan_migration("writers")["id"])
    writer = engine.create_entry("writers", {"name": "Ann"})
    run_sql(database_url, "CREATE TABLE public.books (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
                          "title text NOT NULL UNIQUE, writer_id uuid REFERENCES custom.writers (id))")
    before = database_state(database_url, {"public.books"})
    books = _adopt(engine, "public.books")
    fields = {f["handle"]: f for f in books["section"]["fields"]}
    assert fields["writer_id"]["field_type_handle"] == "relation" and fields["title"]["is_unique"] is True
    assert engine.plan_migration("books")["changes"] is False  # the renamed unique and foreign key are found
    created = engine.create_entry("books", {"title": "First", "writer_id": writer["id"]})
    assert engine.get_entry("books", created["id"])["writer_id"] == writer["id"]
    engine.delete_entry("books", created["id"])
    engine.rollback_migration(books["migration"]["id"])
    assert database_state(database_url, {"public.books"}) == before


def test_a_relation_field_added_to_an_adopted_table_points_into_the_content_schema(engine, database_url):
    from polysynergy_nodes_content.content_engine.errors import InvalidInput

    engine.create_section("writers")
    engine.add_field("writers", "name", field_type_handle="text")
    engine.apply_migration(engine.plan_migration("writers")["id"])
    writer = engine.create_entry("writers", {"name": "Ann"})
    run_sql(database_url, "CREATE TABLE public.notes (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                          "title text); INSERT INTO public.notes (title) VALUES ('one')")
    _adopt(engine, "public.notes")
    engine.add_field("notes", "writer", field_type_handle="relation", field_settings={"targetSection": "writers"})
    plan = engine.plan_migration("notes")
    assert 'REFERENCES "custom"."writers"' in plan["sql"]
    engine.apply_migration(plan["id"])
    assert engine.update_entry("notes", 1, {"writer": writer["id"]})["writer"] == writer["id"]
    engine.add_field("notes", "readers", field_type_handle="relation",
                     field_settings={"targetSection": "writers", "allowMultiple": True})
    plan = engine.plan_migration("notes")  # a junction next to the adopted table: bigint source, uuid target
    assert "source_id bigint NOT NULL" in plan["sql"] and "target_id uuid NOT NULL" in plan["sql"]
    assert 'REFERENCES "public"."notes"' in plan["sql"] and plan["sql"].count('REFERENCES "custom"."writers"') == 1
    engine.apply_migration(plan["id"])
    assert engine.update_entry("notes", 1, {"readers": [writer["id"]]})["readers"] == [writer["id"]]
    with pytest.raises(InvalidInput, match="readers"):
        engine.update_entry("notes", 1, {"readers": [1]})
