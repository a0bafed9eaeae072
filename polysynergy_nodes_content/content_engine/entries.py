"""Entries: validated create, update, get, delete and query of a section's rows.

Validation happens before SQL and names the field and the reason; database errors
(unique, foreign key, check, not null) are translated into the same kind of message.
Multiple relations live in junction tables written in the same transaction.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import uuid
from decimal import Decimal

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from .errors import ContentError, DatabaseFailure, InvalidInput, NotFound, database_message
from .identifiers import SYSTEM_COLUMNS
from .query import FilterCompiler, check_paging, compile_order_by, parse_json_input
from .records import UNENCODABLE_MESSAGE, is_unencodable, json_safe
from .section_model import FieldModel, ModelCache, SectionModel, parse_entry_id

MAX_BATCH = 100_000
_COPY_LINE = re.compile(r"COPY \S+, line (\d+)")


class _Retry(Exception):
    """The cached section model was stale; reload it and try once more."""


class EntryService:
    def __init__(self, engine):
        self.engine = engine
        self.settings = engine.settings
        self.registry = engine.registry
        self.models = ModelCache(engine.settings, engine.registry)

    def invalidate(self) -> None:
        self.models.invalidate()

    # -- plumbing ------------------------------------------------------------------------
    def _run(self, section_handle, work):
        """Run ``work(conn, model, final)`` in a transaction, reloading a stale model once.

        ``final`` is True on the second attempt (fresh model): an unknown key is then
        reported instead of triggering another reload.
        """
        if not self.engine._installed:
            self.engine.ensure_installed()
        for attempt in (0, 1):
            final = attempt == 1
            try:
                with self.engine.pool.connection() as conn:
                    model = self.models.get(conn, section_handle, refresh=final)
                    try:
                        return work(conn, model, final)
                    except psycopg.OperationalError:
                        # The server closed a pooled connection (restart, terminate): nothing
                        # was committed on it, so the work is safe to run once more.
                        if conn.broken and not final:
                            raise _Retry() from None
                        raise
            except _Retry:
                continue
            except (pg_errors.UndefinedColumn, pg_errors.UndefinedTable):
                if not final:
                    self.models.invalidate(section_handle)
                    continue
                raise DatabaseFailure(
                    f"the table of section '{section_handle}' changed while writing; try again") from None
            except ContentError:
                raise
            except psycopg.Error as exc:
                raise DatabaseFailure(f"database error: {database_message(exc)}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_keys(self, model: SectionModel, data, final: bool) -> dict:
        text = data.strip() if isinstance(data, str) else None
        data = parse_json_input(data, "field_data")
        if text and not isinstance(data, dict):  # e.g. "null" or "[1]" typed as JSON
            raise InvalidInput("field_data must be a JSON object of field handles and values", field="field_data")
        if data is None or data == []:
            data = {}
        if not isinstance(data, dict):
            raise InvalidInput("field_data must be a JSON object of field handles and values", field="field_data")
        fields = model.fields
        for key in data:
            if key not in fields:
                if key in SYSTEM_COLUMNS:
                    raise InvalidInput(f"field '{key}': is a system column and is read-only", field=str(key))
                if not final and isinstance(key, str):
                    raise _Retry()  # maybe applied since the model was loaded
                raise model.unknown_field(str(key)[:80])
        return data

    def _validate(self, model: SectionModel, data: dict, partial: bool) -> dict:
        """Field handle -> parameter for every given field; raise one InvalidInput for all problems."""
        errors: list[tuple[str, str]] = []
        values: dict = {}
        if partial:
            candidates = [model.fields[k] for k in data]
        else:
            candidates = model.fields.values()
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
            try:
                param = field.to_param(value)
            except ValueError as exc:
                errors.append((handle, str(exc)))
                continue
            values[handle] = param
            kind = param.__class__
            if kind is str:
                if not param.isascii() and is_unencodable(param):
                    errors.append((handle, UNENCODABLE_MESSAGE))
            elif kind not in _PLAIN_PARAMS and is_unencodable(param):
                errors.append((handle, UNENCODABLE_MESSAGE))
        if errors:
            text = "; ".join(f"field '{h}': {m}" for h, m in errors)
            raise InvalidInput(text, field=errors[0][0], errors=[{"field": h, "message": m} for h, m in errors])
        return values

    def _output(self, model: SectionModel, names: tuple, row, links: dict | None = None) -> dict:
        out = {}
        for (name, convert), value in zip(model.output_plan(names), row):
            if value is None:
                out[name] = None
            elif convert is not None:
                out[name] = convert(value)
            else:
                out[name] = json_safe(value)
        for field in model.multi:
            out[field.handle] = [str(t) for t in (links or {}).get(field.handle) or []]
        return out

    def _links(self, conn, model: SectionModel, ids: list) -> dict:
        """Field handle -> {source id -> [target ids in order]} for multiple relations."""
        result: dict = {}
        for field in model.multi:
            query = model.sql_text(conn, ("links", field.handle), lambda: sql.SQL(
                "SELECT source_id, array_agg(target_id ORDER BY sort_order, created_at) FROM {} "
                "WHERE source_id = ANY(%s) GROUP BY source_id").format(sql.Identifier(model.schema, field.junction)))
            rows = conn.execute(query, (ids,)).fetchall()
            result[field.handle] = {src: targets for src, targets in rows}
        return result

    def _write_links(self, conn, model: SectionModel, entry_id, values: dict, replace: bool) -> None:
        for field in model.multi:
            if field.handle not in values:
                continue
            table = sql.Identifier(model.schema, field.junction)
            if replace:
                conn.execute(model.sql_text(conn, ("unlink", field.handle), lambda: sql.SQL(
                    "DELETE FROM {} WHERE source_id = %s").format(table)), (entry_id,))
            targets = values[field.handle] or []
            if targets:
                conn.execute(
                    model.sql_text(conn, ("link", field.handle), lambda: sql.SQL(
                        "INSERT INTO {} (source_id, target_id, sort_order) "
                        "SELECT %s, t, o - 1 FROM unnest(%s::uuid[]) WITH ORDINALITY AS u(t, o)").format(table)),
                    (entry_id, targets),
                )

    def _fetch(self, conn, model: SectionModel, entry_id) -> dict:
        query = model.sql_text(conn, "get", lambda: sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
            model.select_list(), model.table))
        cur = conn.execute(query, (entry_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"entry '{entry_id}' does not exist in section '{model.handle}'", field="entry_id")
        names = tuple(c.name for c in cur.description)
        links = self._links(conn, model, [entry_id]) if model.multi else {}
        return self._output(model, names, row, {h: m.get(entry_id, []) for h, m in links.items()})

    # -- create ----------------------------------------------------------------------------
    def create(self, section_handle, data) -> dict:
        def work(conn, model, final):
            given = self._check_keys(model, data, final)
            values = self._validate(model, given, partial=False)
            fields = model.fields
            columns = tuple(k for k in values if fields[k].stores_column)
            if columns:
                query = model.sql_text(conn, ("insert", columns), lambda: sql.SQL(
                    "INSERT INTO {} ({}) VALUES ({}) RETURNING {}").format(
                    model.table, sql.SQL(", ").join(map(sql.Identifier, columns)),
                    sql.SQL(", ").join(sql.Placeholder() * len(columns)), model.select_list()))
            else:
                query = model.sql_text(conn, ("insert", ()), lambda: sql.SQL(
                    "INSERT INTO {} DEFAULT VALUES RETURNING {}").format(model.table, model.select_list()))
            try:
                cur = conn.execute(query, [values[k] for k in columns])
                row = cur.fetchone()
                names = tuple(c.name for c in cur.description)
                if model.multi:
                    self._write_links(conn, model, row[names.index("id")], values, replace=False)
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            links = {f.handle: values.get(f.handle) or [] for f in model.multi}
            return self._output(model, names, row, links)

        return self._run(section_handle, work)

    def create_many(self, section_handle, items, return_entries: bool = True) -> list:
        """All-or-nothing batch create with COPY; a validation error names the item index."""
        items = parse_json_input(items, "field_data")
        if not isinstance(items, list):
            raise InvalidInput("a batch must be a JSON list of entries", field="field_data")
        if len(items) > MAX_BATCH:
            raise InvalidInput(f"a batch holds at most {MAX_BATCH} entries (got {len(items)})", field="field_data")
        if not items:
            return []
        if any(not isinstance(item, dict) for item in items):
            parsed = []
            for index, item in enumerate(items):
                try:
                    parsed.append(parse_json_input(item, "field_data"))
                except InvalidInput as exc:
                    raise InvalidInput(f"item {index}: {exc}", field=exc.field, index=index) from None
            items = parsed
        return self._run(section_handle, lambda conn, model, final: self._copy_rows(
            conn, model, items, final, return_entries))

    def _copy_rows(self, conn, model: SectionModel, items: list, final: bool, return_entries: bool) -> list:
        """Validate and COPY in one pass: the server stores rows while later items are
        still being validated. A failing item aborts the COPY (nothing is kept)."""
        given = set()
        for item in items:
            if isinstance(item, dict):
                given.update(item)
        # Every column some item sets, plus every column with a default (evaluated once:
        # COPY cannot fall back to it per row, and the output must show it).
        column_fields = [f for f in model.columns if f.handle in given or f.has_default]
        handles = tuple(f.handle for f in column_fields)
        defaults = {f.handle: self._default_value(conn, model, f) for f in column_fields if f.has_default}
        copy_defaults = {h: d[1] for h, d in defaults.items()}
        now = conn.execute("SELECT now()").fetchone()[0]
        check_keys, validate = self._check_keys, self._validate
        fresh_ids: list = []
        # Ids as text: COPY sends text anyway, and the output needs the string.
        ids: list = []
        rows: list = []
        try:
            copy_sql = model.sql_text(conn, ("copy", handles), lambda: sql.SQL("COPY {} ({}) FROM STDIN").format(
                model.table, sql.SQL(", ").join(map(sql.Identifier, ("id", *handles)))))
            with conn.cursor() as cur:
                with cur.copy(copy_sql) as copy:
                    write = copy.write_row
                    for index, item in enumerate(items):
                        try:
                            row = validate(model, check_keys(model, item, final), False)
                        except InvalidInput as exc:
                            raise InvalidInput(f"item {index}: {exc}", field=exc.field, index=index,
                                               errors=exc.errors) from None
                        if not fresh_ids:
                            fresh_ids = new_ids(min(4096, len(items) - index))
                        entry_id = fresh_ids.pop()
                        ids.append(entry_id)
                        rows.append(row)
                        if copy_defaults:
                            write([entry_id, *[row[h] if h in row else copy_defaults.get(h) for h in handles]])
                        else:
                            write([entry_id, *[row.get(h) for h in handles]])
            for field in model.multi:
                if field.handle not in given:
                    continue
                copy_sql = model.sql_text(conn, ("copylinks", field.handle), lambda: sql.SQL(
                    "COPY {} (source_id, target_id, sort_order) FROM STDIN").format(
                    sql.Identifier(model.schema, field.junction)))
                with conn.cursor() as cur:
                    with cur.copy(copy_sql) as copy:
                        for entry_id, row in zip(ids, rows):
                            for order, target in enumerate(row.get(field.handle) or ()):
                                copy.write_row((entry_id, target, order))
        except psycopg.Error as exc:
            raise translate_error(exc, model, batch=True, rows=rows) from None
        if not return_entries:
            return ids
        # Output from the parameters (what was just written), not a read back; built
        # column by column. Equal parameters give equal output: each distinct value of
        # an immutable type is converted once.
        names = ["id"]
        columns = [ids]
        for f in model.columns:
            pair = defaults.get(f.handle)
            handle, default = f.handle, (None if pair is None else pair[0])
            names.append(handle)
            columns.append(_convert_column(f, [row.get(handle, default) for row in rows]))
        stamp = json_safe(now)
        names += ["created_at", "updated_at"]
        columns += [[stamp] * len(rows)] * 2
        for f in model.multi:
            names.append(f.handle)
            columns.append([[str(t) for t in row.get(f.handle) or ()] for row in rows])
        return [dict(zip(names, values)) for values in zip(*columns)]

    def _default_value(self, conn, model, field: FieldModel) -> tuple:
        """The column default as (typed value, text for COPY), evaluated once."""
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

    # -- read / update / delete --------------------------------------------------------------
    def get(self, section_handle, entry_id) -> dict:
        entry = parse_entry_id(entry_id)
        return self._run(section_handle, lambda conn, model, final: self._fetch(conn, model, entry))

    def update(self, section_handle, entry_id, data) -> dict:
        entry = parse_entry_id(entry_id)

        def work(conn, model, final):
            given = self._check_keys(model, data, final)
            values = self._validate(model, given, partial=True)
            columns = tuple(k for k in values if model.fields[k].stores_column)
            try:
                if columns:
                    query = model.sql_text(conn, ("update", columns), lambda: sql.SQL(
                        "UPDATE {} SET {} WHERE id = %s RETURNING id").format(
                        model.table, sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in columns)))
                    cur = conn.execute(query, (*(values[k] for k in columns), entry))
                else:
                    cur = conn.execute(model.sql_text(conn, "lock", lambda: sql.SQL(
                        "SELECT id FROM {} WHERE id = %s FOR UPDATE").format(model.table)), (entry,))
                if cur.fetchone() is None:
                    raise NotFound(f"entry '{entry}' does not exist in section '{model.handle}'", field="entry_id")
                self._write_links(conn, model, entry, values, replace=True)
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            return self._fetch(conn, model, entry)

        return self._run(section_handle, work)

    def delete(self, section_handle, entry_id) -> bool:
        entry = parse_entry_id(entry_id)

        def work(conn, model, final):
            try:
                row = conn.execute(model.sql_text(conn, "delete", lambda: sql.SQL(
                    "DELETE FROM {} WHERE id = %s RETURNING id").format(model.table)), (entry,)).fetchone()
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            if row is None:
                raise NotFound(f"entry '{entry}' does not exist in section '{model.handle}'", field="entry_id")
            return True

        return self._run(section_handle, work)

    # -- query -----------------------------------------------------------------------------
    def query(self, section_handle, filters=None, order_by=None, limit=None, offset=0) -> dict:
        limit, offset = check_paging(limit, offset, self.settings)
        filters = parse_json_input(filters, "filters")

        def work(conn, model, final):
            compiler = FilterCompiler(model, self.registry, _ALIAS)
            where = compiler.compile(filters)
            order = compile_order_by(model, order_by, _ALIAS)
            rows_sql = sql.SQL("SELECT {} FROM {} AS t WHERE {} ORDER BY {} LIMIT %s OFFSET %s").format(
                model.select_list("t"), model.table, where, order).as_string(conn)
            count_sql = sql.SQL("SELECT count(*) FROM {} AS t WHERE {}").format(model.table, where).as_string(conn)
            params = compiler.params
            try:
                with conn.pipeline():
                    cur = conn.execute(rows_sql, (*params, limit, offset))
                    count_cur = conn.cursor().execute(count_sql, params)
                rows = cur.fetchall()
                names = tuple(c.name for c in cur.description)
                total = count_cur.fetchone()[0]
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            links = {}
            if rows and model.multi:
                id_at = names.index("id")
                links = self._links(conn, model, [r[id_at] for r in rows])
            output = self._output
            if links:
                id_at = names.index("id")
                entries = [output(model, names, r, {h: m.get(r[id_at], []) for h, m in links.items()}) for r in rows]
            else:
                entries = [output(model, names, r) for r in rows]
            return {"entries": entries, "total_count": total, "limit": limit, "offset": offset}

        return self._run(section_handle, work)


_ALIAS = sql.Identifier("t")
_MISSING = object()
#: Immutable parameter types whose output can be memoised within a batch.
_MEMO_TYPES = frozenset({str, int, float, bool, Decimal, uuid.UUID, _dt.datetime, _dt.date, _dt.time})


def _convert_column(field: FieldModel, values: list) -> list:
    convert = field.output
    memo: dict = {}
    out = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
        elif value.__class__ in _MEMO_TYPES:
            key = (value.__class__, value)
            converted = memo.get(key, _MISSING)
            if converted is _MISSING:
                converted = convert(value)
                if len(memo) < 50_000:
                    memo[key] = converted
            append(converted)
        else:
            append(convert(getattr(value, "obj", value)))  # unwrap Jsonb parameters
    return out


_DETAIL_KEY = re.compile(r"^Key \((.+?)\)=\((.*)\) ", re.DOTALL)


def explain_db_error(exc: psycopg.Error, model: SectionModel) -> tuple[FieldModel | None, str, str] | None:
    """(field, its name, the reason) for a constraint or data error; None for other errors.

    Generated constraint names carry the field id (``uq_<id>``, ``ck_<id>_<kind>_...``),
    so the field is found even after a rename."""
    diag = exc.diag
    constraint = diag.constraint_name or ""
    parts = constraint.split("_")
    field = None
    if len(parts) >= 2 and parts[0] in ("uq", "fk", "ck", "nn", "jx"):
        field = model.field_by_short_id(parts[1])
    if field is None and diag.column_name:
        field = model.fields.get(diag.column_name)
    if field is None:
        key = _DETAIL_KEY.match(diag.message_detail or "")
        if key and key.group(1) in model.fields:
            field = model.fields[key.group(1)]
    name = field.handle if field else (diag.column_name or constraint or "entry")
    if isinstance(exc, pg_errors.UniqueViolation):
        if constraint.endswith("_pair"):
            reason = "lists the same related entry twice"
        else:
            reason = "this value already exists in another entry (the field is unique)"
    elif isinstance(exc, pg_errors.ForeignKeyViolation):
        target = field.target_section if field else "the target section"
        reason = f"the related entry does not exist in section '{target}'"
    elif isinstance(exc, pg_errors.CheckViolation):
        kind = parts[2] if len(parts) >= 3 and parts[0] == "ck" else "value"
        reason = f"the value breaks the field's {kind} rule"
    elif isinstance(exc, pg_errors.NotNullViolation):
        reason = "is required"
    elif isinstance(exc, pg_errors.DataError):
        reason = f"the value is not valid: {database_message(exc)}"
    else:
        return None
    return field, name, reason


def translate_error(exc: psycopg.Error, model: SectionModel, batch: bool = False, rows: list | None = None) -> ContentError:
    """A database error as a message that names the field (and the batch item).

    A missing column or table is returned as is: the model was stale, and ``_run``
    reloads it and tries once more."""
    if isinstance(exc, (pg_errors.UndefinedColumn, pg_errors.UndefinedTable)):
        return exc
    explained = explain_db_error(exc, model)
    if explained is None:
        return DatabaseFailure(f"database error: {database_message(exc)}")
    field, name, reason = explained
    index = None
    if batch:
        # Foreign keys are checked after the COPY (no line number); junction rows are
        # not the batch's items: find the item by the value the detail names.
        match = _COPY_LINE.search(exc.diag.context or "")
        deferred = isinstance(exc, pg_errors.ForeignKeyViolation) or (field is not None and field.junction)
        if match and not deferred:
            index = int(match.group(1)) - 1
        elif field is not None and rows is not None:
            index = locate_item(exc.diag.message_detail or "", field, rows)
    prefix = f"item {index}: " if index is not None else ""
    return InvalidInput(f"{prefix}field '{name}': {reason}", field=name, index=index)


def locate_item(detail: str, field: FieldModel, rows: list) -> int | None:
    """The batch item whose value is named in ``Key (col)=(value)`` (FK checks run after COPY)."""
    match = _DETAIL_KEY.match(detail)
    if not match:
        return None
    wanted = match.group(2)
    for index, row in enumerate(rows):
        value = row.get(field.handle)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            if any(str(v) == wanted for v in value):
                return index
        elif str(getattr(value, "obj", value)) == wanted:
            return index
    return None


#: Parameter types that cannot carry text, so they need no Unicode check.
_PLAIN_PARAMS = frozenset({int, float, bool, Decimal, uuid.UUID, _dt.date, _dt.datetime, _dt.time})


def new_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as text, made in one go: much cheaper per id
    than ``str(uuid.uuid4())`` when a batch needs thousands."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])
    h = raw.hex()
    return [f"{h[j:j + 8]}-{h[j + 8:j + 12]}-{h[j + 12:j + 16]}-{h[j + 16:j + 20]}-{h[j + 20:j + 32]}"
            for j in range(0, 32 * count, 32)]
