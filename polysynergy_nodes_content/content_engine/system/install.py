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

from ..settings import EngineSettings
from .privacy import SYSTEM_TABLES, lock_down_system_tables  # noqa: F401  (SYSTEM_TABLES: public name)

_FILE_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
INSTALL_LOCK_KEY = 0x5C07E17  # one installation at a time per database



def sql_directory() -> Path:
    """``sql/`` beside the package in a wheel, else at the repository root."""
    packaged = Path(__file__).resolve().parents[1] / "sql"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "sql"


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
