"""Progress of a running migration, for whoever asked: a callback and the log.

``apply_migration(..., progress=callback)`` installs the callback for the call (a context
variable, so concurrent applies in other threads keep their own); the step runner reports
each step it starts and every batch of an online type change's backfill. Every report is
also logged (logger ``polysynergy_nodes_content.migrations``, INFO), which is how the
MigrationApply node shows progress in the runtime's log.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager

logger = logging.getLogger("polysynergy_nodes_content.migrations")
_hook: contextvars.ContextVar = contextvars.ContextVar("content_migration_progress", default=None)


@contextmanager
def reporting_progress(callback):
    """Send this thread's migration progress to ``callback(event)`` inside the block."""
    token = _hook.set(callback)
    try:
        yield
    finally:
        _hook.reset(token)


def report(event: dict) -> None:
    """``event``: {"phase", "step", "steps"} when a step starts, {"phase": "backfill", "rows"}
    after each backfill batch."""
    if "rows" in event:
        logger.info("migration backfill: %s rows converted", event["rows"])
    else:
        logger.info("migration step %s of %s (%s)", event.get("step"), event.get("steps"), event.get("phase"))
    callback = _hook.get()
    if callback is not None:
        try:
            callback(event)
        except Exception:  # a broken progress display must not break the migration
            logger.exception("migration progress callback failed")
