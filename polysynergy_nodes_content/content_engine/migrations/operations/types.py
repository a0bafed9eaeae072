"""Type changes: in place (ALTER COLUMN TYPE) or online (a new column filled in batches, swapped in)."""

from __future__ import annotations

from psycopg import sql

from ...errors import InvalidInput
from ...postgres import generated_names as names
from ..steps import Precheck, Step
from .base import ORDER_ALTER_TYPE, MigrationOperation, render, step, unbounded_call
from .columns import restore_column_constraints
from .tables import column_comment

_OUTCOME = {"null": " (they become NULL)", "default": " (they get the field's default)"}


class _TypeChange(MigrationOperation):
    order = ORDER_ALTER_TYPE

    def __init__(self, ctx, table_name: str, field, live_type: str, conversion, back, old_name: str | None,
                 live_col: str):
        self.table_name, self.field, self.live_type = table_name, field, live_type
        self.conversion, self.back, self.old_name, self.live_col = conversion, back, old_name, live_col
        super().__init__(ctx)

    def _from_to(self) -> str:
        f = self.field
        return f"from {self.old_name or self.live_type} ({self.live_type}) to {f.ft.handle} ({f.column_type})"

    def back_using(self) -> sql.Composable:
        """How rollback converts the column back (a text cast when the type offers no way)."""
        if self.back is not None:
            return self.back.using_sql(self.field.handle, self.live_type)
        return sql.SQL("{}::text::{}").format(sql.Identifier(self.field.handle), sql.SQL(self.live_type))

    def convert_back(self) -> Step:
        return step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}").format(
            self.table(self.table_name), sql.Identifier(self.field.handle), sql.SQL(self.live_type), self.back_using()))

    @property
    def rewrites(self) -> bool:
        return self.conversion.rewrites

    @property
    def refuses_failures(self) -> bool:
        """True when values that do not convert make the apply refuse (the default)."""
        return self.ctx.on_convert_failure == "refuse" or self.conversion.failure_predicate is None

    def converted(self, source: sql.Composable) -> sql.Composable:
        """The conversion of ``source``; values that do not convert become NULL or the
        field's default when the plan chose so (``on_convert_failure``)."""
        f = self.field
        using = self.conversion.using_expression(source, f.column_type)
        if self.refuses_failures:
            return using
        if self.ctx.on_convert_failure == "default":
            if not f.has_default:
                raise InvalidInput(f"field '{f.handle}': on_convert_failure='default' needs a default value on the "
                                   "field", field=f.handle)
            fallback = f.default_sql()
        else:
            fallback = sql.SQL("NULL")
        failing = sql.SQL(self.conversion.failure_predicate).format(column=source, type=sql.SQL(f.column_type))
        return sql.SQL("CASE WHEN {} IS NOT NULL AND ({}) THEN {} ELSE {} END").format(source, failing, fallback, using)

    def checks(self) -> list[Precheck]:
        f = self.field
        failure = self.conversion.failure_sql(self.live_col, f.column_type)
        if failure is None:
            return []
        t, col = self.table_before(), sql.Identifier(self.live_col)
        return [self.measure(
            f"rows whose {f.handle} cannot be converted to {f.column_type}{_OUTCOME.get(self.ctx.on_convert_failure, '')}",
            sql.SQL("SELECT count(*) FROM {} WHERE {} IS NOT NULL AND ({})").format(t, col, failure),
            blocking=self.refuses_failures,
            sample_sql=sql.SQL("SELECT {}::text FROM {} WHERE {} IS NOT NULL AND ({}) LIMIT 5").format(
                col, t, col, failure),
            hint="fix those rows, or plan again with on_convert_failure='null' or 'default' to set them so")]


class AlterTypeInPlace(_TypeChange):
    """ALTER COLUMN TYPE: instant when the cast relabels (a longer varchar), else a rewrite under lock."""

    kind = "alter_type_in_place"
    lock_note = "a rewrite holds it for the whole rewrite (used on empty tables or relabels)"

    def describe(self) -> str:
        return f"Change field '{self.field.handle}' {self._from_to()}"

    def forwards(self) -> list[Step]:
        f = self.field
        return [step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}").format(
            self.table(self.table_name), sql.Identifier(f.handle), sql.SQL(f.column_type),
            self.converted(sql.Identifier(f.handle))))]

    def backwards(self) -> list[Step]:
        return [self.convert_back()]


class AlterTypeOnline(_TypeChange):
    """A type change without a rewrite under lock.

    Before the transaction: a new column, a trigger that converts every write into it, and
    a batched backfill (each batch its own transaction). In the transaction: the old column
    is dropped and the new one renamed into its place; the field's constraints are added to
    it by the operations that follow. Rolling back converts the column back in place (a
    rewrite) and restores the old constraints."""

    kind = "alter_type_online"
    lock_note = "brief, at the swap; the backfill runs in short batches before the transaction"

    def __init__(self, ctx, table_name: str, field, live, conversion, back, old_name: str | None,
                 dropped: set, live_col: str | None = None):
        """``live_col``: the column's name now, when the same migration renames it (the
        steps before the transaction still see that name; the rename runs inside it)."""
        self.live, self.dropped = live, frozenset(dropped)
        live_col = live_col or field.handle
        self.info = live.columns[live_col]
        super().__init__(ctx, table_name, field, self.info["type"], conversion, back, old_name, live_col)

    def describe(self) -> str:
        return (f"Change field '{self.field.handle}' {self._from_to()} online: a new column filled in batches, "
                "then swapped in")

    def forwards(self) -> list[Step]:
        f, t = self.field, self.table(self.table_name)
        before = self.table_before()  # the pre steps run before a rename of the table
        col, shadow = sql.Identifier(f.handle), sql.Identifier(names.shadow_column(f.id))
        live_col = sql.Identifier(self.live_col)  # what the steps before the transaction see
        sync = sql.Identifier(names.shadow_sync_name(f.id))
        function = sql.Identifier(self.ctx.settings.system_schema, names.shadow_sync_name(f.id))
        new_value = self.converted(sql.SQL("NEW.{}").format(live_col))
        up = [
            step(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}").format(before, shadow, sql.SQL(f.column_type)),
                 phase="pre", undo=[step(sql.SQL("ALTER TABLE {} DROP COLUMN IF EXISTS {}").format(before, shadow)).sql]),
            step(sql.SQL("CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql "
                         "SET search_path = pg_catalog, pg_temp AS $pc$ "
                         "BEGIN NEW.{} := {}; RETURN NEW; END $pc$").format(function, shadow, new_value),
                 phase="pre", undo=[step(sql.SQL("DROP FUNCTION IF EXISTS {}()").format(function)).sql]),
            # UPDATE OF: the backfill (which sets only the new column) does not fire it.
            step(sql.SQL("CREATE OR REPLACE TRIGGER {} BEFORE INSERT OR UPDATE OF {} ON {} "
                         "FOR EACH ROW EXECUTE FUNCTION {}()").format(sync, live_col, before, function),
                 phase="pre", undo=[step(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sync, before)).sql]),
            *self.backfill_steps(before, names.shadow_column(f.id), self.converted(live_col)),
            step(sql.SQL("DROP TRIGGER {} ON {}").format(sync, t)),
            step(sql.SQL("DROP FUNCTION {}()").format(function)),
            step(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(t, col)),
            step(sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(t, shadow, col)),
            step(column_comment(t, f.handle, f.id)),
        ]
        if f.has_default:
            up.append(step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(t, col, f.default_sql())))
        return up

    def backfill_steps(self, t: sql.Identifier, column: str, expression: sql.Composable) -> list[Step]:
        """The batched fill of the new column: a CALL of the system schema's procedure (one
        transaction per batch, so the script runs as shown), exempt from the statement
        timeout, which bounds single statements and would otherwise end a long backfill."""
        settings = self.ctx.settings
        call = sql.SQL("CALL {}({}, {}, {}, {})").format(
            sql.Identifier(settings.system_schema, "content_backfill"), sql.Literal(render(t)), sql.Literal(column),
            sql.Literal(render(expression)), sql.Literal(settings.backfill_batch_size))
        return unbounded_call(settings, call)

    def backwards(self) -> list[Step]:
        t, col, info = self.table(self.table_name), sql.Identifier(self.field.handle), self.info
        down = [self.convert_back()]
        down.append(step(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(t, col, sql.SQL(info["default"]))
            if info["default"] is not None else
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(t, col)))
        if info["not_null"]:
            down.append(step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(t, col)))
        if self.live_col == self.field.handle:
            down.extend(restore_column_constraints(t, self.live, self.field.handle, self.dropped))
            return down
        # The live constraints name the column as it was: restore them under that name
        # (the rename's own rollback runs after this one).
        old = sql.Identifier(self.live_col)
        down.append(step(sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(t, col, old)))
        down.extend(restore_column_constraints(t, self.live, self.live_col, self.dropped))
        down.append(step(sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(t, old, col)))
        return down
