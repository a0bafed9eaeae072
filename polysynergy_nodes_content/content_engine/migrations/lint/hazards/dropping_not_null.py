"""Lint rule ``dropping-not-null``: a required field made optional."""

from ...operations import DropNotNull
from ..hazard import LintRule


class DroppingNotNull(LintRule):
    name = "dropping-not-null"
    catches = "A required field made optional."
    why = "Once rows without a value are written, rolling the migration back (SET NOT NULL) fails."
    fix = "Fill those rows before rolling back."

    def check(self, op):
        if isinstance(op, DropNotNull):
            return [self.info("rollback fails if rows with NULL were written in the meantime")]
        return []


RULE = DroppingNotNull()
