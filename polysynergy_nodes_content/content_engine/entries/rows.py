"""The one path an entry row takes, whichever way it is written or read.

Keys are checked against the section's applied fields, values validated by their
field types (every problem of a row named at once), column defaults evaluated the way
the table would, and database values converted to JSON-safe output. Single writes,
batches, upserts and imports all call these functions.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import uuid
from decimal import Decimal

from psycopg import sql

from ..errors import InvalidInput
from ..identifiers import SYSTEM_COLUMNS
from ..json_values import UNENCODABLE_MESSAGE, is_unencodable, json_safe
from .model import FieldModel, SectionModel, _Refused

#: Parameter types that cannot carry text, so they need no Unicode check.
_PLAIN_PARAMS = frozenset({int, float, bool, Decimal, uuid.UUID, _dt.date, _dt.datetime, _dt.time})
#: Immutable parameter types whose output can be memoised within a batch.
_MEMO_TYPES = frozenset({str, int, float, bool, Decimal, uuid.UUID, _dt.datetime, _dt.date, _dt.time})
#: Types whose JSON-safe output is the value itself.
_SAME_OUTPUT = frozenset({str, int, bool, float})
_MISSING = object()
#: Inputs whose verdict a batch may remember (hashable, immutable, compared with their type).
_MEMO_INPUT = frozenset({str, int, float, bool})
#: A field with more distinct values than this in one batch is not remembered any more.
_MEMO_DISTINCT = 256


def memo_key(value):
    """The key a batch remembers a value's verdict under: (type, value), with -0.0 apart
    from 0.0 (equal in Python, but a double precision column stores the sign)."""
    if value.__class__ is float and value == 0.0:
        return (float, value, math.copysign(1.0, value))
    return (value.__class__, value)


class StaleModel(Exception):
    """The cached section model may be stale (an unknown key): reload it and try again."""


def check_keys(model: SectionModel, data, final: bool, system_ok: frozenset = frozenset()) -> dict:
    """``data`` as a dict of known field handles; ``system_ok`` names system columns a
    caller may set (an id-keeping import). Raises StaleModel for an unknown key unless
    ``final`` (the model was just loaded)."""
    if data is None or data == []:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput("field_data must be a JSON object of field handles and values", field="field_data")
    fields = model.fields
    if model.read_only and not model.read_only.isdisjoint(data):
        raise model.read_only_field(next(k for k in data if k in model.read_only))
    for key in data:
        if key not in fields:
            if key in SYSTEM_COLUMNS:
                if key in system_ok:
                    continue
                raise InvalidInput(f"field '{key}': is a system column and is read-only", field=str(key))
            if not final and isinstance(key, str):
                raise StaleModel()  # maybe applied since the model was loaded
            raise model.unknown_field(str(key)[:80])
    return data


def validate_values(model: SectionModel, data: dict, partial: bool, memo: dict | None = None) -> dict:
    """Field handle -> parameter for every given field; one InvalidInput names every problem.

    ``partial`` (an update) checks only the given fields; otherwise required fields
    without a default must be present. ``memo`` (one batch's) remembers the verdict on
    each repeated scalar input per field, so a batch validates each distinct value once."""
    errors: list[tuple[str, str]] = []
    values: dict = {}
    candidates = [model.fields[k] for k in data if k in model.fields] if partial else model.fields.values()
    for field in candidates:
        handle = field.handle
        if handle not in data:
            if field.required and not field.has_default:
                errors.append((handle, "is required"))
            continue
        value = data[handle]
        if value is None or (field.junction is not None and value == []):
            if field.required:
                errors.append((handle, "is required and cannot be empty"))
                continue
            values[handle] = [] if field.junction is not None else None
            continue
        seen = None
        if memo is not None and value.__class__ in _MEMO_INPUT:
            seen = memo.get(handle, _MISSING)
            if seen is _MISSING:
                seen = memo[handle] = {}
            if seen is not None:
                key = memo_key(value)
                known = seen.get(key, _MISSING)
                if known is not _MISSING:
                    if known.__class__ is _Refused:
                        errors.append((handle, known.message))
                    else:
                        values[handle] = known
                    continue
                if len(seen) >= _MEMO_DISTINCT:
                    memo[handle] = seen = None  # many distinct values: remembering does not pay
        try:
            param = field.to_param(value)
        except ValueError as exc:
            if seen is not None:
                seen[key] = _Refused(str(exc))
            errors.append((handle, str(exc)))
            continue
        values[handle] = param
        if seen is not None and param.__class__ in _MEMO_TYPES:
            if param.__class__ is str and not param.isascii() and is_unencodable(param):
                seen[key] = _Refused(UNENCODABLE_MESSAGE)
            else:
                seen[key] = param
        kind = param.__class__
        if kind is str:
            if not param.isascii() and is_unencodable(param):
                errors.append((handle, UNENCODABLE_MESSAGE))
        elif kind not in _PLAIN_PARAMS and is_unencodable(param):
            errors.append((handle, UNENCODABLE_MESSAGE))
    if errors:
        raise invalid(errors)
    return values


def invalid(errors: list[tuple[str, str]], prefix: str = "") -> InvalidInput:
    """One InvalidInput for several (field, reason) problems."""
    text = "; ".join(f"field '{h}': {m}" for h, m in errors)
    return InvalidInput(prefix + text, field=errors[0][0], errors=[{"field": h, "message": m} for h, m in errors])


def output_row(model: SectionModel, names: tuple, row, links: dict | None = None) -> dict:
    """A result row (columns ``names``) as JSON-safe output; ``links`` holds the target
    ids of each multiple relation."""
    out = {}
    for (name, convert), value in zip(model.output_plan(names), row):
        if value is None:
            out[name] = None
        elif convert is not None:
            out[name] = convert(value)
        else:
            out[name] = json_safe(value)
    for field in model.listed:
        out[field.handle] = [str(t) for t in (links or {}).get(field.handle) or []]
    return out


def convert_column(field: FieldModel, values: list) -> list:
    """Output of one column of parameters; each distinct immutable value converted once."""
    convert = field.output
    if field.plain_output:
        # json_safe is the identity on these; convert only what is left.
        same = _SAME_OUTPUT
        if all(v is None or v.__class__ in same for v in values):
            return list(values)
    elif field.column_output:
        return field.ft.deserialize_column(values, field.settings)
    memo: dict = {}
    out = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
        elif value.__class__ in _MEMO_TYPES:
            key = memo_key(value)
            converted = memo.get(key, _MISSING)
            if converted is _MISSING:
                converted = convert(value)
                if len(memo) < 50_000:
                    memo[key] = converted
            append(converted)
        else:
            append(convert(getattr(value, "obj", value)))  # unwrap Jsonb parameters
    return out


def column_default(conn, model: SectionModel, field: FieldModel) -> tuple:
    """The column's default as (typed value, text for COPY), evaluated once: a COPY row
    cannot ask for DEFAULT, and the output must show the value stored."""
    value = conn.execute(
        "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
        "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = %s::regclass AND a.attname = %s",
        (model.table.as_string(conn), field.handle),
    ).fetchone()
    if value is None:
        return None, None
    # The expression comes from the catalog (written by the planner from a validated default).
    return tuple(conn.execute(sql.SQL("SELECT d, d::text FROM (SELECT {} AS d) s").format(
        sql.SQL(value[0]))).fetchone())


def model_defaults(conn, model: SectionModel) -> dict:
    """Field handle -> typed default of every column with one (evaluated once per model)."""
    cached = model.sql_cache.get(("defaults",))
    if cached is None:
        cached = {f.handle: column_default(conn, model, f)[0] for f in model.columns if f.has_default}
        model.sql_cache[("defaults",)] = cached
    return cached


def current_rows(conn, model: SectionModel, ids: list, key: str = "id") -> dict:
    """id (or the value of the unique column ``key``) -> {handle: value} of existing
    entries (their columns), locked for the update."""
    cur = conn.execute(sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s) FOR UPDATE").format(
        model.select_list(), model.table, sql.Identifier(key)), (ids,))
    names = [c.name for c in cur.description]
    at = names.index(key)
    return {row[at]: dict(zip(names, row)) for row in cur.fetchall()}


#: The trigger that keeps ``updated_at`` current leaves it alone while this is on.
_KEEP_TIMES = "SELECT pg_catalog.set_config('polysynergy.restoring', %s, true)"


def keep_times(conn, on: bool) -> None:
    """While on (until the transaction ends or it is turned off), updates keep the
    ``updated_at`` they are given: the section tables' trigger leaves it alone, as it does
    for a rollback restoring values. An id-keeping import completes its own rows."""
    conn.execute(_KEEP_TIMES, ("on" if on else "",))


def drawn_ids(conn, model: SectionModel, count: int) -> list:
    """``count`` new ids for an adopted table's own key: drawn from its identity or serial
    sequence; a text key without one gets UUIDs as text; a number key without one has none
    (its entries must bring their ids)."""
    if model.id_sequence is not None:
        return [r[0] for r in conn.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                                           (model.id_sequence, count))]
    return new_ids(count) if model.id_type == "text" else []


def new_entry_id(conn, model: SectionModel):
    """The id of one new entry whose key has no default: drawn, or refused for a number key."""
    drawn = drawn_ids(conn, model, 1)
    if not drawn:
        raise InvalidInput(f"section '{model.handle}': its table's id ({model.id_type}) has no sequence or identity, "
                           "so every new entry must bring its own id (write with keep_ids)", field="id")
    return drawn[0]


def new_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as text, made in one go: much cheaper per id
    than ``str(uuid.uuid4())`` when a batch needs thousands."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])
    h = raw.hex()
    return [f"{h[j:j + 8]}-{h[j + 8:j + 12]}-{h[j + 12:j + 16]}-{h[j + 16:j + 20]}-{h[j + 20:j + 32]}"
            for j in range(0, 32 * count, 32)]
