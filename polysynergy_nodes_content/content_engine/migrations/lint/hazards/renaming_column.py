"""Lint rule ``renaming-column``: a column renamed (a field handle changed)."""

from ...operations import RenameColumn
from ..hazard import LintRule


class RenamingColumn(LintRule):
    name = "renaming-column"
    catches = "A column renamed (a field handle changed)."
    why = "Clients that read or write the old column name fail until they are updated; the data is kept."
    fix = "Update the clients in the same release, or keep the old handle."

    def check(self, op):
        if isinstance(op, RenameColumn):
            return [self.warning(f"clients that read or write '{op.old}' break until updated")]
        return []


RULE = RenamingColumn()
