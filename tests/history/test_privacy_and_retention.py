"""History is private to the engine, bounded by retention, and erasable per entry."""

from __future__ import annotations

import psycopg
import pytest
from history_helpers import apply, history_rows
from psycopg import errors as pg_errors

from polysynergy_nodes_content.content_engine.engine import ContentEngine

ROLES = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
END $$;
"""


def test_api_roles_cannot_read_or_write_history_but_their_writes_are_recorded(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:  # Supabase's default privileges
        conn.execute(ROLES)
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated;"
                     "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated;"
                     "GRANT USAGE ON SCHEMA public TO anon, authenticated")
    engine = ContentEngine(database_url)
    engine.install()
    section = engine.create_section("notes")
    engine.add_field(section["id"], "title", "Title", "text")
    apply(engine, section["id"])
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE POLICY writers ON custom.notes FOR ALL TO authenticated USING (true) WITH CHECK (true)")
        for table in ("content_history", "content_history_maps"):
            for role in ("anon", "authenticated"):
                for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"):
                    held = conn.execute("SELECT has_table_privilege(%s, %s, %s)",
                                        (role, f"public.{table}", privilege)).fetchone()[0]
                    assert not held, f"{role} holds {privilege} on {table}"
    with psycopg.connect(database_url) as conn:  # a PostgREST request, as it runs
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('request.jwt.claims', '{\"sub\": \"user-1\"}', true)")
        conn.execute("INSERT INTO custom.notes (title) VALUES ('via the API')")
        conn.commit()
        conn.execute("SET LOCAL ROLE authenticated")
        with pytest.raises(pg_errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM public.content_history")
    with psycopg.connect(database_url) as conn:
        conn.execute("SET ROLE anon")
        with pytest.raises(pg_errors.InsufficientPrivilege):
            conn.execute("DELETE FROM public.content_history")
    rows = history_rows(engine)
    assert [r["context"] for r in rows] == [{"source": "sql", "api_role": "authenticated", "actor": "user-1"}]


def test_forget_entry_erases_its_history_and_only_with_confirm(engine, notes):
    keep = engine.create_entry("notes", {"title": "keep"})
    entry = engine.create_entry("notes", {"title": "private"})
    engine.update_entry("notes", entry["id"], {"body": "personal"})
    preview = engine.forget_entry("notes", entry["id"])
    assert preview["versions"] == 2 and preview["forgotten"] == 0
    assert len(history_rows(engine, "entry_id = %s", (entry["id"],))) == 2
    assert engine.forget_entry("notes", entry["id"], confirm=True)["forgotten"] == 2
    assert history_rows(engine, "entry_id = %s", (entry["id"],)) == []
    assert len(history_rows(engine, "entry_id = %s", (keep["id"],))) == 1
    assert engine.get_entry("notes", entry["id"])["body"] == "personal"  # the entry itself stays


def test_prune_keeps_the_newest_versions_a_section_allows(engine, notes):
    entry = engine.create_entry("notes", {"title": "t", "count": 0})
    for i in range(1, 10):
        engine.update_entry("notes", entry["id"], {"count": i})
    other = engine.create_entry("notes", {"title": "other"})
    engine.update_section("notes", {"history_keep_versions": 3})
    report = engine.prune_history("notes", batch_size=1)
    assert report["removed"] == 7 and report["sections"][0]["batches"] == 2
    assert [v["values"]["count"] for v in engine.entry_history("notes", entry["id"])["versions"]] == [9, 8, 7]
    assert len(engine.entry_history("notes", other["id"])["versions"]) == 1


def test_prune_removes_versions_superseded_longer_ago_than_the_section_keeps(engine, notes):
    entry = engine.create_entry("notes", {"title": "t", "count": 0})
    engine.update_entry("notes", entry["id"], {"count": 1})
    gone = engine.create_entry("notes", {"title": "gone"})
    engine.delete_entry("notes", gone["id"])
    with psycopg.connect(engine.url) as conn:  # age the history by 40 days
        conn.execute("UPDATE public.content_history SET changed_at = changed_at - interval '40 days'")
    engine.update_section("notes", {"history_keep_days": 30})
    assert engine.prune_history()["removed"] == 3  # the superseded version, and all of the deleted entry
    assert [v["values"]["count"] for v in engine.entry_history("notes", entry["id"])["versions"]] == [1]


def test_retention_settings_are_checked(engine, notes):
    with pytest.raises(Exception, match="history_keep_days must be a whole number"):
        engine.update_section("notes", {"history_keep_days": 0})
    with pytest.raises(Exception, match="history must be true or false"):
        engine.update_section("notes", {"history": "maybe"})
