"""The history half of the engine facade (``ContentEngine`` inherits it)."""

from __future__ import annotations

import copy

from . import read, restore, retention
from .context import last_run_id, stamped


class HistoryMethods:
    """Who wrote, what changed, and putting it back. Every write call of the engine
    returns its change set id: ``result.run_id`` on entries, lists of entries and bulk
    reports, the ``run_id`` key of an import's report, ``engine.last_run_id()`` after any
    call (``delete_entry`` returns a bare True)."""

    def with_context(self, **context):
        """A view of this engine whose writes record ``context``: source (library, cli, studio,
        mcp, node), actor, run_id (fixed: every write shares it, e.g. PolySynergy's run id),
        node_id, mcp_session, import_id, bulk_id. Shares pools and caches, like ``scoped``."""
        view = copy.copy(self)
        view.history_context = self.history_context.merged(**context)
        view.entries = copy.copy(self.entries)
        view.entries.engine = view  # its writes read the context from here
        return view

    def last_run_id(self) -> str | None:
        """The change set id of the last write call this thread made."""
        return last_run_id()

    def entry_history(self, section, entry_id, limit: int = 50) -> dict:
        """The entry's versions, newest first: ``{"section", "entry_id", "versions": [{"version",
        "op", "changed_at", "run_id", "context", "values", "changes": {handle: {"old", "new"}}}]}``."""
        self.ensure_installed()
        with self.connection() as conn:
            return read.entry_history(self._store(conn), conn, self.settings, section, entry_id, limit)

    def entry_as_of(self, section, entry_id, as_of) -> dict:
        self.ensure_installed()
        with self.connection() as conn:
            return read.entry_as_of(self._store(conn), conn, self.settings, section, entry_id, as_of)

    def run_changes(self, run_id, limit: int = 10_000) -> dict:
        """Everything one run (import, bulk change) changed: ``{"run_id", "changes", "counts", "truncated"}``;
        on a view confined to some sections (``scoped``), nothing of a run that touched another."""
        self.ensure_installed()
        with self.connection() as conn:
            return read.run_changes(conn, self.settings, run_id, limit, self.scope)

    def restore_entry(self, section, entry_id, version: int) -> dict:
        """Put the entry back as it was at ``version`` (validated; a deleted entry comes back
        with its id); recorded as a new change, whose id is ``result.run_id``."""
        self.ensure_installed()
        return stamped(restore.restore_entry(self, section, entry_id, version))

    def undo_run(self, run_id, confirm: bool = False, force: bool = False) -> dict:
        """Preview, then (``confirm``) revert everything ``run_id`` changed, all-or-nothing;
        entries changed since are conflicts, refused unless ``force``. A view confined to some
        sections (``scoped``) finds no run that touched another section."""
        self.ensure_installed()
        result = restore.undo_run(self, run_id, confirm=confirm, force=force)
        return stamped(result) if confirm else result

    def forget_entry(self, section, entry_id, confirm: bool = False) -> dict:
        """Erase the entry's recorded history (privacy requests); without ``confirm`` only count."""
        self.ensure_installed()
        return retention.forget_entry(self, section, entry_id, confirm)

    def prune_history(self, section=None, batch_size: int = retention.DEFAULT_BATCH_ENTRIES, progress=None) -> dict:
        """Remove versions beyond each section's retention, in short batches."""
        self.ensure_installed()
        return retention.prune(self, section, batch_size, progress)
