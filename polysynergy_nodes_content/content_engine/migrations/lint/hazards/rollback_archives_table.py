"""Lint rule ``rollback-archives-table``: a new table: rolling its migration back does not drop it."""

from ...operations import CreateTable
from ..hazard import LintRule


class RollbackArchivesTable(LintRule):
    name = "rollback-archives-table"
    catches = "A new table: rolling its migration back does not drop it."
    why = "Rows written after the apply would otherwise be lost by a rollback."
    fix = "Nothing to fix; restore rows from the archive schema after a rollback if needed."

    def check(self, op):
        if isinstance(op, CreateTable):
            return [self.info(f"rolling back moves the table and its rows to schema {op.ctx.archive_schema}")]
        return []


RULE = RollbackArchivesTable()
