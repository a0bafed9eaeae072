"""Lint rule ``ban-drop-column``: a column dropped (a field removed)."""

from ...operations import DropColumn
from ..hazard import LintRule


class BanDropColumn(LintRule):
    name = "ban-drop-column"
    catches = "A column dropped (a field removed)."
    why = "Its values leave the table and clients that read the column break; the engine archives the values first."
    fix = "Confirm the apply (confirm=True) if intended; rolling the migration back restores every value."

    def check(self, op):
        if isinstance(op, DropColumn):
            return [self.warning(f"{op.measured} value(s) leave the table; clients reading {op.column} break")]
        return []


RULE = BanDropColumn()
