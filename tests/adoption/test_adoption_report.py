"""The adoption report (dry run): every column of a table made by plain SQL accounted for,
keys, constraints and indexes read from the catalog, and nothing changed."""

from __future__ import annotations

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound, Refused

from .conftest import DASHBOARD_SQL, EVERY_TYPE_SQL, database_state
from .conftest import run_sql as _sql


def _by_column(report: dict) -> dict:
    return {c["column"]: c for c in report["columns"]}


def test_every_type_is_accounted_for_and_nothing_changes(engine, database_url):
    _sql(database_url, EVERY_TYPE_SQL)
    before = database_state(database_url)
    report = engine.adopt_table("public.kitchen_sink", dry_run=True)
    assert database_state(database_url) == before
    assert report["changed"] is False and report["adoptable"] is True, report["refused"]
    cols = _by_column(report)
    with psycopg.connect(database_url) as conn:
        names = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = "
                                            "'public.kitchen_sink'::regclass AND attnum > 0 AND NOT attisdropped")]
    assert list(cols) == names  # every column, in table order

    def maps(column, field_type, settings, status="maps"):
        assert (cols[column]["status"], cols[column]["field_type"], cols[column]["settings"]) == (
            status, field_type, settings), cols[column]

    assert cols["id"]["status"] == "key" and cols["created_at"]["status"] == "system"
    assert report["key"] == {"column": "id", "type": "bigint", "constraint": "kitchen_sink_pkey",
                             "generated": "identity (by default)", "entry_id_type": "bigint"}
    maps("t", "text", {})
    maps("vc", "text", {"maxLength": 40})
    maps("vc_free", "text", {}, "maps_with_loss")
    maps("ch", "text", {"maxLength": 3}, "maps_with_loss")
    assert "pads values with blanks" in cols["ch"]["loss"]
    maps("si", "integer", {}, "maps_with_loss")
    maps("i", "integer", {"min": 0, "max": 100}, "maps_with_loss")  # its CHECK read as settings
    maps("bi", "integer", {})
    maps("n_ps", "decimal", {"precision": 10, "scale": 2})
    maps("n", "decimal", {"precision": 1000, "scale": 16}, "maps_with_loss")
    assert "without a scale" in cols["n"]["loss"]
    maps("r", "number", {}, "maps_with_loss")
    maps("dp", "number", {})
    maps("b", "boolean", {})
    assert cols["b"]["default_value"] is False
    maps("d", "date", {})
    maps("tm", "time", {})
    maps("ts", "datetime", {}, "maps_with_loss")
    assert "as UTC" in cols["ts"]["loss"]
    maps("tstz", "datetime", {})
    assert cols["u"]["field_type"] == "text" and cols["u"]["status"] == "maps_with_loss"
    maps("j", "json", {}, "maps_with_loss")
    maps("jb", "json", {})
    maps("m", "select", {"options": ["sad", "ok", "happy"]}, "maps_with_loss")  # enum labels, in order
    maps("tags", "multi_select", {"options": ["blue", "green", "red"]}, "maps_with_loss")
    if "ci" in cols:  # citext where installed
        maps("ci", "text", {}, "maps_with_loss")
    maps("status", "select", {"options": ["draft", "published"]})  # CHECK (status IN (...)) read as options
    assert cols["status"]["required"] is True and cols["status"]["default_value"] == "draft"
    maps("code", "text", {"minLength": 3})
    maps("author_id", "integer", {}, "maps_with_loss")  # a foreign key to a table that is no section yet
    assert "foreign key to public.authors" in cols["author_id"]["loss"]
    for refused, why in (("doc", "tsvector"), ("pt", "geometric"), ("raw", "binary")):
        assert cols[refused]["status"] == "refused" and why in cols[refused]["reason"]
    assert cols["odd_check"]["settings"] == {}
    assert cols["vc"]["unique"] is True and cols["t"]["unique"] is False

    checks = {c["name"]: c for c in report["checks"]}
    assert checks["kitchen_sink_odd_check_check"]["kept_by_table"]
    assert "kept_by_table" in checks["kitchen_sink_n_ps_check"]  # a strict bound on a decimal is no min
    assert checks["kitchen_sink_i_check"]["rule"] == {"column": "i", "settings": {"min": 0, "max": 100}}
    uniques = {u["name"]: u for u in report["uniques"]}
    assert uniques["pair"]["as"] == "kept by the table" and uniques["kitchen_sink_vc_key"]["columns"] == ["vc"]
    assert report["not_null"] == ["id", "created_at", "status"]
    assert "kitchen_sink_ts" in {i["name"] for i in report["indexes"]}
    assert report["enums"] == {"m": {"type": "mood", "options": ["sad", "ok", "happy"]}}
    assert report["needs_adopting"] == ["public.authors"]
    assert report["system_columns"]["updated_at"].startswith("absent")
    assert report["defaults"]["status"] == "'draft'::text"


def test_a_foreign_key_to_a_section_names_the_section(engine, database_url):
    engine.create_section("authors")
    engine.add_field("authors", "name", field_type_handle="text")
    engine.apply_migration(engine.plan_migration("authors")["id"])
    _sql(database_url, "CREATE TABLE public.books (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
                       "author_id uuid REFERENCES custom.authors (id), title text NOT NULL)")
    report = engine.adopt_table("public.books")
    relation = report["relations"][0]
    assert relation["section"] == "authors" and report["needs_adopting"] == []
    cols = _by_column(report)
    assert cols["author_id"]["status"] == "maps" and cols["author_id"]["settings"] == {"targetSection": "authors"}
    assert report["key"]["entry_id_type"] == "uuid" and report["key"]["generated"] == "default gen_random_uuid()"
    assert cols["title"]["required"] is True


def test_a_foreign_key_to_an_adopted_table_maps_as_a_relation_when_the_types_match(engine, database_url):
    """author_id bigint -> the adopted authors' bigint id: a relation field; a column of another
    type than the target's key (integer -> bigint) stays a plain column and says why."""
    _sql(database_url, EVERY_TYPE_SQL, rows=20)
    adopted = engine.adopt_table("public.authors", dry_run=False)
    engine.apply_migration(adopted["migration"]["id"])
    _sql(database_url, "ALTER TABLE public.kitchen_sink ADD COLUMN small_author integer REFERENCES public.authors (id)")
    report = engine.adopt_table("public.kitchen_sink", dry_run=True)
    cols = _by_column(report)
    assert cols["author_id"]["status"] == "maps" and cols["author_id"]["field_type"] == "relation"
    assert cols["author_id"]["settings"] == {"targetSection": "authors"}
    relations = {r["column"]: r for r in report["relations"]}
    assert relations["author_id"]["as"] == "a relation field" and relations["author_id"]["entry_id_type"] == "bigint"
    assert report["needs_adopting"] == []
    assert cols["small_author"]["field_type"] == "integer" and cols["small_author"]["status"] == "maps_with_loss"
    assert "the column is integer, the ids of section 'authors' are bigint" in cols["small_author"]["loss"]
    assert relations["small_author"]["as"] == "a plain column; the foreign key stays in the table"


def test_the_dashboard_table_is_adoptable(engine, database_url):
    _sql(database_url, DASHBOARD_SQL)
    report = engine.adopt_table("public.notes", dry_run=True)
    assert report["adoptable"] and report["key"]["entry_id_type"] == "bigint"
    assert [c["status"] for c in report["columns"]] == ["key", "system", "maps", "maps"]


@pytest.mark.parametrize("ddl, why", [
    ("CREATE TABLE public.pairs (a bigint, b bigint, note text, PRIMARY KEY (a, b))", "composite (a, b)"),
    ("CREATE TABLE public.loose (note text, n integer)", "no primary key"),
    ("CREATE TABLE public.named (code text PRIMARY KEY, note text)", "primary key is column code"),
    ("CREATE TABLE public.stamped (id bigint PRIMARY KEY, created_at timestamp DEFAULT now())",
     "created_at is timestamp without time zone"),
    ("CREATE TABLE public.needs_raw (id bigint PRIMARY KEY, raw bytea NOT NULL)", "NOT NULL without a default"),
    ('CREATE TABLE public."Shouty" (id bigint PRIMARY KEY)', "not a valid handle"),
    ("CREATE TABLE public.dated (id date PRIMARY KEY)", "entry ids are uuid, bigint, integer or text"),
    ("CREATE TABLE public.always (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)", "SET GENERATED BY DEFAULT"),
])
def test_tables_an_entry_api_cannot_serve_are_refused_with_the_reason(engine, database_url, ddl, why):
    _sql(database_url, ddl)
    table = "public." + ddl.split("public.")[1].split(" ")[0].strip('"')
    if table == "public.Shouty":
        with pytest.raises(InvalidInput, match="invalid"):  # the name is refused before it reaches SQL
            engine.adopt_table(table)
        return
    report = engine.adopt_table(table)
    assert report["adoptable"] is False
    assert any(why in reason for reason in report["refused"]), report["refused"]


def test_a_table_that_is_already_a_section_or_missing_is_refused(engine, database_url):
    engine.create_section("articles")
    engine.apply_migration(engine.plan_migration("articles")["id"])
    report = engine.adopt_table("custom.articles")
    assert not report["adoptable"] and "already the table of a section" in report["refused"][0]
    with pytest.raises(NotFound, match="public.nothing does not exist"):
        engine.adopt_table("public.nothing")
    with pytest.raises(InvalidInput, match="schema"):
        engine.adopt_table("pub lic.x")


def test_adopting_a_refused_table_changes_nothing(engine, database_url):
    _sql(database_url, "CREATE TABLE public.loose (note text)")
    before = database_state(database_url)
    with pytest.raises(Refused, match="no primary key"):
        engine.adopt_table("public.loose", dry_run=False)
    assert database_state(database_url) == before


def test_the_cli_prints_the_report_and_its_json(database_url):
    from tests.cli.conftest import Cli

    run = Cli(database_url)
    _sql(database_url, EVERY_TYPE_SQL, rows=20)
    text = run("sections", "adopt", "public.kitchen_sink", "--dry-run").stdout
    assert "public.kitchen_sink can be adopted as section kitchen_sink (dry run: nothing changed)" in text
    assert "tsvector: a search document" in text
    data = run.json("sections", "adopt", "public.kitchen_sink", "--dry-run")
    assert data["adoption"]["columns"][2] == {"column": "t", "type": "text", "status": "maps", "field_type": "text",
                                              "settings": {}, "required": False, "unique": False}
    missing = run("sections", "adopt", "public.loose", "--dry-run", expect=2)
    assert "table public.loose does not exist" in missing.stderr
    _sql(database_url, "CREATE TABLE public.pairs (a int, b int, PRIMARY KEY (a, b))")
    refused = run("sections", "adopt", "public.pairs", expect=3)
    assert "the primary key is composite (a, b)" in refused.stderr
