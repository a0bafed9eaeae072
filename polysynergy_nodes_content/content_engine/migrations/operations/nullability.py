"""NOT NULL: set (proved by a validated CHECK first) and dropped."""

from __future__ import annotations

from psycopg import sql

from ...postgres import generated_names as names
from ..steps import Precheck, Step
from .base import ORDER_NOT_NULL, MigrationOperation, step


class SetNotNull(MigrationOperation):
    """A field becomes required.

    A ``CHECK (col IS NOT NULL) NOT VALID`` guard comes first; ``VALIDATE`` proves it with
    a scan under SHARE UPDATE EXCLUSIVE (writers keep going), and ``SET NOT NULL`` then
    uses the validated guard instead of scanning under its exclusive lock (PostgreSQL 12+).
    Where the scan runs on a populated table:

    - an existing column: before the transaction, so rows without a value fail the apply
      with nothing changed (the guard is dropped again);
    - a new column with a default, or the new column of an online type change: after the
      commit (the column only exists then);
    - a new column without a default: in the transaction, where the first row fails it.
    """

    kind = "set_not_null"
    order = ORDER_NOT_NULL
    lock_note = "brief: on a populated table the scan runs as VALIDATE outside the transaction"

    def __init__(self, ctx, table_name: str, field, populated: bool, new_column: bool, live_col: str | None = None,
                 online: bool = False):
        self.table_name, self.field, self.populated, self.new_column = table_name, field, populated, new_column
        self.live_col, self.online = live_col or field.handle, online
        super().__init__(ctx)

    @property
    def scan_phase(self) -> str:
        """The phase the guard's VALIDATE runs in."""
        if not self.populated or (self.new_column and not self.field.has_default):
            return "main"
        return "post" if self.new_column or self.online else "pre"

    def describe(self) -> str:
        return f"Field '{self.field.handle}' becomes required (SET NOT NULL, checked first)"

    def forwards(self) -> list[Step]:
        t, col = self.table(self.table_name), sql.Identifier(self.field.handle)
        guard = sql.Identifier(names.not_null_check_name(self.field.id))
        scan = self.scan_phase
        # Before the transaction the table and the column still have their live names.
        g_table, g_col = (self.table_before(), sql.Identifier(self.live_col)) if scan == "pre" else (t, col)
        drop_guard = step(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(g_table, guard)).sql
        add = step(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID").format(
                       g_table, guard, g_col),
                   phase="pre" if scan == "pre" else "main", undo=[drop_guard] if scan == "pre" else None)
        validate = step(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(g_table, guard), phase=scan,
                        undo=[drop_guard] if scan == "post" else None)
        finish = "post" if scan == "post" else "main"
        return [add, validate,
                step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(t, col), phase=finish),
                step(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(t, guard), phase=finish)]

    def backwards(self) -> list[Step]:
        t, col = self.table(self.table_name), sql.Identifier(self.field.handle)
        down = [step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL").format(t, col))]
        if self.scan_phase == "post":
            # Undoing an apply whose work after the commit failed: the guard may still be there.
            guard = sql.Identifier(names.not_null_check_name(self.field.id))
            down.insert(0, step(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(t, guard)))
        return down

    def checks(self) -> list[Precheck]:
        if not self.populated:
            return []
        description = f"rows where {self.field.handle} is NULL"
        t = self.table_before()
        if self.new_column and self.field.has_default:
            return [Precheck(description, "", True, 0)]
        if self.new_column:
            return [self.measure(description, sql.SQL("SELECT count(*) FROM {}").format(t), shown=False)]
        col = sql.Identifier(self.live_col)
        return [self.measure(description, sql.SQL("SELECT count(*) FROM {} WHERE {} IS NULL").format(t, col),
                             sample_sql=sql.SQL("SELECT 'id ' || id::text FROM {} WHERE {} IS NULL LIMIT 5").format(t, col),
                             hint="give the field a default value or fill those rows first")]


class DropNotNull(MigrationOperation):
    kind = "drop_not_null"
    order = ORDER_NOT_NULL

    def __init__(self, ctx, table_name: str, field):
        self.table_name, self.field = table_name, field
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Field '{self.field.handle}' no longer required (DROP NOT NULL)"

    def _alter(self, action: str) -> Step:
        return step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} " + action).format(
            self.table(self.table_name), sql.Identifier(self.field.handle)))

    def forwards(self) -> list[Step]:
        return [self._alter("DROP NOT NULL")]

    def backwards(self) -> list[Step]:
        return [self._alter("SET NOT NULL")]
