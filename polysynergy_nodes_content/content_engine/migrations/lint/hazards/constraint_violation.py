"""Lint rule ``constraint-violation``: a new CHECK rule (a length, range, options or format
setting) that existing rows break.
"""

from ...operations import AddCheck
from ..hazard import LintRule


class ConstraintViolation(LintRule):
    name = "constraint-violation"
    catches = "A new CHECK rule (a length, range, options or format setting) that existing rows break."
    why = "VALIDATE CONSTRAINT fails on those rows and the apply is undone."
    fix = "Fix the rows the pre-check counts, or relax the setting."

    def check(self, op):
        if isinstance(op, AddCheck) and op.measured:
            return [self.error(f"{op.measured} row(s) break the rule; the apply will fail until they are fixed")]
        return []


RULE = ConstraintViolation()
