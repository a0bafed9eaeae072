"""Relations written by a unique field of the target: ``{"author": {"email": "ada@example.org"}}``.

Before validation, every such reference of a write (one entry or a whole batch) is
looked up with one query per relation field and target field, and replaced by the id
it names; none or several matches are an error naming the item and the field.
"""

from __future__ import annotations

from psycopg import sql

from ..errors import InvalidInput
from ..identifiers import SYSTEM_COLUMNS
from .model import FieldModel, SectionModel
from .rows import invalid


def _single_key(field: FieldModel, ref: dict) -> tuple[str, object]:
    if len(ref) != 1:
        raise ValueError("a reference names one field of the related entry, e.g. {\"email\": \"ada@example.org\"}")
    (key, value), = ref.items()
    return key, value


def resolve_references(conn, model: SectionModel, items: list, load_model, label, on_error=None) -> list:
    """``items`` with every ``{field: value}`` reference replaced by the id it names.

    Items without references are returned as they are (the list is copied only when
    something changes). A bad reference raises, or with ``on_error(index, exc)`` is
    reported and its item returned as None."""
    wanted: dict = {}  # (field handle, key) -> {value marker: value}
    found_any = False
    for item in items:
        if not isinstance(item, dict):
            continue
        for field in model.relations:
            value = item.get(field.handle)
            if isinstance(value, dict):
                refs = [value]
            elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
                refs = [v for v in value if isinstance(v, dict)]
            else:
                continue
            found_any = True
            for ref in refs:
                try:
                    key, target_value = _single_key(field, ref)
                except ValueError:
                    continue  # reported per item below
                wanted.setdefault((field.handle, key), []).append(target_value)
    if not found_any:
        return items
    ids = {}
    for (handle, key), values in wanted.items():
        ids[(handle, key)] = _lookup(conn, model.fields[handle], key, values, load_model)
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            out.append(item)
            continue
        changed = None
        errors = []
        for field in model.relations:
            value = item.get(field.handle)
            if not isinstance(value, (dict, list)):
                continue
            try:
                if isinstance(value, dict):
                    new = _resolve_one(field, value, ids)
                elif any(isinstance(v, dict) for v in value):
                    new = [_resolve_one(field, v, ids) if isinstance(v, dict) else v for v in value]
                else:
                    continue
            except ValueError as exc:
                errors.append((field.handle, str(exc)))
                continue
            changed = changed or dict(item)
            changed[field.handle] = new
        if errors:
            prefix = f"{label(index)}: " if len(items) > 1 or index else ""
            exc = invalid(errors, prefix)
            exc.index = index
            if on_error is None:
                raise exc
            on_error(index, exc)
            out.append(None)
            continue
        out.append(changed if changed is not None else item)
    return out


def _resolve_one(field: FieldModel, ref: dict, ids: dict) -> str:
    key, value = _single_key(field, ref)
    table = ids.get((field.handle, key))
    if isinstance(table, str):  # the lookup itself failed (unknown field, bad value)
        raise ValueError(table)
    matches = table.get(_marker(value)) or []
    if not matches:
        raise ValueError(f"no entry of section '{field.target_section}' has {key} {_show(value)}")
    if len(matches) > 1:
        raise ValueError(f"{len(matches)} entries of section '{field.target_section}' have {key} {_show(value)}; "
                         "name the entry by its id or a unique field")
    return matches[0]


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _marker(value):
    return str(value).strip() if value is not None else None


def _lookup(conn, field: FieldModel, key: str, values: list, load_model) -> dict | str:
    """{value marker -> [ids]} for the target entries whose ``key`` is one of ``values``;
    a message (str) when ``key`` cannot name entries."""
    target = load_model(conn, field.target_section)
    if key == "id":
        column_field = None
    elif key in SYSTEM_COLUMNS:
        return f"a reference names a field of section '{target.handle}', not '{key}'"
    else:
        column_field = target.fields.get(key)
        if column_field is None or not column_field.stores_column:
            known = ", ".join(f.handle for f in target.columns) or "none"
            return f"section '{target.handle}' has no field '{str(key)[:60]}' to find the related entry by " \
                   f"(fields: {known})"
    params = []
    for value in values:
        if value is None:
            continue
        if column_field is None:
            try:
                params.append(target.parse_id(value))
            except InvalidInput:
                return f"id {_show(value)} is not a valid UUID" if target.id_type == "uuid" else \
                    f"id {_show(value)} is not a valid id ({target.id_type})"
            continue
        try:
            params.append(column_field.to_param(value))
        except ValueError as exc:
            return f"{key} {_show(value)}: {exc}"
    if not params:
        return {}
    if column_field is None:
        query = sql.SQL("SELECT id::text, id::text FROM {} WHERE id = ANY(%s)").format(target.table)
    else:
        column = sql.Identifier(key)
        query = sql.SQL("SELECT {}::text, id::text FROM {} WHERE {} = ANY(%s)").format(column, target.table, column)
    found: dict = {}
    for text, entry_id in conn.execute(query, (params,)).fetchall():
        found.setdefault(_marker(text), []).append(entry_id)
    # The database's text of a value may differ from the input (e.g. 1.50 and 1.5):
    # map each input through its own parameter's text as well.
    for value, param in zip([v for v in values if v is not None], params):
        marker = _marker(value)
        if marker not in found:
            alias = _marker(getattr(param, "obj", param))
            if alias in found:
                found[marker] = found[alias]
    return found


__all__ = ["resolve_references", "InvalidInput"]
