"""Entries of adopted tables keep the table's own key type: a Supabase-dashboard table's
bigint identity, a serial integer, a text key. CRUD, filters on id, batches, upserts,
export and import, history and restore all follow that type; new sections keep uuid."""

from __future__ import annotations

import json

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound

from .conftest import DASHBOARD_SQL, run_sql


def _adopt(engine, table):
    adopted = engine.adopt_table(table, dry_run=False)
    engine.apply_migration(adopted["migration"]["id"])
    return adopted["section"]["handle"]


@pytest.fixture
def notes(engine, database_url):
    run_sql(database_url, DASHBOARD_SQL)
    return _adopt(engine, "public.notes")


def test_crud_on_a_bigint_identity_key(engine, database_url, notes):
    created = engine.create_entry(notes, {"title": "through the engine", "body": "b"})
    assert created["id"] == "51"  # drawn from the table's own identity
    assert engine.get_entry(notes, 51)["title"] == "through the engine"
    assert engine.get_entry(notes, "3")["title"] == "note 3"
    assert engine.update_entry(notes, 3, {"title": "changed"})["title"] == "changed"
    assert engine.delete_entry(notes, "4") is True
    with pytest.raises(NotFound, match="entry '4' does not exist"):
        engine.get_entry(notes, 4)
    with pytest.raises(InvalidInput, match=r"'abc' is not a valid id \(a whole number, bigint\)"):
        engine.get_entry(notes, "abc")
    with pytest.raises(InvalidInput, match="not a valid id"):
        engine.update_entry(notes, "1.5", {"title": "x"})
    with psycopg.connect(database_url, autocommit=True) as conn:  # the application sees the same rows
        assert conn.execute("SELECT title FROM public.notes WHERE id = 3").fetchone()[0] == "changed"
        app_id = conn.execute("INSERT INTO public.notes (title) VALUES ('app') RETURNING id").fetchone()[0]
    assert app_id == 52 and engine.get_entry(notes, app_id)["title"] == "app"  # one sequence for both
    batch = engine.create_entries(notes, [{"title": "a"}, {"title": "b"}])
    assert [e["id"] for e in batch] == ["53", "54"]


def test_filters_on_an_adopted_id(engine, notes):
    above = engine.query_entries(notes, filters={"id": {"_gt": 48}}, order_by=["id"])
    assert [e["id"] for e in above["entries"]] == ["49", "50"]
    assert engine.query_entries(notes, filters={"id": {"_in": [1, "2", 99]}})["total_count"] == 2
    assert engine.query_entries(notes, filters={"id": 7})["entries"][0]["title"] == "note 7"
    with pytest.raises(InvalidInput, match="id"):
        engine.query_entries(notes, filters={"id": "seven"})


def test_kept_ids_upserts_export_and_import(engine, notes, tmp_path):
    kept = engine.create_entries(notes, [{"id": 1000, "title": "kept"}], keep_ids=True)
    assert kept[0]["id"] == "1000"
    merged = engine.create_entries(notes, [{"id": "1000", "title": "merged"}, {"id": 1001, "title": "new"}],
                                   on_conflict="id", keep_ids=True)
    assert {e["id"]: e["title"] for e in merged} == {"1000": "merged", "1001": "new"}
    out = tmp_path / "notes.jsonl"
    assert engine.export_entries(notes, str(out), filters={"id": {"_gte": 1000}})["exported"] == 2
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["1000", "1001"]
    engine.delete_entry(notes, 1000)
    engine.delete_entry(notes, 1001)
    imported = engine.import_entries(notes, str(out), keep_ids=True)
    assert imported["imported"] == 2 and engine.get_entry(notes, 1001)["title"] == "new"


def test_history_and_restore_of_an_adopted_entry(engine, database_url, notes):
    engine.update_entry(notes, 5, {"title": "first edit"})
    engine.update_entry(notes, 5, {"title": "second edit"})
    versions = engine.entry_history(notes, 5)["versions"]
    assert [v["values"]["title"] for v in versions] == ["second edit", "first edit"]
    # The baseline (the row as the application left it) gives the first edit its old value.
    assert versions[-1]["changes"]["title"] == {"old": "note 5", "new": "first edit"}
    restored = engine.restore_entry(notes, "5", versions[-1]["version"])
    assert restored["title"] == "first edit" and restored["id"] == "5"
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert conn.execute("SELECT title FROM public.notes WHERE id = 5").fetchone()[0] == "first edit"
        baseline = conn.execute("SELECT id FROM public.content_history WHERE entry_id = '5' AND op = 'baseline'"
                                ).fetchone()[0]
    assert engine.restore_entry(notes, 5, baseline)["title"] == "note 5"


@pytest.mark.parametrize("ddl, first_id", [
    ("CREATE TABLE public.codes (id text PRIMARY KEY, label text)", None),
    ("CREATE TABLE public.codes (id serial PRIMARY KEY, label text)", "1"),
    ("CREATE TABLE public.codes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), label text)", None),
])
def test_text_serial_and_uuid_keys(engine, database_url, ddl, first_id):
    run_sql(database_url, ddl)
    codes = _adopt(engine, "public.codes")
    created = engine.create_entry(codes, {"label": "one"})
    if first_id is not None:
        assert created["id"] == first_id
    assert engine.get_entry(codes, created["id"])["label"] == "one"
    assert engine.update_entry(codes, created["id"], {"label": "uno"})["label"] == "uno"
    if "id text" in ddl:
        kept = engine.create_entries(codes, [{"id": "ABC-1", "label": "mine"}], keep_ids=True)
        assert kept[0]["id"] == "ABC-1" and engine.get_entry(codes, "ABC-1")["label"] == "mine"


def test_a_number_key_without_a_sequence_needs_the_id_given(engine, database_url):
    run_sql(database_url, "CREATE TABLE public.plain (id bigint PRIMARY KEY, label text)")
    plain = _adopt(engine, "public.plain")
    with pytest.raises(InvalidInput, match="no sequence or identity"):
        engine.create_entry(plain, {"label": "x"})
    assert engine.create_entries(plain, [{"id": 7, "label": "x"}], keep_ids=True)[0]["id"] == "7"


def test_new_sections_keep_uuid_ids(engine, notes):
    engine.create_section("fresh")
    engine.add_field("fresh", "name", field_type_handle="text")
    engine.apply_migration(engine.plan_migration("fresh")["id"])
    created = engine.create_entry("fresh", {"name": "n"})
    assert len(created["id"]) == 36
    with pytest.raises(InvalidInput, match="not a valid UUID"):
        engine.get_entry("fresh", 51)
