"""Lint rule ``adding-foreign-key-constraint``: a relation added to a column whose values
point to no entry of the target section.
"""

from ...operations import AddForeignKey
from ..hazard import LintRule


class AddingForeignKeyConstraint(LintRule):
    name = "adding-foreign-key-constraint"
    catches = "A relation added to a column whose values point to no entry of the target section."
    why = "VALIDATE CONSTRAINT of the foreign key fails on those rows and the apply is undone."
    fix = "Clear or correct the values the pre-check counts."

    def check(self, op):
        if isinstance(op, AddForeignKey) and op.measured:
            return [self.error(f"{op.measured} row(s) point nowhere; the apply will fail until they are fixed")]
        return []


RULE = AddingForeignKeyConstraint()
