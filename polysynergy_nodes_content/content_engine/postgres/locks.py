"""Who holds the lock a migration or a plan could not get: pid, application, query, since when."""

from __future__ import annotations

import psycopg

from .generated_names import JUNCTION_MARK, SECTION_MARK

_HOLDERS = """
SELECT DISTINCT ON (a.pid) a.pid, coalesce(nullif(a.application_name, ''), '(no application name)'), a.state,
       left(coalesce(a.query, ''), 200), coalesce(a.xact_start, a.query_start, a.backend_start), l.mode
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.granted AND l.locktype = 'relation' AND l.relation = ANY(%s) AND l.pid <> pg_backend_pid()
ORDER BY a.pid, l.mode
"""


def lock_holders(conn, relation_oids: list[int]) -> list[dict]:
    """Sessions holding a lock on any of the relations (the likely blockers)."""
    if not relation_oids:
        return []
    try:
        rows = conn.execute(_HOLDERS, ([int(o) for o in relation_oids],)).fetchall()
    except psycopg.Error:  # pragma: no cover - the report is a courtesy; the failure is reported anyway
        return []
    return [{"pid": pid, "application_name": app, "state": state, "query": query,
             "since": since.isoformat() if since else None, "mode": mode}
            for pid, app, state, query, since, mode in rows]


def section_relations(conn, schema: str, section_id) -> list[int]:
    """The oids of a section's table and junction tables, found by their comments alone:
    reading their columns would wait for the very lock that is held."""
    return [r[0] for r in conn.execute(
        "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND (obj_description(c.oid, 'pg_class') = %s "
        "OR obj_description(c.oid, 'pg_class') LIKE %s)",
        (schema, SECTION_MARK + str(section_id), f"{JUNCTION_MARK}{section_id}:%"),
    ).fetchall()]


def relation_oids(conn, qualified_names: list[str]) -> list[int]:
    oids = []
    for name in qualified_names:
        row = conn.execute("SELECT to_regclass(%s)::oid", (name,)).fetchone()
        if row and row[0]:
            oids.append(row[0])
    return oids


def describe_holders(holders: list[dict]) -> str:
    if not holders:
        return "the session holding the lock had already finished when it was looked up"
    parts = []
    for h in holders[:3]:
        query = " ".join((h["query"] or "").split())
        parts.append(f"pid {h['pid']} (application '{h['application_name']}', {h['state'] or 'unknown state'}, "
                     f"{h['mode']}, since {h['since']}, running: {query or '-'})")
    more = f" and {len(holders) - 3} more" if len(holders) > 3 else ""
    return "held by " + "; ".join(parts) + more
