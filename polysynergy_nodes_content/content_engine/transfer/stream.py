"""Streamed import and export of entries as CSV or JSON Lines.

Both directions run in constant memory:

* **Import** reads the file row by row and hands batches of ``batch_size`` rows to the
  entry service's batch writer (``EntryService.batch``), which validates and COPYs them
  like any batch create. All batches run in *one* transaction, so an import is
  all-or-nothing: the first bad row rolls everything back, and the error names its
  line in the file (for CSV the header is line 1). ``on_conflict`` updates entries a
  unique field matches; ``keep_ids`` keeps the ids and timestamps of an export, so
  export -> import round-trips, relations included: references to entries of the same
  section further down the file are written once every row is in (``forward_references``);
  other sections must be imported first.
* **Dry run** (``dry_run=True``) reads the whole file, writes nothing and reports every
  bad row: see ``dry_run``.
* **Export** reads through a server-side cursor in chunks and writes as it goes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import IO

import psycopg
from psycopg import sql

from ..entries import (
    KEPT_COLUMNS,
    FilterCompiler,
    SectionModel,
    compile_order_by,
    keep_times,
    links_of,
    output_row,
    read_links,
)
from ..errors import ContentError, DatabaseFailure, InvalidInput, database_message
from ..history import last_run_id
from ..postgres import FilterLimits, cancelled_read, read_transaction
from .cells import csv_line, is_text_column, neutralise
from .dry_run import check_import
from .files import (
    DEFAULT_BATCH,
    FORMATS,
    ImportLineError,
    Progress,
    convert_csv_value,
    csv_cell,
    detect_format,
    open_source,
    read_rows,
)
from .forward_references import ForwardReferences, with_order_hint

__all__ = ["import_entries", "export_entries", "ImportLineError", "detect_format", "convert_csv_value", "csv_cell",
           "DEFAULT_BATCH", "FORMATS", "export_columns"]


def import_entries(engine, section: str, source, fmt: str | None = None, batch_size: int = DEFAULT_BATCH,
                   progress: Progress | None = None, on_start: Callable[[int | None], None] | None = None,
                   on_conflict: str | None = None, keep_ids: bool = False, dry_run: bool = False,
                   max_errors: int = 100, raw_cells: bool = False) -> dict:
    """Import a CSV or JSON Lines file (path, "-" for stdin, or a binary file object).

    All-or-nothing: one transaction; the first bad line raises ImportLineError (exit code 2)
    naming the line, and nothing is imported. With ``dry_run`` nothing is written and the
    result lists every bad row (at most ``max_errors``, with the total). CSV text cells
    that an export neutralised (``'=...``) are restored unless ``raw_cells``."""
    fmt = detect_format(source if isinstance(source, str) else None, fmt)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInput("batch size must be a whole number of at least 1", field="batch_size")
    engine.ensure_installed()
    text, counter, total, close = open_source(source)
    ignored: list[str] = []
    keep = KEPT_COLUMNS if keep_ids else frozenset()
    try:
        if on_start is not None:
            on_start(total)
        try:
            with engine.entries.batch(section, keep_ids=keep_ids, on_conflict=on_conflict, dry_run=dry_run) as writer:
                rows = read_rows(text, fmt, writer.model, ignored, keep, raw_cells)
                forward = _kept_ids(writer) if keep_ids else None
                if dry_run:
                    report = check_import(writer, rows, batch_size, max_errors,
                                          lambda done: progress(done, counter.count) if progress else None,
                                          forward)
                    result = {"section": section, "format": fmt, "dry_run": True, "imported": 0,
                              "ignored_columns": ignored, **report}
                else:
                    imported, created = _write_all(writer, rows, batch_size,
                                                   lambda done: progress(done, counter.count) if progress else None,
                                                   forward)
                    result = {"section": section, "format": fmt, "imported": imported, "ignored_columns": ignored,
                              "run_id": last_run_id()}  # the import's change set (engine.undo_run)
                    if on_conflict:
                        result.update(created=created, updated=imported - created)
        except ContentError:
            raise
        except psycopg.Error as exc:
            raise DatabaseFailure(f"database error during import, nothing was imported: {database_message(exc)}") from exc
    finally:
        close()
    if progress is not None:
        progress(result.get("checked", result["imported"]), counter.count)
    return result


def _kept_ids(writer) -> ForwardReferences | None:
    """Set ``writer`` up for an id-keeping import: references to later rows of the same
    section are held back (see import_forward), and an upsert keeps the file's
    ``updated_at`` (the trigger would set the time of the import)."""
    forward = ForwardReferences(writer.conn, writer.model, upsert=bool(writer.conflict))
    if not forward and not writer.conflict:
        return None

    def before_store(rows: list) -> None:
        if forward:
            forward.hold_back(rows)
        if writer.conflict:
            keep_times(writer.conn, any("updated_at" in row for row in rows))

    writer.before_store = before_store
    return forward if forward else None


def _write_all(writer, rows, batch_size: int, report, forward: ForwardReferences | None = None) -> tuple[int, int]:
    """Write FileRows in batches; the first bad row raises ImportLineError. Held-back
    references (``forward``) are checked and written after the last batch."""
    imported = created = 0
    batch: list[dict] = []
    lines: list[int] = []

    def flush():
        nonlocal imported, created
        writer.label = lambda index: f"line {lines[index]}"
        try:
            written = writer.write(batch)
            if forward is not None:
                forward.stored(written.ids, lines)
        except ImportLineError:
            raise
        except InvalidInput as exc:
            if writer.keep_ids:
                exc = with_order_hint(writer.model, exc)
            if exc.index is not None and 0 <= exc.index < len(lines):
                raise ImportLineError(str(exc), line=lines[exc.index], field=exc.field, errors=exc.errors) from None
            raise ImportLineError(f"one of lines {lines[0]}-{lines[-1]}: {exc}", line=lines[0], field=exc.field,
                                  errors=exc.errors) from None
        imported += len(batch)
        created += sum(written.created) if written.created is not None else len(batch)
        report(imported)

    for row in rows:
        if row.problems:
            raise row.error()
        batch.append(row.data)
        lines.append(row.line)
        if len(batch) >= batch_size:
            flush()
            batch, lines = [], []
    if batch:
        flush()
    if writer.conflict and writer.keep_ids:
        keep_times(writer.conn, False)
    if forward is not None:
        broken = forward.broken()
        if broken:
            line = broken[0][0]
            problems = [(field, reason) for at, field, reason in broken if at == line]
            raise ImportLineError(f"line {line}: " + "; ".join(f"field '{f}': {m}" for f, m in problems), line=line,
                                  field=problems[0][0], errors=[{"field": f, "message": m} for f, m in problems])
        forward.finish()
    return imported, created


# -- export -----------------------------------------------------------------------------------
def export_columns(model: SectionModel) -> list[str]:
    return ["id", *model.fields, "created_at", "updated_at"]


def _csv_cells(model: SectionModel, columns: list[str], raw_cells: bool) -> Callable[[dict], list[str]]:
    """entry -> its CSV cells; text columns neutralised unless ``raw_cells``."""
    guarded = [not raw_cells and is_text_column(model.fields.get(c)) for c in columns]

    def cells(entry: dict) -> list[str]:
        return [neutralise(csv_cell(entry.get(c))) if guard else csv_cell(entry.get(c))
                for c, guard in zip(columns, guarded)]

    return cells


def export_entries(engine, section: str, dest, fmt: str | None = None, filters=None, order_by=None,
                   batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
                   on_start: Callable[[int | None], None] | None = None, primary: bool = False,
                   raw_cells: bool = False) -> dict:
    """Write a section's entries (optionally filtered and ordered) to ``dest``
    (path, "-" for stdout, or a text file object) through a server-side cursor.
    Reads from the read replica when one is configured (unless ``primary``).
    CSV text cells a spreadsheet would run as a formula are neutralised (see
    transfer/cells) unless ``raw_cells``."""
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
        with service.pool_for(read=True, primary=primary).connection() as conn, \
                read_transaction(conn, engine.settings):
            model = service.models.get(conn, section, refresh=True)
            alias = sql.Identifier("t")
            compiler = FilterCompiler(model, engine.registry, alias, lambda handle: service.load_model(conn, handle))
            where = compiler.compile(filters, FilterLimits.of(engine.settings))
            order = compile_order_by(model, order_by or "created_at, id", alias)
            if on_start is not None:
                total = conn.execute(
                    sql.SQL("SELECT count(*) FROM {} AS t WHERE {}").format(model.table, where), compiler.params
                ).fetchone()[0]
                on_start(total)
            columns = export_columns(model)
            cells = _csv_cells(model, columns, raw_cells) if fmt == "csv" else None
            if cells is not None:
                out.write(csv_line(columns))
            with conn.cursor(name="content_export") as cur:
                cur.itersize = batch_size
                cur.execute(sql.SQL("SELECT {} FROM {} AS t WHERE {} ORDER BY {}").format(
                    model.select_list("t"), model.table, where, order), compiler.params)
                while True:
                    chunk = cur.fetchmany(batch_size)
                    if not chunk:
                        break
                    names = tuple(c.name for c in cur.description)
                    links = read_links(conn, model, [r[0] for r in chunk]) if model.listed else {}
                    for row in chunk:
                        entry = output_row(model, names, row, links_of(links, row[0]))
                        if cells is not None:
                            out.write(csv_line(cells(entry)))
                        else:
                            out.write(json.dumps({c: entry.get(c) for c in columns}, ensure_ascii=False) + "\n")
                    written += len(chunk)
                    if progress is not None:
                        progress(written, 0)
    except ContentError:
        raise
    except psycopg.errors.QueryCanceled as exc:
        raise cancelled_read(exc, engine.settings) from None
    except psycopg.Error as exc:
        raise DatabaseFailure(f"database error during export: {database_message(exc)}") from exc
    finally:
        if owned:
            out.close()
        else:
            out.flush()
    return {"section": section, "format": fmt, "exported": written,
            "file": None if dest in (None, "-") or not isinstance(dest, (str, os.PathLike)) else str(dest)}
