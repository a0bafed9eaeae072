"""Reading history: an entry's versions with their changes, an entry as it was, a run's changes.

Versions store whole values; the changes of a version (old -> new per field) are the
difference with the version before it, computed here, at read time.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from psycopg import sql

from ..errors import InvalidInput, NotFound
from .names import FieldNames, field_names

MAX_VERSIONS = 1000
_COLUMNS = sql.SQL(", ").join(map(sql.Identifier, ("id", "op", "changed_at", "run_id", "context", "map_id", "data")))


def history_table(settings) -> sql.Identifier:
    return sql.Identifier(settings.system_schema, "content_history")


def section_and_names(store, conn, settings, section) -> tuple[dict, FieldNames]:
    """The section (id and handle: its configuration is not needed here) and its field names."""
    if section is None or not str(section).strip():
        raise InvalidInput("a section id or handle is required", field="section")
    ref = str(section).strip()
    try:
        uuid.UUID(ref)
        column = sql.SQL("id")
    except ValueError:
        column = sql.SQL("handle")
    row = conn.execute(sql.SQL("SELECT id, handle FROM {} WHERE {} = %s").format(
        sql.Identifier(settings.system_schema, "sections"), column), (ref,)).fetchone()
    if row is None or not store.scope.allows(row[1]):
        raise NotFound(f"section '{ref}' does not exist", field="section")
    return {"id": row[0], "handle": row[1]}, field_names(conn, settings, row[0], store.registry)


def entry_history(store, conn, settings, section, entry_id, limit: int = 50) -> dict:
    """The versions of an entry, newest first, each with its time, operation, context,
    values and changes. A ``baseline`` (the values an entry had before its first recorded
    update) is not a version of its own; it only gives that update its old values."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_VERSIONS:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_VERSIONS}", field="limit")
    found, names = section_and_names(store, conn, settings, section)
    rows = conn.execute(sql.SQL("SELECT {}, txid FROM {} WHERE section_id = %s AND entry_id = %s "
                                "ORDER BY id DESC LIMIT %s").format(_COLUMNS, history_table(settings)),
                        (found["id"], str(entry_id), 2 * limit + 2)).fetchall()
    if not rows:
        raise NotFound(f"entry '{entry_id}' of section '{found['handle']}' has no recorded history",
                       field="entry_id")
    rows = meaningful(rows)
    versions = []
    for index, row in enumerate(rows):
        version_id, op, changed_at, run_id, context, map_id, data, _ = row
        if op == "baseline":
            continue
        if op == "links":
            handle, changes = _link_changes(names, data, rows[index + 1:])
            values = {handle: linked_ids(data)}
        else:
            after = names.by_field_id(map_id, data)
            older = next((r for r in rows[index + 1:] if r[1] != "links"), None)
            before = names.by_field_id(older[5], older[6]) if older is not None and older[1] != "delete" else None
            values = {names.handle(f): v for f, v in after.items()}
            changes = _changes(names, op, before, after, known=older is not None)
        versions.append({"version": version_id, "op": op, "changed_at": changed_at, "run_id": run_id,
                         "context": context, "values": values, "changes": changes})
        if len(versions) == limit:
            break
    return {"section": found["handle"], "entry_id": str(entry_id), "versions": versions}


def linked_ids(data: dict) -> list[str]:
    """The target ids of a links row as entries show ids: text (an adopted section's
    bigint or integer keys are recorded as JSON numbers)."""
    return [str(t) for t in data["targets"]]


def meaningful(rows: list) -> list:
    """Rows (newest first, txid last) without the steps of one change: of the link rows of
    one transaction and field only the last counts (an update replaces links: delete, then
    insert), and the links a deleted entry loses with it are no change of their own."""
    deleted_in = {r[-1] for r in rows if r[1] == "delete"}
    seen, kept = set(), []
    for row in rows:
        if row[1] == "links":
            key = (row[-1], row[6]["field"])
            if key in seen or row[-1] in deleted_in:
                continue
            seen.add(key)
        kept.append(row)
    return kept


def _link_changes(names: FieldNames, data: dict, older_rows: list) -> tuple[str, dict]:
    """The handle of a link row's relation field and its change (old links: the previous
    link row of that field; none before an insert of the entry: no links)."""
    field = data["field"]
    handle = names.handle(field)
    for row in older_rows:
        if row[1] == "links" and row[6]["field"] == field:
            return handle, {handle: {"old": linked_ids(row[6]), "new": linked_ids(data)}}
        if row[1] == "insert":
            return handle, {handle: {"old": [], "new": linked_ids(data)}}
    return handle, {handle: {"new": linked_ids(data)}}


def _changes(names: FieldNames, op: str, before: dict | None, after: dict, known: bool) -> dict:
    """{handle: {"old", "new"}} of the fields that differ. A delete empties every field; an
    update without an earlier version knows only the new values (no ``old`` key)."""
    if op == "delete":
        return {names.handle(f): {"old": v, "new": None} for f, v in after.items()}
    if op == "update" and not known:
        return {names.handle(f): {"new": v} for f, v in after.items()}
    before = before or {}
    return {names.handle(f): {"old": before.get(f), "new": after.get(f)}
            for f in sorted(set(before) | set(after), key=names.handle) if before.get(f) != after.get(f)}


def entry_as_of(store, conn, settings, section, entry_id, as_of) -> dict:
    """The entry as it was at ``as_of`` (the last version recorded at or before it)."""
    if isinstance(as_of, str):
        try:
            as_of = datetime.fromisoformat(as_of.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("as_of must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z", field="as_of") from None
    if not isinstance(as_of, datetime):
        raise InvalidInput("as_of must be a time (datetime or ISO 8601 text)", field="as_of")
    found, names = section_and_names(store, conn, settings, section)
    row = conn.execute(sql.SQL("SELECT {} FROM {} WHERE section_id = %s AND entry_id = %s "
                               "AND changed_at <= %s AND op NOT IN ('baseline', 'links') ORDER BY id DESC LIMIT 1").format(
        _COLUMNS, history_table(settings)), (found["id"], str(entry_id), as_of)).fetchone()
    if row is None or row[1] == "delete":
        what = "was deleted by then" if row is not None else "has no recorded version at or before that time"
        raise NotFound(f"entry '{entry_id}' of section '{found['handle']}' {what} ({as_of.isoformat()})",
                       field="as_of")
    links = conn.execute(sql.SQL("SELECT max(id) FROM {} WHERE section_id = %s AND entry_id = %s AND changed_at <= %s")
                         .format(history_table(settings)), (found["id"], str(entry_id), as_of)).fetchone()[0]
    return {"id": str(entry_id), **names.by_handle(row[5], row[6]),
            **links_at(conn, settings, found["id"], entry_id, links, names), "version": row[0], "changed_at": row[2]}


def run_rows(conn, settings, run_id) -> list[tuple]:
    """(id, section id, entry id, op, map id, data) of every change of a run, oldest first."""
    return conn.execute(sql.SQL("SELECT id, section_id, entry_id, op, map_id, data FROM {} WHERE run_id = %s "
                                "ORDER BY id").format(history_table(settings)), (str(run_id),)).fetchall()


def run_changes(conn, settings, run_id, limit: int = 10_000, scope=None) -> dict:
    """What one run (or import, or bulk change: their id is the run id) changed, oldest first.
    To a ``scope`` confined to some sections, a run that touched another has no changes."""
    if not run_id or not isinstance(run_id, str):
        raise InvalidInput("run_id is required", field="run_id")
    if scope is not None and scope.restricted and not all(map(scope.allows, run_sections(conn, settings, run_id))):
        return {"run_id": run_id, "changes": [], "counts": {}, "truncated": False}
    rows = conn.execute(sql.SQL(
        "SELECT h.id, h.section_id, s.handle, h.entry_id, h.op, h.changed_at, h.context FROM {} h "
        "LEFT JOIN {} s ON s.id = h.section_id WHERE h.run_id = %s AND h.op <> 'baseline' ORDER BY h.id LIMIT %s").format(
        history_table(settings), sql.Identifier(settings.system_schema, "sections")), (run_id, limit + 1)).fetchall()
    changes = [{"version": r[0], "section_id": str(r[1]), "section": r[2], "entry_id": r[3], "op": r[4],
                "changed_at": r[5], "context": r[6]} for r in rows[:limit]]
    counts: dict = {}
    for change in changes:
        counts[change["op"]] = counts.get(change["op"], 0) + 1
    return {"run_id": run_id, "changes": changes, "counts": counts, "truncated": len(rows) > limit}


def run_sections(conn, settings, run_id) -> list[str | None]:
    """The handles of the sections a run changed (None: a section removed since)."""
    return [r[0] for r in conn.execute(sql.SQL(
        "SELECT DISTINCT s.handle FROM {} h LEFT JOIN {} s ON s.id = h.section_id WHERE h.run_id = %s").format(
        history_table(settings), sql.Identifier(settings.system_schema, "sections")), (run_id,))]


def links_at(conn, settings, section_id, entry_id, version, names: FieldNames) -> dict:
    """{handle: target ids} of the multiple relations as the entry had them at ``version``
    (the last recorded links of each field up to it)."""
    rows = conn.execute(sql.SQL("SELECT id, op, NULL, NULL, NULL, NULL, data, txid FROM {} WHERE section_id = %s "
                                "AND entry_id = %s AND id <= %s AND op IN ('links', 'delete') ORDER BY id DESC")
                        .format(history_table(settings)), (section_id, str(entry_id), version)).fetchall()
    links: dict = {}
    for row in meaningful(rows):
        if row[1] == "links" and row[6]["field"] in names.current:
            links.setdefault(names.current[row[6]["field"]], linked_ids(row[6]))
    return links
