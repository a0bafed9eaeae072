"""Putting entries back: one entry to a version (validated like any write), or everything
one run changed (all-or-nothing, conflicts refused unless forced).

Both write through the section's table, so the capture records them as new changes:
an undo can itself be undone.
"""

from __future__ import annotations

from psycopg import sql
from psycopg.types.json import Jsonb

from ..errors import NotFound, Refused
from .context import new_change_id, remember, set_context
from .names import FieldNames
from .read import history_table, linked_ids, links_at, run_rows, section_and_names


def version_values(store, conn, settings, section, entry_id, version) -> tuple[dict, dict, bool]:
    """(section, the entry's values at ``version`` under today's handles, whether its field
    values are known). A delete version holds the values the entry had when it was deleted.
    A ``links`` version holds only a relation's links: the other values are those of the
    last version before it, unknown when none is recorded (a restore then keeps them)."""
    found, names = section_and_names(store, conn, settings, section)
    row = conn.execute(sql.SQL("SELECT op, map_id, data FROM {} WHERE id = %s AND section_id = %s AND entry_id = %s")
                       .format(history_table(settings)), (version, found["id"], str(entry_id))).fetchone()
    if row is None:
        raise NotFound(f"entry '{entry_id}' of section '{found['handle']}' has no version {version}", field="version")
    if row[0] == "links":
        row = values_row_before(conn, history_table(settings), found["id"], entry_id, version)
    values = {}
    if row is not None:
        values = {names.current[f]: v for f, v in names.by_field_id(row[1], row[2]).items() if f in names.current}
    return found, {**values, **links_at(conn, settings, found["id"], entry_id, version, names)}, row is not None


def values_row_before(conn, table, section_id, entry_id, version) -> tuple | None:
    """(op, map id, data) of the entry's last version before ``version`` that holds its
    values (not a ``links`` one), or None."""
    return conn.execute(sql.SQL("SELECT op, map_id, data FROM {} WHERE section_id = %s AND entry_id = %s "
                                "AND id < %s AND op <> 'links' ORDER BY id DESC LIMIT 1").format(table),
                        (section_id, str(entry_id), version)).fetchone()


def restore_entry(engine, section, entry_id, version) -> dict:
    """The entry as it was at ``version``: every field it has today set to that version's
    value (fields added since: empty), through the engine's own update or, for a deleted
    entry, a create keeping its id. Rules, uniques and relations are checked as always."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise NotFound(f"version must be a version number from the entry's history (got {version!r})",
                       field="version")
    with engine.connection() as conn:
        store = engine._store(conn)
        found, values, known = version_values(store, conn, engine.settings, section, entry_id, version)
        fields = [f for f in store.fields(found["id"]) if engine.registry.get(f["field_type_handle"]).stores_column(
            f["field_settings"] or {})]
    data = {f["handle"]: values.get(f["handle"]) for f in fields} if known else {}  # else only the links
    data.update({handle: targets for handle, targets in values.items() if handle not in data})  # multiple relations
    try:
        engine.entries.get(found["handle"], entry_id, primary=True)
    except NotFound:
        created = engine.entries.create_many(found["handle"], [{"id": str(entry_id), **data}], keep_ids=True)
        return created[0]
    return engine.entries.update(found["handle"], entry_id, data)


class _Plan:
    """What undoing a run does to each entry it touched, and what stands in its way."""

    def __init__(self):
        self.entries: list[dict] = []

    @property
    def conflicts(self) -> list[dict]:
        return [e for e in self.entries if e["conflict"]]

    def preview(self, run_id: str) -> dict:
        public = [{k: v for k, v in e.items() if not k.startswith("_")} for e in self.entries]
        return {"run_id": run_id, "entries": len(public), "changes": public, "conflicts": len(self.conflicts),
                "confirmed": False}


def plan_undo(conn, settings, run_id: str) -> _Plan:
    """For every entry the run touched, newest change first: what it was before the run
    (``_before``: values by column of ``_map``, None: it did not exist) and any conflict."""
    rows = run_rows(conn, settings, run_id)
    if not rows:
        raise NotFound(f"no recorded change has run id '{run_id}'", field="run_id")
    touched: dict = {}
    for version, section_id, entry_id, op, map_id, data in rows:
        entry = touched.setdefault((section_id, entry_id), {"first": None, "last": version, "links": {}})
        entry["last"] = version
        if op == "links":
            entry["links"].setdefault(data["field"], version)  # the first link change of the field
        elif entry["first"] is None:
            entry["first"] = (version, op, map_id, data)
    sections = {r[0]: r[1] for r in conn.execute(sql.SQL("SELECT id, handle FROM {} WHERE id = ANY(%s)").format(
        sql.Identifier(settings.system_schema, "sections")), (list({k[0] for k in touched}),))}
    plan = _Plan()
    table = history_table(settings)
    for (section_id, entry_id), seen in sorted(touched.items(), key=lambda item: -item[1]["last"]):
        first_version, first_op, map_id, data = seen["first"] or (None, "links", None, None)
        conflict = None
        if first_op == "links":  # only its multiple relations changed
            before, action = _KEEP, "relink"
        elif first_op == "insert":
            before, action = None, "delete"
        elif first_op in ("baseline", "delete"):
            before, action = (map_id, data), "restore"
        else:
            older = values_row_before(conn, table, section_id, entry_id, first_version)
            if older is None:
                before, action, conflict = None, "restore", "no version from before the run is recorded"
            elif older[0] == "delete":
                before, action = None, "delete"
            else:
                before, action = (older[1], older[2]), "restore"
        later = conn.execute(sql.SQL("SELECT run_id, context FROM {} WHERE section_id = %s AND entry_id = %s AND id > %s "
                                     "AND run_id IS DISTINCT FROM %s ORDER BY id DESC LIMIT 1").format(table),
                             (section_id, entry_id, seen["last"], run_id)).fetchone()
        unknown = conflict is not None  # nothing from before the run: no force can revert it
        if conflict is None and later is not None:
            by = (later[1] or {}).get("source", "sql")
            conflict = f"changed since by another change ({by}{', run ' + later[0] if later[0] else ''})"
        plan.entries.append({"section": sections.get(section_id), "section_id": str(section_id), "entry_id": entry_id,
                             "action": action, "conflict": conflict, "_before": before, "_forceable": not unknown,
                             "_links": {field: _links_before(conn, table, section_id, entry_id, field, version)
                                        for field, version in seen["links"].items()}})
    return plan


_KEEP = ("keep",)  # the entry's own values stay as they are


def _links_before(conn, table, section_id, entry_id, field: str, version: int) -> list:
    """The targets a multiple relation had before ``version`` (none recorded: no links)."""
    row = conn.execute(sql.SQL("SELECT data FROM {} WHERE section_id = %s AND entry_id = %s AND op = 'links' "
                               "AND id < %s AND data ->> 'field' = %s ORDER BY id DESC LIMIT 1").format(table),
                       (section_id, entry_id, version, field)).fetchone()
    return linked_ids(row[0]) if row is not None else []


def undo_run(engine, run_id, confirm: bool = False, force: bool = False) -> dict:
    """Preview (``confirm`` False) or revert everything run ``run_id`` changed, newest
    change first (so relations are undone in the reverse of the order they were made),
    in one transaction. An entry changed since is a conflict: refused unless ``force``."""
    if not isinstance(run_id, str) or not run_id.strip():
        raise NotFound("run_id is required", field="run_id")
    with engine.connection() as conn:
        plan = plan_undo(conn, engine.settings, run_id)
        if any(not engine.scope.allows(e["section"]) for e in plan.entries):
            # A view confined to some sections (an MCP server's --sections) undoes no run that
            # touched another: to it, such a run is one that does not exist.
            raise NotFound(f"no recorded change has run id '{run_id}'", field="run_id")
        if not confirm:
            return plan.preview(run_id)
        blocking = [e for e in plan.conflicts if not (force and e["_forceable"])]
        if blocking:
            listed = "; ".join(f"{e['section']}/{e['entry_id']}: {e['conflict']}" for e in blocking[:10])
            hint = "" if force else " (force=True reverts entries changed since anyway)"
            raise Refused(f"undo of run '{run_id}' refused, nothing was changed: {len(blocking)} conflict(s): "
                          f"{listed}{hint}")
        call = engine.history_context.for_call(run_id=new_change_id(), undo_of=run_id)
        remember(call.run_id)
        set_context(conn, call)
        for entry in plan.entries:
            _revert(conn, engine, entry)
    result = plan.preview(run_id)
    result.update(confirmed=True, undo_run_id=call.run_id, reverted=len(plan.entries))
    return result


def _revert(conn, engine, entry: dict) -> None:
    if entry["section"] is None:
        raise Refused(f"entry {entry['entry_id']}: its section ({entry['section_id']}) was removed; restore the "
                      "section (roll back its removal) first")
    model = engine.entries.load_model(conn, entry["section"], refresh=True)
    if entry["_before"] is None:
        conn.execute(sql.SQL("DELETE FROM {t} WHERE id = (jsonb_populate_record(NULL::{t}, %s)).id").format(
            t=model.table), (Jsonb({"id": entry["entry_id"]}),))
        return
    if entry["_before"] is not _KEEP:
        _put_values(conn, engine, model, entry)
    junctions = {f.id: f for f in model.multi}
    for field_id, targets in entry["_links"].items():
        if field_id not in junctions:
            continue  # the relation field was removed since
        field = junctions[field_id]
        junction = sql.Identifier(model.schema, field.junction)
        # Ids as text, cast to the key types of both ends (an adopted section keeps its own).
        source_type, target_type = model.id_cast, field.target_id_cast
        conn.execute(sql.SQL("DELETE FROM {} WHERE source_id = %s::{}").format(junction, source_type),
                     (str(entry["entry_id"]),))
        conn.execute(sql.SQL("INSERT INTO {} (source_id, target_id, sort_order) SELECT %s::{}, t::{}, o - 1 "
                             "FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, o)").format(
                                 junction, source_type, target_type),
                     (str(entry["entry_id"]), [str(t) for t in targets]))


def _put_values(conn, engine, model, entry: dict) -> None:
    """The entry's columns as they were before the run (created again if it is gone)."""
    names = FieldNames(conn, engine.settings, entry["section_id"], [
        {"id": f.id, "handle": f.handle} for f in model.fields.values()])
    map_id, data = entry["_before"]
    values = {names.current[f]: v for f, v in names.by_field_id(map_id, data).items() if f in names.current}
    columns = [h for h, f in model.fields.items() if f.stores_column]
    record = Jsonb({**{c: values.get(c) for c in columns}, "id": entry["entry_id"]})
    listed = sql.SQL(", ").join(map(sql.Identifier, columns))
    from_record = sql.SQL(", ").join(sql.SQL("r.{}").format(sql.Identifier(c)) for c in columns)
    conn.execute(sql.SQL("INSERT INTO {t} AS t (id, {cols}) SELECT r.id, {vals} FROM jsonb_populate_record(NULL::{t}, %s) r "
                         "ON CONFLICT (id) DO UPDATE SET ({cols}) = ROW({excluded})").format(
        t=model.table, cols=listed, vals=from_record,
        excluded=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in columns)), (record,))
