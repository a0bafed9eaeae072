"""The dry run of an import: every bad row of the file, nothing written.

Each row is first checked like a write (keys, values, references to related entries).
The rows that pass are then written batch by batch inside a transaction that is rolled
back at the end, so database rules (unique values, existing related entries, checks)
are checked too: when a batch fails, its bad row is reported and left out, and the
batch is tried again. Reported errors are capped; the counts are not. An id-keeping
import's references to later rows (``forward``) are checked at the end, as the real
import checks them.
"""

from __future__ import annotations

from ..entries import resolve_references
from ..errors import InvalidInput
from .forward_references import with_order_hint

#: Database errors looked for before giving up (each one costs a retry of its batch).
MAX_DATABASE_ERRORS = 1000


def check_import(writer, rows, batch_size: int, max_errors: int, report, forward=None) -> dict:
    """Check FileRows with ``writer`` (a BatchWriter whose transaction is rolled back);
    ``forward``: the ForwardReferences of an id-keeping import."""
    state = {"errors": [], "total": 0, "bad_lines": set()}

    def record(line: int, field, message: str) -> None:
        state["total"] += 1
        state["bad_lines"].add(line)
        if len(state["errors"]) < max_errors:
            state["errors"].append({"line": line, "field": field, "message": message})

    def record_exc(line: int, exc: InvalidInput) -> None:
        if writer.keep_ids:
            exc = with_order_hint(writer.model, exc)
        if exc.errors:
            for item in exc.errors:
                record(line, item.get("field"), item.get("message"))
        else:
            record(line, exc.field, str(exc))

    checked = 0
    database_errors = [0]
    batch: list = []
    lines: list = []
    for row in rows:
        checked += 1
        if row.problems:
            for field, message in row.problems:
                record(row.line, field, message)
            continue
        batch.append(row.data)
        lines.append(row.line)
        if len(batch) >= batch_size:
            _check_batch(writer, batch, lines, record, record_exc, database_errors, forward)
            batch, lines = [], []
            report(checked)
    if batch:
        _check_batch(writer, batch, lines, record, record_exc, database_errors, forward)
    if forward is not None:
        broken = forward.broken("in the file's valid rows")
        for line, field, message in broken:
            record(line, field, message)
        if not broken:
            try:
                forward.finish()
            except InvalidInput as exc:
                record_exc(getattr(exc, "line", None) or 0, exc)
    report(checked)
    return {"checked": checked, "valid": checked - len(state["bad_lines"]), "invalid": len(state["bad_lines"]),
            "errors": sorted(state["errors"], key=lambda e: e["line"]), "errors_total": state["total"],
            "errors_shown": len(state["errors"]),
            "complete": database_errors[0] < MAX_DATABASE_ERRORS}


def _check_batch(writer, batch: list, lines: list, record, record_exc, database_errors: list, forward=None) -> None:
    model = writer.model
    # References by a related entry's field, reported per row.
    if model.relations and writer.load_model is not None:
        bad: list[int] = []

        def on_error(index, exc):
            bad.append(index)
            record_exc(lines[index], exc)

        batch = resolve_references(writer.conn, model, batch, writer.load_model, lambda i: f"line {lines[i]}",
                                   on_error)
        if bad:
            keep = [i for i in range(len(batch)) if batch[i] is not None]
            batch, lines = [batch[i] for i in keep], [lines[i] for i in keep]
    # Values, row by row (named by this batch's lines, not the previous trial write's).
    writer.label = lambda i, ls=lines: f"line {ls[i]}"
    good, good_lines = [], []
    for index, item in enumerate(batch):
        try:
            writer.check(item, index)
        except InvalidInput as exc:
            record_exc(lines[index], exc)
            continue
        good.append(item)
        good_lines.append(lines[index])
    # Database rules: a trial write in a savepoint, leaving out each row that fails.
    while good and database_errors[0] < MAX_DATABASE_ERRORS:
        writer.label = lambda i, ls=good_lines: f"line {ls[i]}"
        try:
            with writer.conn.transaction():
                written = writer.write(good)
            if forward is not None:
                forward.stored(written.ids, good_lines)
            return
        except InvalidInput as exc:
            database_errors[0] += 1
            if exc.index is None or not 0 <= exc.index < len(good):
                record_exc(good_lines[0], InvalidInput(f"one of lines {good_lines[0]}-{good_lines[-1]}: {exc}",
                                                       field=exc.field))
                return
            record_exc(good_lines[exc.index], exc)
            del good[exc.index]
            del good_lines[exc.index]
