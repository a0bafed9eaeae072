"""Lint rule ``renaming-table``: a table renamed (a section handle changed, or a junction
table following it).
"""

from ...operations import RenameJunction, RenameTable
from ..hazard import LintRule


class RenamingTable(LintRule):
    name = "renaming-table"
    catches = "A table renamed (a section handle changed, or a junction table following it)."
    why = "API clients (PostgREST, Supabase, raw SQL) that name the old table fail until they are updated."
    fix = "Update the clients in the same release, or keep the old handle."

    def check(self, op):
        if isinstance(op, RenameTable):
            return [self.warning(f"clients that use {op.ctx.schema}.{op.old} (PostgREST, SQL) break until updated")]
        if isinstance(op, RenameJunction):
            return [self.warning(f"clients that use {op.old} break")]
        return []


RULE = RenamingTable()
