"""System tables stay private on a Supabase-style database, and Supabase's lint rules find
nothing wrong with what the engine creates.

The databases here behave like Supabase's: the API roles exist and the default privileges
of the schema give them ALL on every new table *before* the engine installs.
"""

from __future__ import annotations

import threading

import psycopg
import pytest
from engine_helpers import make_section, plan_apply, sql
from psycopg import errors as pg_errors
from psycopg import sql as pgsql
from supabase_lints import findings
from test_install_and_config import SEED_SYSTEM_SQL
from test_supabase import CREATE_ROLES

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings
from polysynergy_nodes_content.content_engine.system.install import SYSTEM_TABLES, migration_files

API_ROLES = ("anon", "authenticated")


def supabase_like(url: str, schema: str = "public") -> None:
    """API roles, and default privileges that hand them every new table of ``schema``."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CREATE_ROLES)
        if schema != "public":
            conn.execute(pgsql.SQL("CREATE SCHEMA {}").format(pgsql.Identifier(schema)))
        conn.execute(pgsql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT ALL ON TABLES TO anon, authenticated;"
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT ALL ON FUNCTIONS TO anon, authenticated;"
            "GRANT USAGE ON SCHEMA {s} TO anon, authenticated").format(s=pgsql.Identifier(schema)))


def tables_in(url: str, schema: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1", (schema,))]


def assert_api_roles_locked_out(url: str, schema: str = "public") -> None:
    """As anon and as authenticated: no read, no write, on every system table."""
    tables = tables_in(url, schema)
    assert set(SYSTEM_TABLES) <= set(tables)
    with psycopg.connect(url) as conn:
        for table in tables:
            relrowsecurity, = conn.execute("SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass",
                                           (f"{schema}.{table}",)).fetchone()
            assert relrowsecurity, f"row level security is off on {table}"
            for role in API_ROLES:
                for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"):
                    held, = conn.execute("SELECT has_table_privilege(%s, %s, %s)",
                                         (role, f"{schema}.{table}", privilege)).fetchone()
                    assert not held, f"{role} holds {privilege} on {table}"
    for role in API_ROLES:
        for table in tables:
            with psycopg.connect(url) as conn:
                conn.execute(pgsql.SQL("SET ROLE {}").format(pgsql.Identifier(role)))
                with pytest.raises(pg_errors.InsufficientPrivilege):
                    conn.execute(pgsql.SQL("SELECT * FROM {}").format(pgsql.Identifier(schema, table)))
        with psycopg.connect(url) as conn:
            conn.execute(pgsql.SQL("SET ROLE {}").format(pgsql.Identifier(role)))
            with pytest.raises(pg_errors.InsufficientPrivilege):
                conn.execute(pgsql.SQL("UPDATE {} SET steps = '[]'").format(
                    pgsql.Identifier(schema, "section_migrations")))


def test_fresh_install_locks_the_api_roles_out_despite_default_privileges(database_url):
    supabase_like(database_url)
    engine = ContentEngine(database_url)
    engine.install()
    make_section(engine, "notes", [{"handle": "title", "type": "text"}], [{"title": "hello"}])
    assert sql(engine, "SELECT count(*) FROM public.section_migrations")[0][0] == 1
    assert_api_roles_locked_out(database_url)
    # A later install changes nothing and keeps them locked out.
    assert engine.install()["applied"] == []
    assert_api_roles_locked_out(database_url)


def test_row_level_security_holds_even_if_someone_grants_again(database_url):
    supabase_like(database_url)
    engine = ContentEngine(database_url)
    engine.install()
    make_section(engine, "notes", [{"handle": "title", "type": "text"}])
    sql(engine, "GRANT SELECT, UPDATE ON public.section_migrations TO anon")
    with psycopg.connect(database_url) as conn:
        conn.execute("SET ROLE anon")
        assert conn.execute("SELECT count(*) FROM public.section_migrations").fetchone()[0] == 0
        assert conn.execute("UPDATE public.section_migrations SET steps = '[]'").rowcount == 0


def install_like_version_2(url: str) -> None:
    """What the engine's installer did before version 3: the files 001 and 002 only."""
    with psycopg.connect(url) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS custom; CREATE SCHEMA IF NOT EXISTS content_archive")
        conn.execute("CREATE TABLE public.content_schema_versions (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                     "checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        conn.execute("SET LOCAL search_path TO public")
        for version, name, text in migration_files():
            if version <= 2:
                conn.execute(text)
                conn.execute("INSERT INTO public.content_schema_versions (version, name, checksum) "
                             "VALUES (%s, %s, 'old')", (version, name))


def test_upgrade_of_an_open_installation_locks_it(database_url):
    supabase_like(database_url)
    install_like_version_2(database_url)
    with psycopg.connect(database_url) as conn:  # the hole this closes
        conn.execute("SET ROLE anon")
        assert conn.execute("UPDATE public.section_migrations SET steps = '[]'").rowcount == 0
        conn.execute("SELECT * FROM public.sections")
    engine = ContentEngine(database_url)
    applied = engine.install()["applied"]
    assert "003_private_system_tables.sql" in applied
    assert_api_roles_locked_out(database_url)
    make_section(engine, "after_upgrade", [{"handle": "title", "type": "text"}], [{"title": "works"}])


def test_upgrade_of_an_installation_made_from_the_seed_sql_locks_it(database_url):
    supabase_like(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SEED_SYSTEM_SQL)
    ContentEngine(database_url).install()
    assert_api_roles_locked_out(database_url)


def test_every_table_of_a_dedicated_system_schema_is_locked(database_url):
    """Catches a later system SQL file whose new table is missing from SYSTEM_TABLES."""
    supabase_like(database_url, "content_system")
    settings = EngineSettings(system_schema="content_system")
    ContentEngine(database_url, settings).install()
    assert set(tables_in(database_url, "content_system")) == set(SYSTEM_TABLES)
    assert_api_roles_locked_out(database_url, "content_system")


def build_a_varied_model(engine) -> None:
    """Every kind of object the engine creates: section tables with every constraint kind,
    single and multiple relations, an archived column, an archived section, a type change."""
    make_section(engine, "authors", [{"handle": "name", "type": "text", "is_required": True}])
    posts = make_section(engine, "posts", [
        {"handle": "title", "type": "text", "field_settings": {"maxLength": 200}, "is_unique": True},
        {"handle": "password", "type": "text"},
        {"handle": "api_key", "type": "text"},
        {"handle": "score", "type": "integer"},
        {"handle": "body", "type": "json"},
        {"handle": "mood", "type": "select", "field_settings": {"options": ["a", "b"]}},
        {"handle": "author", "type": "relation", "field_settings": {"targetSection": "authors"}},
        {"handle": "reviewers", "type": "relation",
         "field_settings": {"targetSection": "authors", "allowMultiple": True}},
    ], [{"title": "one", "score": 1}, {"title": "two", "score": 2}])
    fields = {f["handle"]: f for f in posts["fields"]}
    engine.remove_field(posts["id"], "body")
    engine.update_field(fields["score"]["id"], {"field_type_handle": "decimal",
                                                "field_settings": {"precision": 10, "scale": 2}})
    online = engine.plan_migration(posts["id"])
    assert "CREATE OR REPLACE FUNCTION" in online["sql"]  # an online type change...
    function_sql = next(line for line in online["sql"].splitlines() if "CREATE OR REPLACE FUNCTION" in line)
    assert "SET search_path" in function_sql  # ...whose sync function resolves no name through the caller
    engine.apply_migration(online["id"], confirm=True)
    gone = make_section(engine, "drafts", [{"handle": "text", "type": "text"}], [{"text": "x"}])
    deleted = engine.delete_section(gone["id"])
    engine.apply_migration(deleted["migration"]["id"], confirm=True)
    archived = sql(engine, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = 'content_archive' AND c.relkind = 'r'")
    assert len(archived) == 2  # the dropped column's copy and the removed section's table


@pytest.mark.parametrize("read_policy_roles", [(), ("anon", "authenticated")])
def test_supabase_lint_rules_find_nothing_in_what_the_engine_creates(database_url, read_policy_roles):
    supabase_like(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO anon, authenticated")  # every schema
    engine = ContentEngine(database_url, EngineSettings(read_policy_roles=read_policy_roles))
    engine.install()
    build_a_varied_model(engine)
    schemas = ("public", "custom", "content_archive")
    found = findings(database_url, schemas, exposed=schemas)
    # The batched procedures (the backfill, the archive copy of a dropped field) commit after
    # every batch, and PostgreSQL refuses COMMIT in a procedure that carries a SET clause:
    # instead their names are schema-qualified, they run as the caller (SECURITY INVOKER)
    # and no API role may execute them. Supabase rates this rule WARN; these procedures are
    # the only exceptions, and only for this rule.
    batched = {"content_backfill": "regclass, name, text, integer",
               "content_archive_copy": "regclass, regclass, name, integer"}
    for procedure in batched:
        exempt = ("public", procedure, "search_path not set")
        if exempt in found.get("function_search_path_mutable", []):
            found["function_search_path_mutable"].remove(exempt)
            if not found["function_search_path_mutable"]:
                del found["function_search_path_mutable"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        for procedure, arguments in batched.items():
            for role in ("anon", "authenticated"):
                assert not conn.execute("SELECT has_function_privilege(%s, %s, 'EXECUTE')",
                                        (role, f"public.{procedure}({arguments})")).fetchone()[0]
            assert not conn.execute("SELECT prosecdef FROM pg_proc WHERE proname = %s", (procedure,)).fetchone()[0]
    assert found == {}


def test_the_lint_queries_do_find_what_they_look_for(database_url):
    """The checks above are only worth something if each rule fires on a bad example."""
    supabase_like(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.open_table (password text);
            GRANT SELECT ON public.open_table TO anon;
            CREATE POLICY p ON public.open_table FOR ALL TO anon USING (true);
            CREATE TABLE public.parent (id int PRIMARY KEY);
            CREATE TABLE public.child (id int PRIMARY KEY, parent_id int REFERENCES public.parent, x int);
            CREATE INDEX child_x_1 ON public.child (x);
            CREATE INDEX child_x_2 ON public.child (x);
            CREATE VIEW public.open_view AS SELECT 1 AS one;
            CREATE FUNCTION public.loose() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
        """)
    found = findings(database_url, ["public"], ["public"])
    assert set(found) == {"rls_disabled_in_public", "policy_exists_rls_disabled", "sensitive_columns_exposed",
                          "security_definer_view", "function_search_path_mutable",
                          "security_definer_function_executable", "duplicate_index", "no_primary_key",
                          "unindexed_foreign_keys"}
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.open_table ENABLE ROW LEVEL SECURITY")
    assert "rls_policy_always_true" in findings(database_url, ["public"], ["public"])


def test_archived_column_tables_have_a_primary_key_and_are_private(database_url):
    supabase_like(database_url)
    engine = ContentEngine(database_url)
    engine.install()
    section = make_section(engine, "items", [{"handle": "a", "type": "text"}, {"handle": "b", "type": "text"}],
                           [{"a": "1", "b": "2"}])
    engine.remove_field(section["id"], "b")
    plan_apply(engine, section["id"])
    (name, pk, rls), = sql(engine, "SELECT c.relname, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid "
                                   "AND i.indisprimary), c.relrowsecurity FROM pg_class c JOIN pg_namespace n "
                                   "ON n.oid = c.relnamespace WHERE n.nspname = 'content_archive' AND c.relkind = 'r'")
    assert pk and rls
    assert not sql(engine, "SELECT has_table_privilege('anon', %s, 'SELECT')", (f"content_archive.{name}",))[0][0]


def test_the_archive_schema_is_closed_to_the_api_roles(database_url):
    supabase_like(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO anon, authenticated")
    engine = ContentEngine(database_url)
    engine.install()
    for role in API_ROLES:
        assert not sql(engine, "SELECT has_schema_privilege(%s, 'content_archive', 'USAGE')", (role,))[0][0]
    assert engine.install()["applied"] == []  # a second install finds nothing to revoke and changes nothing


def test_a_repeated_install_does_not_wait_for_readers_of_the_system_tables(database_url):
    supabase_like(database_url)
    engine = ContentEngine(database_url)
    engine.install()
    reader = psycopg.connect(database_url)
    try:
        reader.execute("SELECT count(*) FROM public.sections")  # holds ACCESS SHARE until rollback
        other = ContentEngine(database_url)
        finished = threading.Event()
        worker = threading.Thread(target=lambda: (other.install(), finished.set()))
        worker.start()
        worker.join(10)
        assert finished.is_set(), "install waited for a reader (it altered a table that needed no change)"
    finally:
        reader.rollback()
        reader.close()


def test_column_grants_to_the_api_roles_are_revoked_too(database_url):
    supabase_like(database_url)
    engine = ContentEngine(database_url)
    engine.install()
    sql(engine, "GRANT SELECT (migration_sql), UPDATE (steps) ON public.section_migrations TO anon")
    engine.install()  # nothing pending: the lockdown alone finds and revokes the column grants
    assert not sql(engine, "SELECT has_any_column_privilege('anon', 'public.section_migrations', 'SELECT, UPDATE')"
                   )[0][0]


def test_system_functions_are_not_executable_by_the_api_roles_and_triggers_still_fire(database_url):
    supabase_like(database_url)
    engine = ContentEngine(database_url)
    engine.install()
    for role in API_ROLES + ("public",):
        if role == "public":
            held = sql(engine, "SELECT EXISTS (SELECT 1 FROM pg_proc p, aclexplode(coalesce(p.proacl, "
                               "acldefault('f', p.proowner))) a WHERE p.proname = 'content_touch_updated_at' "
                               "AND a.grantee = 0)")[0][0]
        else:
            held = sql(engine, "SELECT has_function_privilege(%s, 'public.content_touch_updated_at()', 'EXECUTE')",
                       (role,))[0][0]
        assert not held, f"{role} may execute content_touch_updated_at"
    # A writer that is not the owner still gets updated_at kept by the trigger.
    make_section(engine, "notes", [{"handle": "text", "type": "text"}], [{"text": "a"}])
    with psycopg.connect(database_url) as conn:
        before = conn.execute("SELECT updated_at FROM custom.notes").fetchone()[0]
        conn.execute("SET ROLE service_role")
        conn.execute("UPDATE custom.notes SET text = 'b'")
        assert conn.execute("SELECT updated_at FROM custom.notes").fetchone()[0] > before


def test_sequences_of_system_tables_are_revoked_too(database_url):
    """A later system table with a serial column gets its sequence locked as well."""
    supabase_like(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated")
    engine = ContentEngine(database_url)
    engine.install()
    sql(engine, "ALTER TABLE public.content_schema_versions ADD COLUMN serial_probe bigserial")
    assert sql(engine, "SELECT has_sequence_privilege('anon', 'public.content_schema_versions_serial_probe_seq', "
                       "'USAGE')")[0][0]
    engine.install()
    assert not sql(engine, "SELECT has_sequence_privilege('anon', 'public.content_schema_versions_serial_probe_seq', "
                           "'USAGE')")[0][0]
