"""Keeping history bounded: pruning beyond a section's limits, and erasing one entry's history.

Pruning works through the entries of a section in short batches (one transaction each,
over one slice of the history index), so it never holds a lock writers wait for: it only
deletes history rows, which no writer touches.

A version is pruned when the entry has ``keep_versions`` newer ones, or when it was
superseded (or, for a deleted entry, the delete happened) more than ``keep_days`` ago.
The newest version of an existing entry is always kept, and so is every change a content
events subscription has not turned into its events yet (beyond its cursor).
"""

from __future__ import annotations

from psycopg import sql

from ..errors import InvalidInput
from .read import history_table
from .settings import retention_of

DEFAULT_BATCH_ENTRIES = 500

_PRUNE = """
WITH batch AS (
    SELECT DISTINCT entry_id FROM {history} WHERE section_id = %(section)s AND entry_id > %(after)s
    ORDER BY entry_id LIMIT %(batch)s
), ranked AS (
    SELECT h.id, h.op, h.entry_id,
           row_number() OVER newest AS rank,
           lag(h.changed_at) OVER newest AS superseded_at,
           first_value(h.op) OVER newest AS last_op,
           first_value(h.changed_at) OVER newest AS last_at
    FROM {history} h JOIN batch b ON b.entry_id = h.entry_id
    WHERE h.section_id = %(section)s
    WINDOW newest AS (PARTITION BY h.entry_id ORDER BY h.id DESC)
), gone AS (
    DELETE FROM {history} d USING ranked r
    WHERE d.section_id = %(section)s AND d.entry_id = r.entry_id AND d.id = r.id AND d.id <= %(unread)s
        AND (r.rank > %(versions)s
        OR r.superseded_at < now() - make_interval(days => %(days)s)
        OR (r.last_op = 'delete' AND r.last_at < now() - make_interval(days => %(days)s)))
    RETURNING d.id
)
SELECT (SELECT max(entry_id) FROM batch), (SELECT count(*) FROM gone)
"""


def _sections(conn, settings, section) -> list[dict]:
    """The sections to prune: one, or every section with history (a removed section's
    history keeps the default limits)."""
    t_sections = sql.Identifier(settings.system_schema, "sections")
    if section is not None:
        return [section]
    known = {str(r[0]): {"id": r[0], "handle": r[1], "history_keep_versions": r[2], "history_keep_days": r[3]}
             for r in conn.execute(sql.SQL("SELECT id, handle, history_keep_versions, history_keep_days FROM {}")
                                   .format(t_sections))}
    with_history = [r[0] for r in conn.execute(sql.SQL("SELECT DISTINCT section_id FROM {}").format(
        sql.Identifier(settings.system_schema, "content_history_maps")))]
    return [known.get(str(sid), {"id": sid, "handle": None}) for sid in with_history]


def prune(engine, section=None, batch_entries: int = DEFAULT_BATCH_ENTRIES, progress=None) -> dict:
    """Remove the versions beyond each section's retention; return how many per section."""
    if isinstance(batch_entries, bool) or not isinstance(batch_entries, int) or not 1 <= batch_entries <= 100_000:
        raise InvalidInput("batch size must be a whole number from 1 to 100000", field="batch_size")
    with engine.connection() as conn:
        found = engine._store(conn).find_section(section) if section is not None else None
        sections = _sections(conn, engine.settings, found)
    query = sql.SQL(_PRUNE).format(history=history_table(engine.settings))
    unread_after = sql.SQL("SELECT coalesce(min(cursor), 9223372036854775807) FROM {} WHERE %s = ANY(sections)").format(
        sql.Identifier(engine.settings.system_schema, "content_subscriptions"))
    report = []
    for target in sections:
        versions, days = retention_of(target)
        after, removed, batches = "", 0, 0
        while True:
            with engine.connection() as conn:  # one short transaction per batch
                unread = conn.execute(unread_after, (target["id"],)).fetchone()[0]
                last, count = conn.execute(query, {"section": target["id"], "after": after, "batch": batch_entries,
                                                   "versions": versions, "days": days, "unread": unread}).fetchone()
            if last is None:
                break
            after, removed, batches = last, removed + count, batches + 1
            if progress is not None:
                progress(target["handle"], removed)
        report.append({"section": target["handle"], "section_id": str(target["id"]), "keep_versions": versions,
                       "keep_days": days, "removed": removed, "batches": batches})
    return {"sections": report, "removed": sum(r["removed"] for r in report)}


def forget_entry(engine, section, entry_id, confirm: bool = False) -> dict:
    """Erase every recorded version of one entry (a privacy request); without ``confirm``
    only count them. The entry itself is left as it is."""
    if not isinstance(confirm, bool):
        raise InvalidInput("confirm must be true or false", field="confirm")
    with engine.connection() as conn:
        found = engine._store(conn).find_section(section)
        params = (found["id"], str(entry_id))
        if not confirm:
            count = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE section_id = %s AND entry_id = %s").format(
                history_table(engine.settings)), params).fetchone()[0]
            return {"section": found["handle"], "entry_id": str(entry_id), "versions": count, "forgotten": 0,
                    "confirmed": False}
        count = conn.execute(sql.SQL("DELETE FROM {} WHERE section_id = %s AND entry_id = %s").format(
            history_table(engine.settings)), params).rowcount
    return {"section": found["handle"], "entry_id": str(entry_id), "versions": count, "forgotten": count,
            "confirmed": True}
