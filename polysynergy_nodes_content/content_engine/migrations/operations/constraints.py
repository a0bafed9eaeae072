"""Constraints: CHECK rules, UNIQUE, foreign keys (added safely on populated tables), dropped ones."""

from __future__ import annotations

from psycopg import sql

from ...postgres import generated_names as names
from ..steps import Precheck, Step
from .base import ORDER_ADD_CONSTRAINT, ORDER_DROP_CONSTRAINT, MigrationOperation, step


def _drop_if_exists(t: sql.Identifier, name: str) -> Step:
    return step(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(t, sql.Identifier(name)))


class AddCheck(MigrationOperation):
    """A CHECK rule of a field type, added NOT VALID and validated after the commit when rows exist."""

    kind = "add_check"
    order = ORDER_ADD_CONSTRAINT
    lock_note = "brief; VALIDATE scans under SHARE UPDATE EXCLUSIVE after the commit"

    def __init__(self, ctx, table_name: str, field, name: str, expression: sql.Composable, populated: bool,
                 live_col: str | None | bool = None):
        """``live_col`` is the column the rows are counted on now; False: nothing to count."""
        self.table_name, self.field, self.name, self.expression = table_name, field, name, expression
        self.populated, self.live_col = populated, live_col
        self.rule_kind = names.check_kind(name)
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Database rule ({self.rule_kind}) for field '{self.field.handle}'"

    def forwards(self) -> list[Step]:
        t, ident = self.table(self.table_name), sql.Identifier(self.name)
        return [step(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({}) NOT VALID").format(t, ident, self.expression)),
                step(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(t, ident),
                     phase="post" if self.populated else "main")]

    def backwards(self) -> list[Step]:
        return [_drop_if_exists(self.table(self.table_name), self.name)]

    def checks(self) -> list[Precheck]:
        if not self.populated or self.live_col is False:
            return []
        f, expression = self.field, self.expression
        if self.live_col and self.live_col != f.handle:
            expression = f.checks_on(self.live_col)[self.name]
        return [self.measure(
            f"rows that break the new {self.rule_kind} rule of {f.handle}",
            sql.SQL("SELECT count(*) FROM {} WHERE NOT coalesce(({}), true)").format(
                self.table_before(), expression))]


class AddUnique(MigrationOperation):
    """A field becomes unique.

    On a populated table the unique index is built CONCURRENTLY outside the transaction
    (before it for an existing column, after the commit for a new one) and then attached
    with ``ADD CONSTRAINT ... UNIQUE USING INDEX``; on the new column of an online type
    change it is built before the swap and renamed into place."""

    kind = "add_unique"
    order = ORDER_ADD_CONSTRAINT
    lock_note = "the index build runs CONCURRENTLY (SHARE UPDATE EXCLUSIVE) on a populated table"

    def __init__(self, ctx, table_name: str, field, populated: bool, new_column: bool,
                 live_col: str | None = None, shadow: str | None = None):
        self.table_name, self.field, self.populated, self.new_column = table_name, field, populated, new_column
        self.live_col, self.shadow = live_col or field.handle, shadow
        self.name = names.unique_name(field.id)
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Field '{self.field.handle}' becomes unique"

    def _build(self, index: str, column: str, phase: str) -> Step:
        t = self.table_in(phase)
        return step(sql.SQL("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({})").format(
                        sql.Identifier(index), t, sql.Identifier(column)), phase=phase,
                    undo=[step(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(
                        sql.Identifier(self.ctx.schema, index))).sql], index_name=index)

    def forwards(self) -> list[Step]:
        t, ident = self.table(self.table_name), sql.Identifier(self.name)
        attach = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}").format(t, ident, ident)
        if self.shadow:
            temp = names.shadow_index_name(self.name)
            return [self._build(temp, self.shadow, "backfill"),
                    step(sql.SQL("ALTER INDEX {} RENAME TO {}").format(sql.Identifier(self.ctx.schema, temp), ident)),
                    step(attach)]
        if self.populated and not self.new_column:
            return [self._build(self.name, self.live_col, "pre"), step(attach)]
        if self.populated and not self.field.has_default:
            # A new column exists only once the transaction commits: build its index after it.
            # (With a default every row shares a value: one row builds at once, more fail at once.)
            return [self._build(self.name, self.field.handle, "post"),
                    step(attach, phase="post", undo=[_drop_if_exists(t, self.name).sql])]
        return [step(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})").format(
            t, ident, sql.Identifier(self.field.handle)))]

    def backwards(self) -> list[Step]:
        return [_drop_if_exists(self.table(self.table_name), self.name)]

    def checks(self) -> list[Precheck]:
        if not self.populated:
            return []
        description = f"duplicate values in {self.field.handle}"
        t = self.table_before()
        if self.new_column and self.field.has_default:
            return [self.measure(description, sql.SQL("SELECT greatest(count(*) - 1, 0) FROM {}").format(t),
                                 shown=False)]
        if self.new_column:
            return [Precheck(description, "", True, 0)]
        col = sql.Identifier(self.live_col)
        return [self.measure(description, sql.SQL(
            "SELECT coalesce(sum(n - 1), 0)::bigint FROM (SELECT count(*) AS n FROM {} "
            "WHERE {} IS NOT NULL GROUP BY {} HAVING count(*) > 1) d").format(t, col, col),
            sample_sql=sql.SQL("SELECT {}::text FROM {} WHERE {} IS NOT NULL GROUP BY {} HAVING count(*) > 1 "
                               "LIMIT 5").format(col, t, col, col),
            hint="make those values different first")]


class AddForeignKey(MigrationOperation):
    """A single relation's foreign key, added NOT VALID and validated after the commit when rows exist."""

    kind = "add_foreign_key"
    order = ORDER_ADD_CONSTRAINT
    lock = "SHARE ROW EXCLUSIVE"
    lock_note = "SHARE ROW EXCLUSIVE on both tables, brief; VALIDATE runs after the commit"

    def __init__(self, ctx, table_name: str, field, target_table: str, populated: bool, new_column: bool,
                 live_col: str | None = None, target_schema: str | None = None):
        self.table_name, self.field, self.target_table = table_name, field, target_table
        self.target_schema = target_schema  # an adopted target's own schema (None: the content schema)
        self.live_col = live_col or field.handle
        self.populated, self.new_column = populated, new_column
        self.name = names.foreign_key_name(field.id)
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Relation of field '{self.field.handle}' to {self.target_schema or self.ctx.settings.content_schema}." \
               f"{self.target_table}"

    def forwards(self) -> list[Step]:
        t, name = self.table(self.table_name), sql.Identifier(self.name)
        target = self.ctx.target(self.target_table, self.target_schema)
        return [
            step(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (id) ON DELETE SET NULL "
                         "NOT VALID").format(t, name, sql.Identifier(self.field.handle), target)),
            step(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(t, name),
                 phase="post" if self.populated else "main"),
        ]

    def backwards(self) -> list[Step]:
        return [_drop_if_exists(self.table(self.table_name), self.name)]

    def checks(self) -> list[Precheck]:
        if not self.populated or self.new_column:
            return []
        col = sql.Identifier(self.live_col)
        return [self.measure(
            f"rows of {self.field.handle} that point to no entry of {self.target_table}",
            sql.SQL("SELECT count(*) FROM {} AS s WHERE s.{} IS NOT NULL AND NOT EXISTS "
                    "(SELECT 1 FROM {} AS x WHERE x.id = s.{})").format(
                self.table_before(), col, self.ctx.target(self.target_table, self.target_schema), col))]


class DropConstraint(MigrationOperation):
    kind = "drop_constraint"
    order = ORDER_DROP_CONSTRAINT

    def __init__(self, ctx, table_name: str, live, name: str, description: str):
        self.table_name, self.name, self.description_text = table_name, name, description
        self.constraint = live.constraints[name]
        super().__init__(ctx)

    def describe(self) -> str:
        return self.description_text

    def forwards(self) -> list[Step]:
        return [step(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            self.table(self.table_name), sql.Identifier(self.name)))]

    def backwards(self) -> list[Step]:
        return [step(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            self.table(self.table_name), sql.Identifier(self.name), sql.SQL(self.constraint["definition"])))]

    def dropped_names(self) -> list[str]:
        return [self.name]

    @property
    def is_foreign_key(self) -> bool:
        return self.constraint["type"] == "f"
