"""The ``source_id`` index of junction tables made before migrations created it.

A system upgrade cannot build it in its transaction: an index build there would hold a
SHARE lock on a user's junction table (every writer waits) for the whole build. So the
installation builds the missing ones afterwards, CONCURRENTLY, on a connection of its
own, one process at a time (the others skip what one of them is building).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from ..postgres import generated_names as names
from ..postgres import split_url_options
from ..settings import EngineSettings

BUILD_LOCK_KEY = 0x5C07E18  # one builder of these indexes at a time per database

#: Junction tables of the content schema with no valid index of just (source_id): (table, comment).
_MISSING = """
SELECT c.relname, d.description
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'source_id' AND NOT a.attisdropped
WHERE n.nspname = %s AND c.relkind = 'r' AND d.description LIKE %s
  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisvalid
                  AND i.indnatts = 1 AND i.indkey[0] = a.attnum)
ORDER BY c.relname
"""


_INVALID = ("SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s AND NOT i.indisvalid")


def missing_source_indexes(conn: psycopg.Connection, settings: EngineSettings) -> list[tuple[str, str]]:
    """(junction table, index name) of each junction table that lacks its source_id index."""
    out = []
    for table, comment in conn.execute(_MISSING, (settings.content_schema, names.JUNCTION_MARK + "%")):
        owner = names.junction_of_comment(comment)
        if owner is not None and owner[1]:
            out.append((table, names.junction_object_name(owner[1], "source_idx")))
    return out


def build_source_indexes(url: str, settings: EngineSettings) -> list[str]:
    """Build the missing source_id indexes CONCURRENTLY on a connection of its own to
    ``url`` (one server session: the advisory lock and the builds need it); the names built."""
    with psycopg.connect(split_url_options(url)[0], autocommit=True) as conn:
        if not missing_source_indexes(conn, settings):
            return []
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK_KEY,)).fetchone()[0]:
            return []  # another process is building them
        try:
            built = []
            schema = sql.Identifier(settings.content_schema)
            for table, index in missing_source_indexes(conn, settings):
                # An interrupted build leaves an INVALID index of this name: drop it first.
                if conn.execute(_INVALID, (settings.content_schema, index)).fetchone():
                    conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}.{}").format(schema, sql.Identifier(index)))
                conn.execute(sql.SQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {}.{} (source_id)").format(
                    sql.Identifier(index), schema, sql.Identifier(table)))
                built.append(index)
            return built
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (BUILD_LOCK_KEY,))
