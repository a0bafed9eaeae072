"""Adopting a table in place: the section is configured, one reviewed and sealed migration
adds only what the engine needs, the application's own SQL keeps working, history is
captured with a baseline, and rolling back gives the table back exactly as it was."""

from __future__ import annotations

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.errors import Refused

from .conftest import DASHBOARD_SQL, database_state, run_sql


def _adopt_and_apply(engine, table):
    adopted = engine.adopt_table(table, dry_run=False)
    applied = engine.apply_migration(adopted["migration"]["id"])
    assert applied["status"] == "applied"
    return adopted


def test_the_dashboard_table_is_adopted_with_one_sealed_migration(engine, database_url):
    run_sql(database_url, DASHBOARD_SQL)
    adopted = engine.adopt_table("public.notes", dry_run=False)
    section, migration = adopted["section"], adopted["migration"]
    assert section["handle"] == "notes" and section["table_schema"] == "public"
    assert [(f["handle"], f["field_type_handle"]) for f in section["fields"]] == [("title", "text"), ("body", "text")]
    assert migration["migration_type"] == "adopt_table" and migration["status"] == "generated"
    assert [op["kind"] for op in migration["operations"]] == ["adopt_table", "enable_history"]
    script = migration["sql"]
    assert 'ALTER TABLE "public"."notes" ADD COLUMN "updated_at"' in script and "created_at\" timestamp" not in script
    assert 'CREATE TRIGGER "touch_updated_at" BEFORE UPDATE ON "public"."notes"' in script
    assert "CREATE TABLE" not in script and "DROP" not in script.split("COMMIT")[0].split("BEGIN")[1]
    with psycopg.connect(database_url) as conn:  # the seal: an edited migration is refused
        conn.execute("UPDATE public.section_migrations SET steps = jsonb_set(steps, '{0,sql}', "
                     "'\"DROP TABLE public.notes\"') WHERE id = %s", (migration["id"],))
    with pytest.raises(Refused, match="(?i)seal|changed|tamper"):
        engine.apply_migration(migration["id"])
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM public.notes").fetchone()[0] == 50


def test_the_application_keeps_writing_and_history_keeps_a_baseline(engine, database_url):
    run_sql(database_url, DASHBOARD_SQL)
    _adopt_and_apply(engine, "public.notes")
    with psycopg.connect(database_url, autocommit=True) as conn:
        # The application's own INSERT, naming only its old columns.
        new_id, created, updated = conn.execute(
            "INSERT INTO public.notes (title, body) VALUES ('from the app', 'x') RETURNING id, created_at, updated_at"
        ).fetchone()
        assert new_id == 51 and created == updated
        before = conn.execute("SELECT updated_at FROM public.notes WHERE id = 1").fetchone()[0]
        conn.execute("UPDATE public.notes SET title = 'changed' WHERE id = 1")
        after = conn.execute("SELECT updated_at FROM public.notes WHERE id = 1").fetchone()[0]
        assert after > before  # the trigger keeps updated_at current
        history = conn.execute("SELECT entry_id, op, data FROM public.content_history ORDER BY id").fetchall()
    assert history == [("51", "insert", {"title": "from the app", "body": "x"}),
                       ("1", "baseline", {"title": "note 1", "body": "body 1"}),
                       ("1", "update", {"title": "changed", "body": "body 1"})]
    assert engine.plan_migration("notes")["changes"] is False  # the adopted table matches its section


def test_rolling_the_adoption_back_gives_the_table_back_exactly(engine, database_url):
    run_sql(database_url, DASHBOARD_SQL)
    run_sql(database_url, "COMMENT ON TABLE public.notes IS 'the app''s notes'; "
                          "COMMENT ON COLUMN public.notes.title IS 'shown in lists'")
    before = database_state(database_url, {"public.notes"})
    adopted = _adopt_and_apply(engine, "public.notes")
    assert database_state(database_url, {"public.notes"}) != before
    rolled = engine.rollback_migration(adopted["migration"]["id"])
    assert rolled["status"] == "rolled_back" and rolled["section_forgotten"] is True
    assert database_state(database_url, {"public.notes"}) == before  # pg_dump and every row
    assert [s["handle"] for s in engine.list_sections()] == []
    again = engine.adopt_table("public.notes")  # and it can be adopted again
    assert again["adoptable"] is True


def test_a_table_with_its_own_updated_at_gets_no_new_column(engine, database_url):
    run_sql(database_url, "CREATE TABLE public.posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
                          "title text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
                          "updated_at timestamptz NOT NULL DEFAULT now()); "
                          "INSERT INTO public.posts (title) SELECT 'p' || g FROM generate_series(1, 20) g")
    before = database_state(database_url, {"public.posts"})
    adopted = _adopt_and_apply(engine, "public.posts")
    assert "ADD COLUMN" not in adopted["migration"]["sql"]
    engine.rollback_migration(adopted["migration"]["id"])
    assert database_state(database_url, {"public.posts"}) == before
