"""Running a migration's steps, phase by phase, with their progress recorded.

The steps before the main transaction (``pre``, ``backfill``) and after it (``post``)
run one by one on an autocommit connection, and each one done is recorded in the
migration record, so an apply interrupted anywhere can be resumed (done steps are
skipped; session settings run again) or aborted (the ``undo`` of every step that ran or
may have run). The main phase runs in one transaction that also records its own
completion, so it happened entirely or not at all.
"""

from __future__ import annotations

import re
import time
from typing import Callable

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from ..errors import database_message
from .progress import report
from .steps import BEFORE_MAIN, Step

_BACKFILL_NOTICE = re.compile(r"^polysynergy-backfill rows=(\d+) last_id=(\S+)$")
#: At most one progress write per this many seconds during a backfill.
PROGRESS_INTERVAL = 0.5


class StepFailure(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LockTimeout(StepFailure):
    pass


class PostPhaseFailure(StepFailure):
    pass


class Interrupted(StepFailure):
    """The work failed and could not be undone now (the server went away): the record
    keeps its progress, and resume or abort finishes the job."""


def describe_failure(exc: Exception, statement: str, post: bool = False) -> StepFailure:
    first_line = (statement.strip().splitlines() or ["the migration"])[0][:200]
    if isinstance(exc, pg_errors.LockNotAvailable):
        return LockTimeout(f"could not get a lock within the lock timeout while running: {first_line}")
    if isinstance(exc, pg_errors.QueryCanceled):
        message = f"statement timeout while running: {first_line}"
    else:
        message = f"{database_message(exc, with_detail=True)} (while running: {first_line})"
    return PostPhaseFailure(message) if post else StepFailure(message)


def _usable(conn) -> bool:
    return not conn.closed and not conn.broken


def run_alone(conn, step: Step) -> None:
    """A step outside the main transaction; a CONCURRENTLY build first drops an INVALID
    index of its name that an interrupted build left behind."""
    if step.index_name:
        invalid = conn.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = %s AND NOT i.indisvalid",
            (step.index_name,),
        ).fetchone()
        if invalid:
            conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(sql.Identifier(invalid[0], step.index_name)))
    conn.execute(step.sql)


def undo_steps(conn, steps: list[Step], reconnect: Callable | None) -> bool:
    """Run the undo statements of ``steps`` in reverse (all idempotent), on a fresh
    connection if this one died. True when every statement ran."""
    own = None
    if not _usable(conn):
        # An index build that died leaves at most an INVALID index: harmless to writers and
        # dropped by the next build; dropping it now would wait for every open transaction.
        steps = [step for step in steps if not step.index_name]
        if not any(step.undo for step in steps):
            return True
        if reconnect is None:
            return False
        try:
            conn = own = reconnect()
        except psycopg.Error:
            return False
    complete = True
    try:
        for step in reversed(steps):
            for statement in step.undo:
                try:
                    conn.execute(statement)
                except psycopg.Error:
                    complete = False
                    if not _usable(conn):
                        return False
    finally:
        if own is not None:
            own.close()
    return complete


class StepRunner:
    """Runs ``steps`` from where ``progress`` says they stopped.

    ``save`` writes the progress dict to the migration record (on its own connection,
    so it works whatever state the migration connection is in); ``finish_main(conn,
    progress)`` writes the status inside the main transaction.
    """

    def __init__(self, conn, steps: list[Step], progress: dict, save: Callable[[dict], None],
                 reconnect: Callable | None = None):
        self.conn = conn
        self.steps = steps
        self.progress = dict(progress or {})
        self.progress.setdefault("done", [])
        self.progress.setdefault("main_done", False)
        self.save = save
        self.reconnect = reconnect
        self._last_save = 0.0

    # -- progress ------------------------------------------------------------------
    def _record(self, **changes) -> None:
        self.progress.update(changes)
        self.progress["updated_at"] = time.time()
        self.save(dict(self.progress))

    def _done(self, index: int) -> None:
        done = set(self.progress["done"])
        done.add(index)
        self._record(done=sorted(done), current=None)

    def _on_notice(self, diag) -> None:
        match = _BACKFILL_NOTICE.match(diag.message_primary or "")
        if not match:
            return
        self.progress["backfill"] = {"step": self.progress.get("current"), "rows": int(match.group(1)),
                                     "last_id": match.group(2)}
        report({"phase": "backfill", "rows": int(match.group(1))})
        if time.monotonic() - self._last_save >= PROGRESS_INTERVAL:
            self._last_save = time.monotonic()
            try:
                self._record()
            except psycopg.Error:  # pragma: no cover - progress is informative; the work goes on
                pass

    def indexed(self, phases) -> list[tuple[int, Step]]:
        return [(i, s) for i, s in enumerate(self.steps) if s.phase in phases]

    def pending(self, phases) -> list[tuple[int, Step]]:
        done = set(self.progress["done"])
        return [(i, s) for i, s in self.indexed(phases) if i not in done or s.is_session_setting]

    def touched(self, phases) -> list[Step]:
        """Steps of ``phases`` that ran or may have run (the one interrupted included)."""
        marks = set(self.progress["done"])
        if self.progress.get("current") is not None:
            marks.add(self.progress["current"])
        last = max((i for i, _ in self.indexed(phases) if i in marks), default=-1)
        return [s for i, s in self.indexed(phases) if i <= last]

    # -- running -------------------------------------------------------------------
    def _run_alone(self, index: int, step: Step, post: bool) -> None:
        self._record(phase=step.phase, current=index)
        report({"phase": step.phase, "step": index + 1, "steps": len(self.steps)})
        try:
            run_alone(self.conn, step)
        except psycopg.Error as exc:
            raise describe_failure(exc, step.sql, post=post) from None
        self._done(index)

    def run(self, finish_main: Callable, finish_all: Callable | None = None) -> None:
        """Before-main steps, the main transaction, post steps; on a failure before the
        main transaction committed, the steps that ran are undone (``Interrupted`` when
        that was impossible). A post failure raises PostPhaseFailure after undoing the
        post steps that ran; the caller undoes the committed part."""
        self.conn.add_notice_handler(self._on_notice)
        if not self.progress["main_done"]:
            try:
                for index, step in self.pending(BEFORE_MAIN):
                    self._run_alone(index, step, post=False)
                self._run_main(finish_main)
            except StepFailure as failure:
                if not undo_steps(self.conn, self.touched(BEFORE_MAIN), self.reconnect):
                    raise Interrupted(failure.message) from None
                self.progress.update(done=[], current=None, phase=None)
                raise
        post = self.pending(("post",))
        for index, step in post:
            try:
                self._run_alone(index, step, post=True)
            except StepFailure as failure:
                if not undo_steps(self.conn, self.touched(("post",)), self.reconnect):
                    raise Interrupted(failure.message) from None
                if isinstance(failure, LockTimeout):
                    failure = PostPhaseFailure(failure.message)
                raise failure from None
        if finish_all is not None:
            try:
                finish_all(self.conn, self.progress)
            except psycopg.Error as exc:
                raise describe_failure(exc, "the final status update", post=True) from None

    def _run_main(self, finish_main: Callable) -> None:
        main = self.indexed(("main",))
        current = "the status update"
        self._record(phase="main", current=None)
        committed = dict(self.progress, done=sorted(set(self.progress["done"]) | {i for i, _ in main}),
                         main_done=True, phase="post")
        try:
            with self.conn.transaction():
                for index, step in main:
                    current = step.sql
                    self.conn.execute(step.sql)
                current = "the status update"
                finish_main(self.conn, committed)
        except psycopg.Error as exc:
            raise describe_failure(exc, current) from None
        self.progress = committed
