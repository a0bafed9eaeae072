"""Upserts: the conflict column, the staging table, the merge and the rules of entries
an upsert updates.

A batch with ``on_conflict`` is copied into a temporary table first; one
``INSERT ... ON CONFLICT DO UPDATE`` then merges it into the section's table. An item that
matches an entry is checked against the custom rules as that entry with the item's
values (as an update is), any other item as a new entry.
"""

from __future__ import annotations

from psycopg import sql

from ..errors import InvalidInput
from ..rules import enforce
from .model import SectionModel
from .rows import current_rows, keep_times

STAGE = sql.Identifier("content_upsert_stage")


def conflict_field(model: SectionModel, on_conflict) -> str | None:
    """The column an upsert matches on: ``id`` or a unique field of the section."""
    if on_conflict in (None, ""):
        return None
    if on_conflict == "id":
        return "id"
    field = model.fields.get(on_conflict) if isinstance(on_conflict, str) else None
    if field is None:
        raise InvalidInput(f"on_conflict: unknown field '{str(on_conflict)[:80]}' in section '{model.handle}'",
                           field="on_conflict")
    if not field.unique or not field.stores_column:
        raise InvalidInput(f"on_conflict: field '{field.handle}' is not unique, so it cannot identify an entry "
                           "(make it unique, or use id)", field="on_conflict")
    return field.handle


def stage_table(conn, model: SectionModel, columns: tuple) -> sql.Identifier:
    """A temporary table shaped like the rows of this batch (dropped at commit)."""
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(STAGE))
    conn.execute(sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        STAGE, sql.SQL(", ").join(map(sql.Identifier, columns)), model.table))
    conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN ord bigint GENERATED ALWAYS AS IDENTITY").format(STAGE))
    return STAGE


def enforce_merged(conn, model: SectionModel, key: str, rows: list, defaults: dict, named) -> None:
    """The custom rules of an upsert's validated rows; ``defaults``: handle -> typed
    default; ``named(exc, index)`` names the item in an error."""
    wanted = [row[key] for row in rows if row.get(key) is not None]
    if key == "id":
        wanted = [model.parse_id(value) for value in wanted]
    current = current_rows(conn, model, wanted, key) if wanted else {}
    for index, row in enumerate(rows):
        value = row.get(key)
        found = current.get(model.parse_id(value) if key == "id" and value is not None else value)
        try:
            enforce(model, {**(defaults if found is None else found), **row})
        except InvalidInput as exc:
            raise named(exc, index) from None


def merge(conn, model: SectionModel, key: str, columns: tuple, ids: list, rows: list, defaults: dict,
          label) -> tuple[list, list]:
    """INSERT the staged rows (``columns``: id, fields, kept timestamps), updating entries
    whose conflict column matches; returns (ids, created) in item order. ``defaults``:
    handle -> (typed, text) of the columns with one."""
    check_duplicates(key, rows, ids, label)
    updates = [c for c in columns if c not in (key, "id", "created_at")]
    action = sql.SQL("DO UPDATE SET {}").format(sql.SQL(", ").join(
        sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in updates)) if updates \
        else sql.SQL("DO UPDATE SET {} = {}.{}").format(sql.Identifier(key), model.table, sql.Identifier(key))
    # PostgreSQL checks the CHECKs of the row an upsert proposes before it finds the
    # conflict, so with rules (CHECKs over several columns) the proposed row of a matched
    # entry carries the entry's own values for the columns not given (a new entry gets
    # the defaults), as the rules were checked (enforce_merged).
    kept = [f.handle for f in model.columns if f.handle not in columns] if model.rules else []
    values = [sql.SQL("s.{}").format(sql.Identifier(c)) for c in columns] + [
        _kept_value(h, defaults.get(h)) for h in kept]
    join = sql.SQL("LEFT JOIN {} e ON e.{} = s.{}").format(model.table, sql.Identifier(key), sql.Identifier(key))
    query = sql.SQL(
        "WITH up AS (INSERT INTO {table} AS t ({cols}) SELECT {values} FROM {stage} s {join} ORDER BY s.ord "
        "ON CONFLICT ({key}) {action} RETURNING t.id, t.{key} AS k, (t.xmax = 0) AS created) "
        "SELECT s.ord, up.id, up.created FROM up JOIN {stage} s "
        "ON s.id = up.id OR (NOT up.created AND s.{key} = up.k) ORDER BY s.ord").format(
        table=model.table, cols=sql.SQL(", ").join(map(sql.Identifier, (*columns, *kept))),
        values=sql.SQL(", ").join(values), stage=STAGE, key=sql.Identifier(key), action=action,
        join=join if kept else sql.SQL(""))
    if "updated_at" in columns:
        keep_times(conn, True)  # an entry given its updated_at keeps it
    merged = conn.execute(query).fetchall()
    if "updated_at" in columns:
        keep_times(conn, False)
    out_ids = list(ids)
    created = [True] * len(ids)
    for ord_, entry_id, was_created in merged:
        out_ids[ord_ - 1] = str(entry_id)
        created[ord_ - 1] = bool(was_created)
    return out_ids, created


def _kept_value(handle: str, default) -> sql.Composable:
    """A column an upsert item leaves out: the matched entry's value, else the default."""
    if default is None or default[1] is None:
        return sql.SQL("e.{}").format(sql.Identifier(handle))
    return sql.SQL("CASE WHEN e.id IS NULL THEN {} ELSE e.{} END").format(
        sql.Literal(default[1]), sql.Identifier(handle))


def check_duplicates(key: str, rows: list, ids: list, label) -> None:
    """Two items of one upsert may not name the same entry (the merge could not choose)."""
    seen: dict = {}
    for index, row in enumerate(rows):
        value = ids[index] if key == "id" else row.get(key)
        if value is None:
            continue
        marker = (value.__class__, getattr(value, "obj", value)) if not isinstance(value, (list, dict)) else repr(value)
        first = seen.setdefault(marker, index)
        if first != index:
            raise InvalidInput(f"{label(index)}: field '{key}': the same value as {label(first)} "
                               "(an upsert takes each entry once)", field=key, index=index)


__all__ = ["conflict_field", "stage_table", "enforce_merged", "merge", "check_duplicates", "STAGE"]
