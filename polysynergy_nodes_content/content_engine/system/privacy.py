"""Keeping the engine's own objects away from the Supabase API roles.

System tables and archived data are for the engine only: row level security without a
policy admits just the owner and BYPASSRLS roles, and PUBLIC and the API roles hold no
privilege, whatever default privileges granted at creation. Only what differs is
changed, so a repeated install takes no table lock.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from ..settings import EngineSettings

#: Roles the Supabase API (PostgREST) runs requests as.
API_ROLES = ("anon", "authenticated")
#: Every table the system SQL files create in the system schema (a test checks the list).
SYSTEM_TABLES = ("field_type_registry", "sections", "section_fields", "section_migrations", "content_schema_versions",
                 "content_secrets", "content_history", "content_history_maps", "content_subscriptions",
                 "content_events", "content_event_feed", "content_event_receipts")
#: Functions of the system schema; a trigger function needs no EXECUTE of the writer.
SYSTEM_FUNCTIONS = ("content_touch_updated_at", "content_history_capture", "content_history_capture_links")

# Roles PUBLIC (oid 0) and the API roles that exist, as a CTE named api.
_API_OIDS = "WITH api AS (SELECT 0::oid AS oid UNION ALL SELECT oid FROM pg_roles WHERE rolname = ANY(%(roles)s)) "


def grantees(existing_api_roles) -> sql.Composed:
    """``PUBLIC, anon, ...``: PUBLIC always, the API roles that exist on the server."""
    return sql.SQL(", ").join([sql.SQL("PUBLIC")] + [sql.Identifier(r) for r in existing_api_roles])


def private_table_sql(table: sql.Identifier, existing_api_roles) -> list[sql.Composed]:
    """Enable row level security on ``table`` and revoke every API privilege on it."""
    return [
        sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table),
        sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(table, grantees(existing_api_roles)),
    ]


def existing_roles(conn: psycopg.Connection, roles) -> list[str]:
    """The roles of ``roles`` that exist on this server, in the given order."""
    found = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(roles),))}
    return [role for role in roles if role in found]


def lock_down_system_tables(conn: psycopg.Connection, settings: EngineSettings) -> None:
    """RLS on every system table; no privilege for PUBLIC or the API roles on them (nor on
    their columns and sequences), on the system functions, or on the archive schema."""
    roles = existing_roles(conn, API_ROLES)
    everyone = grantees(roles)
    params = {"roles": roles, "schema": settings.system_schema, "tables": list(SYSTEM_TABLES),
              "functions": list(SYSTEM_FUNCTIONS), "archive": settings.archive_schema}
    tables = conn.execute(
        _API_OIDS + "SELECT c.relname, c.relrowsecurity, "
        "  EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee IN (SELECT oid FROM api)) "
        "  OR EXISTS (SELECT 1 FROM pg_attribute t, aclexplode(t.attacl) a "
        "             WHERE t.attrelid = c.oid AND a.grantee IN (SELECT oid FROM api)) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %(schema)s AND c.relname = ANY(%(tables)s) AND c.relkind IN ('r', 'p')",
        params,
    ).fetchall()
    for name, rls_on, granted in tables:
        table = sql.Identifier(settings.system_schema, name)
        if not rls_on:
            conn.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))
        if granted:
            conn.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(table, everyone))
    sequences = conn.execute(  # owned by a system table's column (serial, identity)
        _API_OIDS + "SELECT DISTINCT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
        "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i') AND n.nspname = %(schema)s AND t.relname = ANY(%(tables)s) "
        "AND EXISTS (SELECT 1 FROM aclexplode(s.relacl) a WHERE a.grantee IN (SELECT oid FROM api))",
        params,
    ).fetchall()
    for (name,) in sequences:
        conn.execute(sql.SQL("REVOKE ALL ON SEQUENCE {} FROM {}").format(
            sql.Identifier(settings.system_schema, name), everyone))
    functions = conn.execute(  # no ACL yet means PUBLIC may execute
        _API_OIDS + "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = %(schema)s AND p.proname = ANY(%(functions)s) AND (p.proacl IS NULL OR EXISTS "
        "(SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee IN (SELECT oid FROM api)))",
        params,
    ).fetchall()
    for (signature,) in functions:
        name, _, args = signature.partition("(")
        if args != ")":
            continue  # every system function takes no arguments
        conn.execute(sql.SQL("REVOKE ALL ON FUNCTION {}() FROM {}").format(
            sql.Identifier(settings.system_schema, name.split(".")[-1].strip('"')), everyone))
    archive_open = conn.execute(
        _API_OIDS + "SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a "
        "WHERE n.nspname = %(archive)s AND a.grantee IN (SELECT oid FROM api))",
        params,
    ).fetchone()[0]
    if archive_open:
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(sql.Identifier(settings.archive_schema),
                                                                      everyone))
