"""Streamed import and export of entries as CSV or JSON Lines.

Both directions run in constant memory:

* **Import** reads the file row by row, converts and validates each row, and writes
  rows to the table with ``COPY`` in batches of ``batch_size``. All batches run in
  *one* transaction on one connection, so an import is all-or-nothing: the first bad
  row (or a database rule such as a unique field) rolls everything back, and the
  error names its line in the file (for CSV the header is line 1).
* **Export** reads through a server-side cursor in chunks and writes as it goes.

It writes with its own ``COPY`` (not ``EntryService.create_many``, which takes a
whole list in its own transaction) and depends only on:

* ``engine.pool.connection()`` - one pooled connection, one transaction;
* ``engine.entries.models.get(conn, handle, refresh=True)`` - the section's applied
  model (``SectionModel``: ``fields``, ``schema``, ``table``, ``table_name``,
  ``unknown_field``; ``FieldModel``: ``handle``, ``ft``, ``settings``, ``required``,
  ``has_default``, ``stores_column``, ``junction``, ``target_section``, ``short_id``);
* the public field-type API (``validate``, ``serialize``, ``deserialize``);
* ``query.FilterCompiler`` and ``query.compile_order_by`` - the query language.

Validation follows the entry service's rules (required, unknown and read-only keys,
empty multiple relations); database errors are named like its messages.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from .entries import explain_db_error, locate_item
from .errors import ContentError, DatabaseFailure, InvalidInput, database_message
from .identifiers import SYSTEM_COLUMNS
from .records import json_safe
from .query import FilterCompiler, compile_order_by
from .section_model import FieldModel, SectionModel

FORMATS = ("csv", "jsonl")
DEFAULT_BATCH = 5000
_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}

#: progress(done_rows, done_bytes) - called after every batch.
Progress = Callable[[int, int], None]


class ImportLineError(InvalidInput):
    """A bad row in an import file; ``line`` is its line number in the file."""

    def __init__(self, message: str, line: int | None, field: str | None = None, errors=None):
        super().__init__(message, field=field, errors=errors)
        self.line = line


def detect_format(path: str | None, given: str | None) -> str:
    """The format asked for, else the one the file name suggests (default CSV)."""
    if given:
        fmt = given.lower()
        if fmt in ("ndjson", "json", "jsonlines"):
            fmt = "jsonl"
        if fmt not in FORMATS:
            raise InvalidInput(f"unknown format '{given}' (use csv or jsonl)", field="format")
        return fmt
    suffix = Path(path or "").suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "csv"


# -- values --------------------------------------------------------------------------------
def _json_or_list(text: str) -> Any:
    stripped = text.strip()
    if stripped.startswith("["):
        return json.loads(stripped)
    return [part.strip() for part in stripped.split(",") if part.strip()]


def convert_csv_value(field: FieldModel, text: str) -> Any:
    """A CSV cell (always a string) as the value the field type expects.

    Empty -> None; booleans from true/false/yes/no/1/0; integers and numbers parsed;
    json, multi_select and multiple relations from JSON (lists also as a,b,c);
    everything else is passed through as text for the field type to validate."""
    if text is None or text == "":
        return None
    handle = field.ft.handle
    try:
        if handle == "boolean":
            low = text.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError("must be true or false")
        if handle == "integer":
            stripped = text.strip()
            try:
                return int(stripped)
            except ValueError:
                as_float = float(stripped)
                if as_float.is_integer():
                    return int(as_float)
                raise ValueError("must be a whole number") from None
        if handle == "number":
            return float(text.strip())
        if handle == "json":
            return json.loads(text)
        if handle == "multi_select" or field.junction:
            return _json_or_list(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON ({exc.msg})") from None
    except ValueError as exc:
        message = str(exc)
        if message.startswith("must be") or message.startswith("is not"):
            raise
        raise ValueError(f"{text[:40]!r} is not a valid {handle}") from None
    return text


def csv_cell(value: Any) -> str:
    """A JSON-safe output value as a CSV cell (the inverse of convert_csv_value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- reading with a byte count ---------------------------------------------------------------
class _CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read (for progress bars)."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def _open_source(source) -> tuple[IO[str], _CountingReader, int | None, Callable[[], None]]:
    """(text stream, byte counter, total size or None, close)."""
    if source in (None, "-"):
        raw: IO[bytes] = sys.stdin.buffer
        total = None
        owned = False
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            raw = open(path, "rb")
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="file") from None
        total = path.stat().st_size
        owned = True
    else:
        raw = getattr(source, "buffer", source)
        total = None
        owned = False
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig", newline="")

    def close() -> None:
        text.detach()
        if owned:
            raw.close()

    return text, counter, total, close


@dataclass
class _Row:
    line: int
    data: dict


def _csv_rows(text: IO[str], model: SectionModel, ignored: list[str]):
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ImportLineError(f"line 1: {exc}", line=1) from None
    header = [h.strip() for h in header]
    seen = set()
    columns: list[tuple[int, FieldModel]] = []
    for position, name in enumerate(header):
        if name in seen:
            raise ImportLineError(f"line 1: column '{name}' appears twice in the header", line=1, field=name)
        seen.add(name)
        if name in SYSTEM_COLUMNS or name == "":
            ignored.append(name or f"column {position + 1}")
            continue
        field = model.fields.get(name)
        if field is None:
            err = model.unknown_field(name)
            raise ImportLineError(f"line 1: header: {err}", line=1, field=name)
        columns.append((position, field))
    width = len(header)
    previous = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = previous + 1
            raise ImportLineError(f"line {line}: {exc}", line=line) from None
        line = previous + 1
        previous = reader.line_num
        if not cells or (len(cells) == 1 and cells[0] == "" and width > 1):
            continue  # a blank line
        if len(cells) != width:
            raise ImportLineError(f"line {line}: expected {width} values (as in the header), got {len(cells)}", line=line)
        data = {}
        for position, field in columns:
            try:
                data[field.handle] = convert_csv_value(field, cells[position])
            except ValueError as exc:
                raise ImportLineError(f"line {line}: field '{field.handle}': {exc}", line=line, field=field.handle) from None
        yield _Row(line, data)


def _jsonl_rows(text: IO[str], model: SectionModel, ignored: list[str]):
    for number, raw in enumerate(text, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImportLineError(f"line {number}: not valid JSON: {exc.msg} at column {exc.colno}", line=number) from None
        if not isinstance(item, dict):
            raise ImportLineError(f"line {number}: each line must be a JSON object of field handles and values", line=number)
        for key in SYSTEM_COLUMNS:
            if key in item:
                item.pop(key)
                if key not in ignored:
                    ignored.append(key)
        yield _Row(number, item)


def import_entries(engine, section: str, source, fmt: str | None = None, batch_size: int = DEFAULT_BATCH,
                   progress: Progress | None = None, on_start: Callable[[int | None], None] | None = None) -> dict:
    """Import a CSV or JSON Lines file (path, "-" for stdin, or a binary file object).

    All-or-nothing: one transaction; the first bad line raises ImportLineError (exit code 2)
    naming the line, and nothing is imported."""
    fmt = detect_format(source if isinstance(source, str) else None, fmt)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInput("batch size must be a whole number of at least 1", field="batch_size")
    engine.ensure_installed()
    text, counter, total, close = _open_source(source)
    ignored: list[str] = []
    imported = 0
    try:
        if on_start is not None:
            on_start(total)
        try:
            with engine.pool.connection() as conn:
                model = engine.entries.models.get(conn, section, refresh=True)
                writer = _BatchWriter(conn, model)
                rows = _csv_rows(text, model, ignored) if fmt == "csv" else _jsonl_rows(text, model, ignored)
                batch: list[dict] = []
                lines: list[int] = []
                for row in rows:
                    batch.append(validate_row(model, row.data, row.line))
                    lines.append(row.line)
                    if len(batch) >= batch_size:
                        writer.write(batch, lines)
                        imported += len(batch)
                        batch, lines = [], []
                        if progress is not None:
                            progress(imported, counter.count)
                if batch:
                    writer.write(batch, lines)
                    imported += len(batch)
        except ContentError:
            raise
        except psycopg.Error as exc:
            raise DatabaseFailure(f"database error during import, nothing was imported: {database_message(exc)}") from exc
    finally:
        close()
    if progress is not None:
        progress(imported, counter.count)
    return {"section": section, "format": fmt, "imported": imported, "ignored_columns": ignored}


def validate_row(model: SectionModel, data: dict, line: int) -> dict:
    """Field handle -> database parameter, through the field types' validate/serialize.

    Unknown keys and system columns are refused; every problem of the row is named."""
    for key in data:
        if key not in model.fields:
            if key in SYSTEM_COLUMNS:
                raise ImportLineError(f"line {line}: field '{key}': is a system column and is read-only",
                                      line=line, field=str(key))
            err = model.unknown_field(str(key)[:80])
            raise ImportLineError(f"line {line}: {err}", line=line, field=err.field)
    errors: list[tuple[str, str]] = []
    values: dict = {}
    for field in model.fields.values():
        handle = field.handle
        if handle not in data:
            if field.required and not field.has_default:
                errors.append((handle, "is required"))
            continue
        value = data[handle]
        if value is None or (field.junction and value == []):
            if field.required:
                errors.append((handle, "is required and cannot be empty"))
            else:
                values[handle] = [] if field.junction else None
            continue
        try:
            ok, message = field.ft.validate(value, field.settings)
        except (TypeError, ValueError) as exc:
            ok, message = False, str(exc)
        if not ok:
            errors.append((handle, message or "is invalid"))
            continue
        values[handle] = field.ft.serialize(value, field.settings)
    if errors:
        text = "; ".join(f"field '{h}': {m}" for h, m in errors)
        raise ImportLineError(f"line {line}: {text}", line=line, field=errors[0][0],
                              errors=[{"field": h, "message": m} for h, m in errors])
    return values


class _BatchWriter:
    """COPY of validated rows (and their junction rows) on the import's connection."""

    def __init__(self, conn, model: SectionModel):
        self.conn = conn
        self.model = model
        self.defaults: dict = {}

    def _default_text(self, field: FieldModel):
        """A column default as text, evaluated once (a COPY row cannot ask for DEFAULT)."""
        if field.handle not in self.defaults:
            expr = self.conn.execute(
                "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
                "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = %s::regclass AND a.attname = %s",
                (self.model.table.as_string(self.conn), field.handle),
            ).fetchone()
            value = None
            if expr is not None:  # from the catalog, written by the planner from a validated default
                value = self.conn.execute(sql.SQL("SELECT ({})::text").format(sql.SQL(expr[0]))).fetchone()[0]
            self.defaults[field.handle] = value
        return self.defaults[field.handle]

    def write(self, rows: list[dict], lines: list[int]) -> None:
        model = self.model
        given: set = set()
        for row in rows:
            given.update(row)
        columns = [f for f in model.fields.values() if f.stores_column and f.handle in given]
        partial = [f for f in columns if f.has_default and any(f.handle not in r for r in rows)]
        fill = {f.handle: self._default_text(f) for f in partial}
        ids = [uuid.uuid4() for _ in rows]
        junction_owner: list[int] = []
        multi = [f for f in model.fields.values() if f.junction and f.handle in given]
        try:
            with self.conn.cursor() as cur:
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    model.table, sql.SQL(", ").join(sql.Identifier(n) for n in ("id", *(f.handle for f in columns))))
                with cur.copy(copy_sql) as copy:
                    for entry_id, row in zip(ids, rows):
                        copy.write_row([entry_id, *(row[f.handle] if f.handle in row else fill.get(f.handle)
                                                    for f in columns)])
            for field in multi:
                junction_owner = []
                with self.conn.cursor() as cur:
                    copy_sql = sql.SQL("COPY {} (source_id, target_id, sort_order) FROM STDIN").format(
                        sql.Identifier(model.schema, field.junction))
                    with cur.copy(copy_sql) as copy:
                        for index, (entry_id, row) in enumerate(zip(ids, rows)):
                            for order, target in enumerate(row.get(field.handle) or ()):
                                copy.write_row((entry_id, target, order))
                                junction_owner.append(index)
        except psycopg.Error as exc:
            raise _translate(exc, model, rows, lines) from None


_COPY_LINE = re.compile(r"COPY (\S+), line (\d+)")


def _translate(exc: psycopg.Error, model: SectionModel, rows: list[dict], lines: list[int]) -> ContentError:
    """A COPY error as a message naming the line of the file and the field."""
    explained = explain_db_error(exc, model)
    if explained is None:
        return DatabaseFailure(f"database error during import, nothing was imported: {database_message(exc)}")
    field, name, reason = explained
    index = None
    copy_line = _COPY_LINE.search(exc.diag.context or "")
    on_main_table = copy_line is not None and copy_line.group(1) in (model.table_name, f"{model.schema}.{model.table_name}")
    if copy_line and on_main_table and not isinstance(exc, pg_errors.ForeignKeyViolation):
        index = int(copy_line.group(2)) - 1
    elif field is not None:
        # Foreign keys are checked after the COPY: find the row by the value the detail names.
        index = locate_item(exc.diag.message_detail or "", field, rows)
    line = lines[index] if index is not None and 0 <= index < len(lines) else None
    where = f"line {line}: " if line is not None else f"one of lines {lines[0]}-{lines[-1]}: "
    return ImportLineError(f"{where}field '{name}': {reason}", line=line if line is not None else lines[0], field=name)


# -- export -----------------------------------------------------------------------------------
def export_columns(model: SectionModel) -> list[str]:
    return ["id", *model.fields, "created_at", "updated_at"]


def export_entries(engine, section: str, dest, fmt: str | None = None, filters=None, order_by=None,
                   batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
                   on_start: Callable[[int | None], None] | None = None) -> dict:
    """Write a section's entries (optionally filtered and ordered) to ``dest``
    (path, "-" for stdout, or a text file object) through a server-side cursor."""
    fmt = detect_format(dest if isinstance(dest, str) and dest != "-" else None, fmt)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInput("batch size must be a whole number of at least 1", field="batch_size")
    engine.ensure_installed()
    service = engine.entries
    if dest in (None, "-"):
        out: IO[str] = sys.stdout
        owned = False
    elif isinstance(dest, (str, os.PathLike)):
        try:
            out = open(dest, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise InvalidInput(f"cannot write {dest}: {exc.strerror}", field="file") from None
        owned = True
    else:
        out, owned = dest, False
    written = 0
    try:
        with engine.pool.connection() as conn:
            model = service.models.get(conn, section, refresh=True)
            alias = sql.Identifier("t")
            compiler = FilterCompiler(model, engine.registry, alias)
            where = compiler.compile(filters)
            order = compile_order_by(model, order_by or "created_at, id", alias)
            if on_start is not None:
                total = conn.execute(
                    sql.SQL("SELECT count(*) FROM {} AS t WHERE {}").format(model.table, where), compiler.params
                ).fetchone()[0]
                on_start(total)
            columns = export_columns(model)
            multi = [f for f in model.fields.values() if f.junction]
            writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
            if writer is not None:
                writer.writerow(columns)
            with conn.cursor(name="content_export") as cur:
                cur.itersize = batch_size
                cur.execute(sql.SQL("SELECT t.* FROM {} AS t WHERE {} ORDER BY {}").format(model.table, where, order),
                            compiler.params)
                while True:
                    chunk = cur.fetchmany(batch_size)
                    if not chunk:
                        break
                    names = [c.name for c in cur.description]
                    records = [dict(zip(names, r)) for r in chunk]
                    links = _links(conn, model, multi, [r["id"] for r in records]) if multi else {}
                    for record in records:
                        entry = _output(model, record, multi, links)
                        if writer is not None:
                            writer.writerow([csv_cell(entry.get(c)) for c in columns])
                        else:
                            out.write(json.dumps({c: entry.get(c) for c in columns}, ensure_ascii=False) + "\n")
                    written += len(records)
                    if progress is not None:
                        progress(written, 0)
    except ContentError:
        raise
    except psycopg.Error as exc:
        raise DatabaseFailure(f"database error during export: {database_message(exc)}") from exc
    finally:
        if owned:
            out.close()
        else:
            out.flush()
    return {"section": section, "format": fmt, "exported": written,
            "file": None if dest in (None, "-") or not isinstance(dest, (str, os.PathLike)) else str(dest)}


def _output(model: SectionModel, record: dict, multi: list, links: dict) -> dict:
    out = {}
    for key, value in record.items():
        field = model.fields.get(key)
        if value is None:
            out[key] = None
        elif field is not None:
            out[key] = json_safe(field.ft.deserialize(value, field.settings))
        else:
            out[key] = json_safe(value)
    for field in multi:
        out[field.handle] = [str(t) for t in links.get(field.handle, {}).get(record["id"], [])]
    return out


def _links(conn, model: SectionModel, multi: list, ids: list) -> dict:
    """Field handle -> {source id -> [target ids in order]} for multiple relations."""
    result: dict = {}
    for field in multi:
        rows = conn.execute(
            sql.SQL("SELECT source_id, array_agg(target_id ORDER BY sort_order, created_at) FROM {} "
                    "WHERE source_id = ANY(%s) GROUP BY source_id").format(sql.Identifier(model.schema, field.junction)),
            (ids,),
        ).fetchall()
        result[field.handle] = {src: targets for src, targets in rows}
    return result
