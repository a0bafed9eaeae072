"""Supabase behaviour: grants to the API roles, row level security, PostgREST reload."""

from __future__ import annotations

import psycopg

from engine_helpers import make_section, sql
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings

CREATE_ROLES = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN CREATE ROLE service_role NOLOGIN BYPASSRLS; END IF;
END;
$$;
"""


def test_grants_rls_and_policies_follow_the_settings(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(CREATE_ROLES)
    settings = EngineSettings(read_policy_roles=("authenticated",))
    engine = ContentEngine(database_url, settings)
    engine.install()
    make_section(engine, "authors", [{"handle": "name", "type": "text"}])
    section = make_section(engine, "posts", [{"handle": "title", "type": "text"}], [{"title": "Hello"}])
    engine.add_field(section["id"], "authors", "Authors", "relation", {"targetSection": "authors", "allowMultiple": True})
    migration = engine.plan_migration(section["id"])
    assert "ENABLE ROW LEVEL SECURITY" in migration["sql"] and "GRANT SELECT" in migration["sql"]
    engine.apply_migration(migration["id"])

    def privilege(role, table, what):
        return sql(engine, "SELECT has_table_privilege(%s, %s, %s)", (role, f"custom.{table}", what))[0][0]

    for table in ("posts", "posts_authors"):
        assert privilege("anon", table, "SELECT") and not privilege("anon", table, "INSERT")
        assert privilege("authenticated", table, "INSERT") and privilege("service_role", table, "DELETE")
        assert sql(engine, "SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass", (f"custom.{table}",))[0][0]
    policies = sql(engine, "SELECT polname, polroles::regrole[]::text[] FROM pg_policy WHERE polrelid = 'custom.posts'::regclass")
    assert policies == [("content_read_authenticated", ["authenticated"])]

    # What the roles can actually see: anon gets nothing through RLS, authenticated reads via the policy.
    with psycopg.connect(database_url) as conn:
        conn.execute("SET ROLE anon")
        assert conn.execute("SELECT count(*) FROM custom.posts").fetchone()[0] == 0
        conn.rollback()
        conn.execute("SET ROLE authenticated")
        assert conn.execute("SELECT count(*) FROM custom.posts").fetchone()[0] == 1
        conn.rollback()
        conn.execute("SET ROLE service_role")
        assert conn.execute("SELECT count(*) FROM custom.posts").fetchone()[0] == 1


def test_no_grants_without_the_roles_and_rls_can_be_off(database_url):
    engine = ContentEngine(database_url, EngineSettings(enable_rls=False, grants={}))
    engine.install()
    section = engine.create_section("plain", "Plain")
    engine.add_field(section["id"], "a", "A", "text")
    migration = engine.plan_migration(section["id"])
    assert "GRANT" not in migration["sql"] and "ROW LEVEL SECURITY" not in migration["sql"]


def test_migrations_tell_postgrest_to_reload(engine):
    listener = psycopg.connect(engine.url, autocommit=True)
    try:
        listener.execute("LISTEN pgrst")
        section = engine.create_section("live", "Live")
        engine.add_field(section["id"], "a", "A", "text")
        migration = engine.plan_migration(section["id"])
        engine.apply_migration(migration["id"])
        notes = list(listener.notifies(timeout=5, stop_after=1))
        assert notes and notes[0].payload == "reload schema"
    finally:
        listener.close()
