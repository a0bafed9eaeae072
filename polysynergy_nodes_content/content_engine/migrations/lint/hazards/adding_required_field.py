"""Lint rule ``adding-required-field``: a new required field without a default on a table that holds rows."""

from ...operations import SetNotNull
from ..hazard import LintRule


class AddingRequiredField(LintRule):
    name = "adding-required-field"
    catches = "A new required field without a default on a table that holds rows."
    why = "Every existing row would have no value, so SET NOT NULL fails and the apply is undone."
    fix = "Give the field a default value, or add it optional, fill it, then make it required."

    def check(self, op):
        if isinstance(op, SetNotNull) and op.new_column and op.measured:
            return [self.error(f"{op.measured} row(s) have no value for '{op.field.handle}'; give the field a default "
                               "value or fill those rows before applying")]
        return []


RULE = AddingRequiredField()
