"""Lint rule ``changing-column-type``: a field type change: values that do not convert, and
a rewrite of the table under lock.
"""

from ...operations import AlterTypeInPlace, AlterTypeOnline
from ..hazard import LintRule


class ChangingColumnType(LintRule):
    name = "changing-column-type"
    catches = "A field type change: values that do not convert, and a rewrite of the table under lock."
    why = ("A value that does not convert fails the apply; an in-place rewrite blocks every writer for as long "
           "as it takes.")
    fix = ("Fix the values the pre-check counts; on populated tables the engine changes types online (a new "
           "column filled in batches) unless that is turned off.")

    def check(self, op):
        if not isinstance(op, (AlterTypeInPlace, AlterTypeOnline)):
            return []
        out = []
        if op.measured and op.refuses_failures:
            out.append(self.error(f"{op.measured} row(s) do not convert; the apply is refused until they are fixed "
                                  "(or plan with on_convert_failure='null' or 'default')"))
        elif op.measured:
            out.append(self.warning(f"{op.measured} value(s) do not convert and will be replaced: "
                                    f"{op.prechecks[0].description}"))
        if isinstance(op, AlterTypeOnline):
            out.append(self.info("no rewrite under lock: writers keep going while the new column is filled; "
                                 "rolling back converts in place (a rewrite)"))
        elif op.rewrites:
            out.append(self.warning("rewrites the table under an exclusive lock; writes wait for it"))
        return out


RULE = ChangingColumnType()
