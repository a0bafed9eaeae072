"""Lint rule ``lossy-rollback``: a type change the old type offers no conversion back from."""

from ...operations import AlterTypeInPlace, AlterTypeOnline
from ..hazard import LintRule


class LossyRollback(LintRule):
    name = "lossy-rollback"
    catches = "A type change the old type offers no conversion back from."
    why = "Rolling back converts with a text cast, so values may not come back exactly as they were."
    fix = "Keep a copy of the column (or a backup) if exact values matter after a rollback."

    def check(self, op):
        if isinstance(op, (AlterTypeInPlace, AlterTypeOnline)) and op.back is None:
            return [self.info("rollback converts back with a text cast; values may not round-trip exactly")]
        return []


RULE = LossyRollback()
