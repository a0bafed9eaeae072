"""Statements that keep a table away from the Supabase API roles.

System tables and archived data are for the engine only: row level security without a
policy admits just the owner and BYPASSRLS roles, and PUBLIC and the API roles hold no
privilege, whatever default privileges granted at creation.
"""

from __future__ import annotations

from psycopg import sql

#: Roles the Supabase API (PostgREST) runs requests as.
API_ROLES = ("anon", "authenticated")


def grantees(existing_api_roles) -> sql.Composed:
    """``PUBLIC, anon, ...``: PUBLIC always, the API roles that exist on the server."""
    return sql.SQL(", ").join([sql.SQL("PUBLIC")] + [sql.Identifier(r) for r in existing_api_roles])


def private_table_sql(table: sql.Identifier, existing_api_roles) -> list[sql.Composed]:
    """Enable row level security on ``table`` and revoke every API privilege on it."""
    return [
        sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table),
        sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(table, grantees(existing_api_roles)),
    ]
