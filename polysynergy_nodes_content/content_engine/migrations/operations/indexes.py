"""Indexes a field type wants: built and dropped CONCURRENTLY, outside the transaction."""

from __future__ import annotations

from psycopg import sql

from ...postgres import generated_names as names
from ..steps import Step
from .base import ORDER_ADD_CONSTRAINT, ORDER_DROP_CONSTRAINT, MigrationOperation, step


def drop_concurrently(schema: str, name: str) -> str:
    return step(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(sql.Identifier(schema, name))).sql


class AddIndex(MigrationOperation):
    """CREATE INDEX CONCURRENTLY: before the transaction on an existing column, after it on a new
    one, and on the new column of an online type change before the swap (renamed into place)."""

    kind = "add_index"
    order = ORDER_ADD_CONSTRAINT
    lock = "SHARE UPDATE EXCLUSIVE"
    lock_note = "CONCURRENTLY: writers go on while it builds"

    def __init__(self, ctx, table_name: str, field, new_column: bool, shadow: str | None = None,
                 live_col: str | None = None):
        self.table_name, self.field, self.new_column, self.shadow = table_name, field, new_column, shadow
        self.live_col = live_col or field.handle
        self.name = names.index_name(field.id)
        self.method = field.index_method
        super().__init__(ctx)

    def describe(self) -> str:
        where = " on the new column" if self.shadow else ""
        return f"Index ({self.method}) on field '{self.field.handle}', built CONCURRENTLY{where}"

    def _build(self, index: str, column: str, phase: str) -> Step:
        t = self.table_in(phase)
        return step(sql.SQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} USING {} ({})").format(
                        sql.Identifier(index), t, sql.SQL(self.method), sql.Identifier(column)),
                    phase=phase, undo=[drop_concurrently(self.ctx.schema, index)], index_name=index)

    def forwards(self) -> list[Step]:
        if self.shadow:
            temp = names.shadow_index_name(self.name)
            return [self._build(temp, self.shadow, "backfill"),
                    step(sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                        sql.Identifier(self.ctx.schema, temp), sql.Identifier(self.name)))]
        if self.new_column:
            return [self._build(self.name, self.field.handle, "post")]
        return [self._build(self.name, self.live_col, "pre")]

    def backwards(self) -> list[Step]:
        if self.shadow:
            # In the transaction, so the old index can be restored under its name right after.
            return [step(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(self.ctx.schema, self.name)))]
        return [step(drop_concurrently(self.ctx.schema, self.name), phase="post")]


class DropIndex(MigrationOperation):
    kind = "drop_index"
    order = ORDER_DROP_CONSTRAINT
    lock = "SHARE UPDATE EXCLUSIVE"
    lock_note = "CONCURRENTLY, after the commit"

    def __init__(self, ctx, live, name: str, field):
        self.name, self.field = name, field
        self.definition = live.indexes[name]["definition"]
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Drop index {self.name} of field '{self.field.handle}'"

    def forwards(self) -> list[Step]:
        return [step(drop_concurrently(self.ctx.schema, self.name), phase="post")]

    def backwards(self) -> list[Step]:
        rebuild = self.definition.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY IF NOT EXISTS", 1)
        return [step(sql.SQL(rebuild), phase="post", undo=[drop_concurrently(self.ctx.schema, self.name)],
                     index_name=self.name)]
