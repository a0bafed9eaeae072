"""Entries: validated create, update, get, delete and query of a section's rows.

Validation happens before SQL and names the field and the reason; database errors
(unique, foreign key, check, not null) are translated into the same kind of message.
Multiple relations live in junction tables written in the same transaction.
"""

from __future__ import annotations

import re
import uuid

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from .errors import ContentError, DatabaseFailure, InvalidInput, NotFound
from .identifiers import SYSTEM_COLUMNS
from .query import FilterCompiler, check_paging, compile_order_by, parse_json_input
from .records import json_safe
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
        """Run ``work(conn, model)`` in a transaction, reloading a stale model once."""
        self.engine.ensure_installed()
        for attempt in (0, 1):
            try:
                with self.engine.pool.connection() as conn:
                    model = self.models.get(conn, section_handle, refresh=attempt == 1)
                    return work(conn, model)
            except _Retry:
                continue
            except (pg_errors.UndefinedColumn, pg_errors.UndefinedTable):
                if attempt == 0:
                    self.models.invalidate(section_handle)
                    continue
                raise DatabaseFailure(
                    f"the table of section '{section_handle}' changed while writing; try again") from None
            except ContentError:
                raise
            except psycopg.Error as exc:
                raise DatabaseFailure(f"database error: {_primary(exc)}") from exc
        raise AssertionError("unreachable")

    def _check_keys(self, model: SectionModel, data, retry_ok: bool) -> dict:
        data = parse_json_input(data, "field_data")
        if data in (None, []):
            data = {}
        if not isinstance(data, dict):
            raise InvalidInput("field_data must be a JSON object of field handles and values", field="field_data")
        for key in data:
            if key in SYSTEM_COLUMNS:
                raise InvalidInput(f"'{key}' is a system column and is read-only", field=str(key))
            if key not in model.fields:
                if retry_ok:
                    raise _Retry()
                raise model.unknown_field(str(key)[:80])
        return data

    def _validate(self, model: SectionModel, data: dict, partial: bool) -> dict:
        """Field handle -> parameter for every given field; raise one InvalidInput for all problems."""
        errors: list[tuple[str, str]] = []
        values: dict = {}
        for field in model.fields.values():
            if field.handle not in data:
                if not partial and field.required and not field.has_default:
                    errors.append((field.handle, "is required"))
                continue
            value = data[field.handle]
            if value is None or (field.junction and value == []):
                if field.required:
                    errors.append((field.handle, "is required and cannot be empty"))
                    continue
                values[field.handle] = [] if field.junction else None
                continue
            ok, message = field.ft.validate(value, field.settings)
            if not ok:
                errors.append((field.handle, message or "is invalid"))
                continue
            values[field.handle] = field.ft.serialize(value, field.settings)
        if errors:
            text = "; ".join(f"field '{h}': {m}" for h, m in errors)
            raise InvalidInput(text, field=errors[0][0], errors=[{"field": h, "message": m} for h, m in errors])
        return values

    def _output(self, model: SectionModel, row: dict, links: dict | None = None) -> dict:
        out = {}
        for key, value in row.items():
            field = model.fields.get(key)
            if field is not None and value is not None:
                out[key] = field.ft.deserialize(value, field.settings)
            else:
                out[key] = json_safe(value)
        for field in model.multi_fields():
            out[field.handle] = [str(t) for t in (links or {}).get(field.handle, [])]
        return out

    def _links(self, conn, model: SectionModel, ids: list) -> dict:
        """Field handle -> {source id -> [target ids in order]} for multiple relations."""
        result: dict = {}
        for field in model.multi_fields():
            rows = conn.execute(
                sql.SQL("SELECT source_id, array_agg(target_id ORDER BY sort_order, created_at) FROM {} "
                        "WHERE source_id = ANY(%s) GROUP BY source_id").format(sql.Identifier(model.schema, field.junction)),
                (ids,),
            ).fetchall()
            result[field.handle] = {src: targets for src, targets in rows}
        return result

    def _write_links(self, conn, model: SectionModel, entry_id, values: dict, replace: bool) -> None:
        for field in model.multi_fields():
            if field.handle not in values:
                continue
            table = sql.Identifier(model.schema, field.junction)
            if replace:
                conn.execute(sql.SQL("DELETE FROM {} WHERE source_id = %s").format(table), (entry_id,))
            targets = values[field.handle] or []
            if targets:
                conn.execute(
                    sql.SQL("INSERT INTO {} (source_id, target_id, sort_order) "
                            "SELECT %s, t, o - 1 FROM unnest(%s::uuid[]) WITH ORDINALITY AS u(t, o)").format(table),
                    (entry_id, targets),
                )

    def _fetch(self, conn, model: SectionModel, entry_id) -> dict:
        cur = conn.execute(sql.SQL("SELECT * FROM {} WHERE id = %s").format(model.table), (entry_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"entry '{entry_id}' does not exist in section '{model.handle}'", field="entry_id")
        record = {c.name: v for c, v in zip(cur.description, row)}
        links = self._links(conn, model, [entry_id]) if model.multi_fields() else {}
        return self._output(model, record, {h: m.get(entry_id, []) for h, m in links.items()})

    # -- create ----------------------------------------------------------------------------
    def create(self, section_handle, data) -> dict:
        def work(conn, model):
            given = self._check_keys(model, data, retry_ok=True)
            values = self._validate(model, given, partial=False)
            columns = {k: v for k, v in values.items() if model.fields[k].stores_column}
            if columns:
                query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING *").format(
                    model.table, sql.SQL(", ").join(map(sql.Identifier, columns)),
                    sql.SQL(", ").join(sql.Placeholder() * len(columns)))
            else:
                query = sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING *").format(model.table)
            try:
                cur = conn.execute(query, list(columns.values()))
                row = cur.fetchone()
                record = {c.name: v for c, v in zip(cur.description, row)}
                self._write_links(conn, model, record["id"], values, replace=False)
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            links = {f.handle: values.get(f.handle) or [] for f in model.multi_fields()}
            return self._output(model, record, links)

        return self._run(section_handle, work)

    def create_many(self, section_handle, items, return_entries: bool = True) -> list:
        """All-or-nothing batch create with COPY; a validation error names the item index."""
        items = parse_json_input(items, "field_data")
        if not isinstance(items, list):
            raise InvalidInput("a batch must be a JSON list of entries", field="field_data")
        if len(items) > MAX_BATCH:
            raise InvalidInput(f"a batch holds at most {MAX_BATCH} entries (got {len(items)})", field="field_data")

        def work(conn, model):
            rows = []
            for index, item in enumerate(items):
                try:
                    given = self._check_keys(model, item, retry_ok=True)
                    rows.append(self._validate(model, given, partial=False))
                except InvalidInput as exc:
                    raise InvalidInput(f"item {index}: {exc}", field=exc.field, index=index, errors=exc.errors) from None
            return self._copy_rows(conn, model, rows, return_entries)

        return self._run(section_handle, work)

    def _copy_rows(self, conn, model: SectionModel, rows: list[dict], return_entries: bool) -> list:
        if not rows:
            return []
        column_fields = [f for f in model.column_fields() if any(f.handle in r for r in rows)]
        ids = [uuid.uuid4() for _ in rows]
        now = conn.execute("SELECT now()").fetchone()[0]
        names = ["id", *(f.handle for f in column_fields)]
        defaults = {f.handle: self._default_param(conn, model, f) for f in column_fields if f.has_default}
        try:
            with conn.cursor() as cur:
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    model.table, sql.SQL(", ").join(map(sql.Identifier, names)))
                with cur.copy(copy_sql) as copy:
                    for entry_id, row in zip(ids, rows):
                        copy.write_row([entry_id, *(
                            row[f.handle] if f.handle in row else defaults.get(f.handle) for f in column_fields)])
            for field in model.multi_fields():
                table = sql.Identifier(model.schema, field.junction)
                with conn.cursor() as cur:
                    with cur.copy(sql.SQL("COPY {} (source_id, target_id, sort_order) FROM STDIN").format(table)) as copy:
                        for entry_id, row in zip(ids, rows):
                            for order, target in enumerate(row.get(field.handle) or []):
                                copy.write_row([entry_id, target, order])
        except psycopg.Error as exc:
            raise translate_error(exc, model, batch=True) from None
        if not return_entries:
            return [str(i) for i in ids]
        out = []
        for entry_id, row in zip(ids, rows):
            record = {"id": entry_id}
            for f in model.column_fields():
                value = row.get(f.handle, defaults.get(f.handle)) if f in column_fields else None
                record[f.handle] = value
            record["created_at"] = now
            record["updated_at"] = now
            links = {f.handle: row.get(f.handle) or [] for f in model.multi_fields()}
            out.append(self._output(model, _db_shape(record, model), links))
        return out

    def _default_param(self, conn, model, field: FieldModel):
        """The column default, evaluated once (COPY cannot fall back to it per row)."""
        value = conn.execute(
            sql.SQL("SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
                    "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = %s::regclass AND a.attname = %s"),
            (f"{model.schema}.{model.table_name}", field.handle),
        ).fetchone()
        if value is None:
            return None
        return conn.execute(sql.SQL("SELECT {}").format(sql.SQL(value[0]))).fetchone()[0]

    # -- read / update / delete --------------------------------------------------------------
    def get(self, section_handle, entry_id) -> dict:
        entry = parse_entry_id(entry_id)
        return self._run(section_handle, lambda conn, model: self._fetch(conn, model, entry))

    def update(self, section_handle, entry_id, data) -> dict:
        entry = parse_entry_id(entry_id)

        def work(conn, model):
            given = self._check_keys(model, data, retry_ok=True)
            values = self._validate(model, given, partial=True)
            columns = {k: v for k, v in values.items() if model.fields[k].stores_column}
            try:
                if columns:
                    cur = conn.execute(
                        sql.SQL("UPDATE {} SET {} WHERE id = %s RETURNING id").format(
                            model.table,
                            sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in columns)),
                        (*columns.values(), entry),
                    )
                else:
                    cur = conn.execute(sql.SQL("SELECT id FROM {} WHERE id = %s FOR UPDATE").format(model.table), (entry,))
                if cur.fetchone() is None:
                    raise NotFound(f"entry '{entry}' does not exist in section '{model.handle}'", field="entry_id")
                self._write_links(conn, model, entry, values, replace=True)
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            return self._fetch(conn, model, entry)

        return self._run(section_handle, work)

    def delete(self, section_handle, entry_id) -> bool:
        entry = parse_entry_id(entry_id)

        def work(conn, model):
            try:
                row = conn.execute(
                    sql.SQL("DELETE FROM {} WHERE id = %s RETURNING id").format(model.table), (entry,)).fetchone()
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            if row is None:
                raise NotFound(f"entry '{entry}' does not exist in section '{model.handle}'", field="entry_id")
            return True

        return self._run(section_handle, work)

    # -- query -----------------------------------------------------------------------------
    def query(self, section_handle, filters=None, order_by=None, limit=None, offset=0) -> dict:
        limit, offset = check_paging(limit, offset, self.settings)

        def work(conn, model):
            alias = sql.Identifier("t")
            compiler = FilterCompiler(model, self.registry, alias)
            where = compiler.compile(filters)
            order = compile_order_by(model, order_by, alias)
            rows_sql = sql.SQL("SELECT t.* FROM {} AS t WHERE {} ORDER BY {} LIMIT %s OFFSET %s").format(
                model.table, where, order)
            count_sql = sql.SQL("SELECT count(*) FROM {} AS t WHERE {}").format(model.table, where)
            try:
                with conn.pipeline():
                    cur = conn.cursor()
                    cur.execute(rows_sql, (*compiler.params, limit, offset))
                    count_cur = conn.cursor()
                    count_cur.execute(count_sql, compiler.params)
                rows = cur.fetchall()
                names = [c.name for c in cur.description]
                total = count_cur.fetchone()[0]
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            records = [dict(zip(names, r)) for r in rows]
            links = self._links(conn, model, [r["id"] for r in records]) if records and model.multi_fields() else {}
            entries = [
                self._output(model, r, {h: m.get(r["id"], []) for h, m in links.items()}) for r in records
            ]
            return {"entries": entries, "total_count": total, "limit": limit, "offset": offset}

        return self._run(section_handle, work)


def _db_shape(record: dict, model: SectionModel) -> dict:
    """Parameters already have the database's Python types, except JSON wrappers."""
    out = {}
    for key, value in record.items():
        out[key] = getattr(value, "obj", value)
    return out


def _primary(exc: psycopg.Error) -> str:
    diag = getattr(exc, "diag", None)
    if diag is not None and diag.message_primary:
        return diag.message_primary
    return str(exc).strip()


def translate_error(exc: psycopg.Error, model: SectionModel, batch: bool = False) -> ContentError:
    """A database error as a message that names the field (and the batch item)."""
    diag = exc.diag
    constraint = diag.constraint_name or ""
    field = None
    parts = constraint.split("_")
    if len(parts) >= 2 and parts[0] in ("uq", "fk", "ck", "nn", "jx"):
        field = model.field_by_short_id(parts[1])
    if field is None and diag.column_name:
        field = model.fields.get(diag.column_name)
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
    elif isinstance(exc, (pg_errors.DataError, pg_errors.InvalidTextRepresentation)):
        reason = f"the value is not valid: {_primary(exc)}"
    else:
        return DatabaseFailure(f"database error: {_primary(exc)}")
    index = None
    if batch:
        match = _COPY_LINE.search(diag.context or "")
        if match:
            index = int(match.group(1)) - 1
    prefix = f"item {index}: " if index is not None else ""
    return InvalidInput(f"{prefix}field '{name}': {reason}", field=name, index=index)
