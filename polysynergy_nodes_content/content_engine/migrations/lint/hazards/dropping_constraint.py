"""Lint rule ``dropping-constraint``: a foreign key dropped (a relation removed or pointed elsewhere)."""

from ...operations import DropConstraint
from ..hazard import LintRule


class DroppingConstraint(LintRule):
    name = "dropping-constraint"
    catches = "A foreign key dropped (a relation removed or pointed elsewhere)."
    why = "The database stops checking that the values point to existing entries."
    fix = "Nothing to fix if intended; check the relation's new target."

    def check(self, op):
        if isinstance(op, DropConstraint) and op.is_foreign_key:
            return [self.info(f"constraint {op.name} is removed")]
        return []


RULE = DroppingConstraint()
