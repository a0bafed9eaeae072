"""Drift on an adopted table: a column another tool adds shows in the plan, and
``sections adopt --refresh`` takes it into the section (and its rollback gives it back)."""

from __future__ import annotations

import psycopg

from tests.cli.conftest import Cli

from .conftest import DASHBOARD_SQL, database_state, run_sql


def _adopt(engine, table):
    adopted = engine.adopt_table(table, dry_run=False)
    engine.apply_migration(adopted["migration"]["id"])


def test_a_column_added_out_of_band_is_drift_until_refresh_takes_it_in(engine, database_url):
    run_sql(database_url, DASHBOARD_SQL)
    _adopt(engine, "public.notes")
    assert engine.plan_migration("notes")["drift"] == []
    run_sql(database_url, "ALTER TABLE public.notes ADD COLUMN rating smallint NOT NULL DEFAULT 3, "
                          "ADD COLUMN shape point")
    plan = engine.plan_migration("notes")
    assert plan["changes"] is False
    assert [(d["column"], d["type"]) for d in plan["drift"]] == [("rating", "smallint"), ("shape", "point")]
    assert "sections adopt public.notes --refresh" in plan["drift"][0]["message"]

    preview = engine.adopt_table("public.notes", dry_run=True, refresh=True)
    assert preview["unaccounted"] == ["rating", "shape"]
    assert [f["handle"] for f in engine.get_section("notes")["fields"]] == ["title", "body"]  # nothing changed

    before = database_state(database_url, {"public.notes"})
    refreshed = engine.adopt_table("public.notes", dry_run=False, refresh=True)
    assert refreshed["added"] == ["rating"]
    assert refreshed["not_taken"][0]["column"] == "shape" and "geometric" in refreshed["not_taken"][0]["reason"]
    kinds = [op["kind"] for op in refreshed["migration"]["operations"] if op["kind"] != "notify_postgrest"]
    # The column as it is: no type change, no new constraint; its default restated (the same value).
    assert kinds == ["set_default", "adopt_column", "refresh_history"]
    engine.apply_migration(refreshed["migration"]["id"])
    rating = next(f for f in engine.get_section("notes")["fields"] if f["handle"] == "rating")
    assert rating["field_type_handle"] == "integer" and rating["is_required"] is True
    assert engine.create_entry("notes", {"title": "rated", "rating": 5})["rating"] == 5
    assert [d["column"] for d in engine.plan_migration("notes")["drift"]] == ["shape"]

    engine.rollback_migration(refreshed["migration"]["id"])
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM public.notes WHERE title = 'rated'")
        conn.commit()
    assert database_state(database_url, {"public.notes"})[0] == before[0]  # the refresh's comments taken back


def test_refresh_needs_an_adopted_table_and_the_cli_says_what_it_took(database_url):
    run = Cli(database_url)
    run_sql(database_url, DASHBOARD_SQL)
    missing = run("sections", "adopt", "public.notes", "--refresh", expect=2)
    assert "no section has adopted public.notes" in missing.stderr
    created = run.json("sections", "adopt", "public.notes")
    run("migrations", "apply", "notes", "--yes")
    assert created["migration"]["migration_type"] == "adopt_table"
    run_sql(database_url, "ALTER TABLE public.notes ADD COLUMN mood text")
    text = run("sections", "adopt", "public.notes", "--refresh").stdout
    assert "public.notes: taken into the section: mood" in text


def test_an_adopted_table_keeps_its_name_when_the_section_is_renamed(engine, database_url):
    import pytest

    from polysynergy_nodes_content.content_engine.errors import InvalidInput

    run_sql(database_url, DASHBOARD_SQL)
    _adopt(engine, "public.notes")
    engine.update_section("notes", {"handle": "memos"})
    with pytest.raises(InvalidInput, match="adopted public.notes, which keeps its name"):
        engine.plan_migration("memos")
