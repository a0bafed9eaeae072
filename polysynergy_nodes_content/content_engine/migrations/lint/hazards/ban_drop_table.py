"""Lint rule ``ban-drop-table``: a table removed: a deleted section, or a removed multiple
relation's junction table.
"""

from ...operations import ArchiveJunction, ArchiveTable
from ..hazard import LintRule


class BanDropTable(LintRule):
    name = "ban-drop-table"
    catches = "A table removed: a deleted section, or a removed multiple relation's junction table."
    why = "Its rows become unavailable to every client; the engine archives them instead of dropping."
    fix = "Confirm the apply (confirm=True) if intended; rolling the migration back restores the rows."

    def check(self, op):
        if isinstance(op, ArchiveTable):
            return [self.warning(f"{op.measured} row(s) become unavailable to clients; rollback restores them")]
        if isinstance(op, ArchiveJunction):
            return [self.warning(f"{op.measured} link(s) leave the content schema; rollback restores them")]
        return []


RULE = BanDropTable()
