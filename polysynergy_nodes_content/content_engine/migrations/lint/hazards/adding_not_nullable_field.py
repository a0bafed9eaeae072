"""Lint rule ``adding-not-nullable-field``: an existing field made required while some rows have no value."""

from ...operations import SetNotNull
from ..hazard import LintRule


class AddingNotNullableField(LintRule):
    name = "adding-not-nullable-field"
    catches = "An existing field made required while some rows have no value."
    why = "SET NOT NULL (after the guard CHECK is validated) fails on those rows and the apply is undone."
    fix = "Fill the empty rows first, or give the field a default and update the rows that are NULL."

    def check(self, op):
        if isinstance(op, SetNotNull) and not op.new_column and op.measured:
            return [self.error(f"{op.measured} row(s) have no value for '{op.field.handle}'; give the field a default "
                               "value or fill those rows before applying")]
        return []


RULE = AddingNotNullableField()
