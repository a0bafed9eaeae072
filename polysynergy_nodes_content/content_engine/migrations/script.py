"""The reviewed script: rendered from the very steps apply runs, runnable with psql.

The script is the migration. It holds the session settings apply uses, the steps of
each phase in the order they run (the main phase between ``BEGIN`` and ``COMMIT``,
everything else on its own, as psql runs it in autocommit mode), and, as comments, what
the reviewer must see: findings, pre-check counts and the statements that undo a step
when an apply is aborted. User text only ever appears in comments, and
:func:`comment_text` makes sure it cannot end one.
"""

from __future__ import annotations

import unicodedata

from psycopg import sql

from .steps import PHASES, Operation, Step

PHASE_TITLES = {
    "pre": "Phase pre: before the transaction (each statement on its own, safe to run again)",
    "backfill": "Phase backfill: the new column is filled in short batches (each its own transaction)",
    "main": "Phase main: one transaction",
    "post": "Phase post: after the transaction commits (each statement on its own, safe to run again)",
}
APPLICATION_NAME = "polysynergy-content-migrate"
#: How often the server checks that an applying client is still there (so a killed
#: client's statement and locks end within about this time, not when the statement ends).
CLIENT_CHECK_INTERVAL = "1s"


def comment_text(text) -> str:
    """User text made safe inside a ``--`` comment: no line break or other control
    character survives (each becomes a visible ``\\uXXXX``), and ``/*`` and ``*/`` are
    broken up, so the text can neither end the comment nor open or close a block."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    safe = "".join(out)
    while "/*" in safe or "*/" in safe:
        safe = safe.replace("/*", "/ *").replace("*/", "* /")
    return safe


def comment(text) -> str:
    return "-- " + comment_text(text)


def session_statements(settings) -> list[str]:
    """The settings apply and rollback run on their connection, first in every script."""
    return [
        sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{settings.lock_timeout_ms}ms")).as_string(None),
        sql.SQL("SET statement_timeout = {}").format(sql.Literal(f"{settings.statement_timeout_ms}ms")).as_string(None),
        sql.SQL("SET application_name = {}").format(sql.Literal(APPLICATION_NAME)).as_string(None),
        sql.SQL("SET client_connection_check_interval = {}").format(sql.Literal(CLIENT_CHECK_INTERVAL)).as_string(None),
    ]


def statement(step_sql: str) -> str:
    return step_sql.rstrip().rstrip(";") + ";"


def _operation_notes(op: Operation, direction: str) -> list[str]:
    notes = []
    if direction != "up":
        return notes
    if op.destructive:
        notes.append(comment("DESTRUCTIVE: needs confirm=True to apply"))
    if op.irreversible:
        notes.append(comment(f"IRREVERSIBLE: {op.irreversible}"))
    for finding in op.lint:
        notes.append(comment(f"{finding.severity.upper()} [{finding.rule}]: {finding.message}"))
    for check in op.prechecks:
        blocking = " (checked again before the apply; it refuses if any)" if check.blocking and check.query else ""
        notes.append(comment(f"PRE-CHECK: {check.description}: {check.count} row(s){blocking}"))
        if check.samples:
            notes.append(comment("    for example: " + ", ".join(repr(v) for v in check.samples)))
        if check.query:
            notes.append(comment(f"    counted with: {check.query}"))
    return notes


def _step_lines(step: Step) -> list[str]:
    lines = []
    if step.index_name:
        lines.append(comment(f"An INVALID index {step.index_name} left by an interrupted build is dropped first."))
    lines.append(statement(step.sql))
    for undo in step.undo:
        lines.append(comment(f"if the apply is aborted: {statement(undo)}"))
    return lines


def render_script(title: list[str], operations: list[Operation], direction: str, settings) -> str:
    """The reviewable and runnable SQL of the operations in ``direction`` ("up" or "down")."""
    lines = [comment(t) for t in title]
    lines.append(comment("Runs as shown: psql -v ON_ERROR_STOP=1 -f <this file>. The statements outside "
                         "BEGIN/COMMIT run on their own"))
    lines.append(comment("(CONCURRENTLY and batched work cannot run in a transaction); apply runs exactly these "
                         "statements, in this order."))
    lines.extend(statement(s) for s in session_statements(settings))
    seq = operations if direction == "up" else list(reversed(operations))
    noted = set()  # an operation's findings and counts are shown where it first appears
    for phase in PHASES:
        chunks = []
        for number, op in enumerate(seq, 1):
            steps = [s for s in (op.up if direction == "up" else op.down) if s.phase == phase]
            if not steps:
                continue
            chunk = [comment(f"[{number}] {op.description}")]
            if number not in noted:
                chunk.extend(_operation_notes(op, direction))
                noted.add(number)
            for step in steps:
                chunk.extend(_step_lines(step))
            chunks.append("\n".join(chunk))
        if not chunks:
            continue
        lines.append("")
        lines.append(comment(f"===== {PHASE_TITLES[phase]} ====="))
        if phase == "main":
            lines.append("BEGIN;")
        lines.append("\n\n".join(chunks))
        if phase == "main":
            lines.append("COMMIT;")
    if not operations:
        lines.append(comment("Nothing to do: the live table matches the configuration."))
    return "\n".join(lines) + "\n"


def script_statements_in_order(script: str, steps: list[Step]) -> str | None:
    """None when every step's statement appears in the script as a whole line, in the
    order the steps run; else the first statement that does not (a stored step that was
    never reviewed)."""
    lines = script.split("\n")
    position = 0
    for step in steps:
        wanted = statement(step.sql).split("\n")
        found = None
        for i in range(position, len(lines) - len(wanted) + 1):
            if lines[i:i + len(wanted)] == wanted:
                found = i
                break
        if found is None:
            return step.sql
        position = found + len(wanted)
    return None
