"""Lint rule ``disallowed-unique-constraint``: a field made unique while rows share a value
(or a new unique field whose default every row gets).
"""

from ...operations import AddUnique
from ..hazard import LintRule


class DisallowedUniqueConstraint(LintRule):
    name = "disallowed-unique-constraint"
    catches = "A field made unique while rows share a value (or a new unique field whose default every row gets)."
    why = "The unique index build fails on the duplicates and the apply is undone."
    fix = "Make the duplicate values distinct first; a new unique field should have no default."

    def check(self, op):
        if isinstance(op, AddUnique) and op.measured:
            return [self.error(f"{op.measured} row(s) duplicate another value; the apply will fail until they are "
                               "fixed")]
        return []


RULE = DisallowedUniqueConstraint()
