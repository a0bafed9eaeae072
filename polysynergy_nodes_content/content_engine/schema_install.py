"""Installs and upgrades the system schema from the ordered files in ``sql/``.

Each file runs once, in its own transaction, and is recorded with its checksum in
``content_schema_versions``; an advisory lock lets concurrent processes install safely.
Every installation ends by locking the system tables down (row level security on, no
privileges for the API roles), so default privileges granted later cannot open them.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import psycopg
from psycopg import sql

from .privacy import API_ROLES, grantees
from .settings import EngineSettings

_FILE_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
INSTALL_LOCK_KEY = 0x5C07E17  # one installation at a time per database

#: Every table the system SQL files create in the system schema (a test checks the list).
SYSTEM_TABLES = ("field_type_registry", "sections", "section_fields", "section_migrations", "content_schema_versions",
                 "content_secrets")


def sql_directory() -> Path:
    """``sql/`` beside the package in a wheel, else at the repository root."""
    packaged = Path(__file__).parent / "sql"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "sql"


def migration_files() -> list[tuple[int, str, str]]:
    files = []
    for path in sorted(sql_directory().glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match:
            files.append((int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    return files


def install_system_schema(conn: psycopg.Connection, settings: EngineSettings) -> list[str]:
    """Create schemas and apply pending system SQL files; return the names applied."""
    system = sql.Identifier(settings.system_schema)
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (INSTALL_LOCK_KEY,))
        for schema in (settings.system_schema, settings.content_schema, settings.archive_schema):
            # Look first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the
            # schema exists, which a role that only owns its schemas does not have.
            if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is None:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(
            sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                sql.Identifier(settings.content_schema),
                sql.Literal("User-generated content tables from sections (polysynergy-nodes-content)"),
            )
        )
        conn.execute(
            sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                sql.Identifier(settings.archive_schema),
                sql.Literal("Data of dropped fields and sections, kept so migrations can be rolled back"),
            )
        )
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.content_schema_versions ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            ).format(system)
        )
        done = {
            row[0]
            for row in conn.execute(sql.SQL("SELECT version FROM {}.content_schema_versions").format(system))
        }
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(system))
        for version, name, text in migration_files():
            if version in done:
                continue
            conn.execute(text)
            conn.execute(
                sql.SQL("INSERT INTO {}.content_schema_versions (version, name, checksum) VALUES (%s, %s, %s)").format(
                    system
                ),
                (version, name, hashlib.sha256(text.encode()).hexdigest()),
            )
            applied.append(name)
        lock_down_system_tables(conn, settings)
    return applied


def existing_roles(conn: psycopg.Connection, roles) -> list[str]:
    """The roles of ``roles`` that exist on this server, in the given order."""
    found = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(roles),))}
    return [role for role in roles if role in found]


def lock_down_system_tables(conn: psycopg.Connection, settings: EngineSettings) -> None:
    """Row level security on every system table and no privileges for PUBLIC or the API
    roles, whatever default privileges granted when the tables were created. Only what
    differs is changed, so a repeated install takes no table lock."""
    roles = existing_roles(conn, API_ROLES)
    everyone = grantees(roles)
    rows = conn.execute(
        "WITH api AS (SELECT 0::oid AS oid UNION ALL SELECT oid FROM pg_roles WHERE rolname = ANY(%s)) "
        "SELECT c.relname, c.relrowsecurity, "
        "  EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee IN (SELECT oid FROM api)) "
        "  OR EXISTS (SELECT 1 FROM pg_attribute t, aclexplode(t.attacl) a "  # column grants too
        "             WHERE t.attrelid = c.oid AND a.grantee IN (SELECT oid FROM api)) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = ANY(%s) AND c.relkind IN ('r', 'p')",
        (roles, settings.system_schema, list(SYSTEM_TABLES)),
    ).fetchall()
    for name, rls_on, granted in rows:
        table = sql.Identifier(settings.system_schema, name)
        if not rls_on:
            conn.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))
        if granted:
            conn.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(table, everyone))
    # The archive keeps dropped data for rollbacks; it is no place for API requests either.
    archive_open = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = %s "
        "AND (a.grantee = 0 OR a.grantee IN (SELECT oid FROM pg_roles WHERE rolname = ANY(%s))))",
        (settings.archive_schema, roles),
    ).fetchone()[0]
    if archive_open:
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(sql.Identifier(settings.archive_schema),
                                                                      everyone))


def installed_version(conn: psycopg.Connection, settings: EngineSettings) -> int | None:
    """Highest applied system SQL version, or None when not installed."""
    exists = conn.execute(
        "SELECT to_regclass(%s)", (f"{settings.system_schema}.content_schema_versions",)
    ).fetchone()[0]
    if exists is None:
        return None
    return conn.execute(
        sql.SQL("SELECT max(version) FROM {}.content_schema_versions").format(sql.Identifier(settings.system_schema))
    ).fetchone()[0]
