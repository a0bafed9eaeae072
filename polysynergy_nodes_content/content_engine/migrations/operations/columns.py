"""Column operations: add, drop (archived first), rename, change the default."""

from __future__ import annotations

from psycopg import sql

from ...postgres import generated_names as names
from ...system import API_ROLES, grantees, private_table_sql
from ..steps import Precheck, Step
from .base import (
    ORDER_ADD_COLUMN,
    ORDER_DEFAULT,
    ORDER_DROP_COLUMN,
    ORDER_RENAME_COLUMN,
    MigrationOperation,
    render,
    step,
    unbounded_call,
)
from .tables import column_comment


def restore_column_constraints(t: sql.Identifier, live, column: str, skip: frozenset = frozenset()) -> list[Step]:
    """Re-add the live constraints and plain indexes of one column (after it was dropped or rebuilt)."""
    out = []
    for name, con in live.constraints.items():
        if con["columns"] == [column] and con["type"] in ("c", "u", "f") and name not in skip:
            out.append(step(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                t, sql.Identifier(name), sql.SQL(con["definition"]))))
    for name, idx in live.indexes.items():
        if name not in live.constraints and index_on_column(idx["definition"], column):
            out.append(step(index_on_table(idx["definition"], t)))
    return out


def index_on_table(definition: str, t: sql.Identifier) -> sql.Composed:
    """A live index definition (``pg_get_indexdef``) built on ``t``: the definition names
    the table as it was read, which a rename in the same migration has changed since."""
    head, tail = definition[:definition.index(" ON ")], definition[definition.index(" USING "):]
    return sql.SQL("{} ON {}{}").format(sql.SQL(head), t, sql.SQL(tail))


def index_on_column(definition: str, column: str) -> bool:
    """True when an index definition covers exactly this one column."""
    inside = definition[definition.rfind("(") + 1: definition.rfind(")")]
    return [c.strip().strip('"') for c in inside.split(",")] == [column]


class AddColumn(MigrationOperation):
    """A new nullable column (NOT NULL, constraints and indexes follow as their own operations)."""

    kind = "add_column"
    order = ORDER_ADD_COLUMN
    lock_note = "brief: a constant default is stored in the catalog, no rewrite"

    def __init__(self, ctx, table_name: str, field):
        self.table_name, self.field = table_name, field
        super().__init__(ctx)

    def describe(self) -> str:
        f = self.field
        return f"Add field '{f.handle}' ({f.ft.label}) as column {f.handle} {f.column_type}"

    def forwards(self) -> list[Step]:
        f, t = self.field, self.table(self.table_name)
        definition = sql.SQL("{} {}").format(sql.Identifier(f.handle), sql.SQL(f.column_type))
        if f.has_default:
            definition = sql.SQL("{} DEFAULT {}").format(definition, f.default_sql())
        return [step(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(t, definition)),
                step(column_comment(t, f.handle, f.id))]

    def backwards(self) -> list[Step]:
        return [step(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(
            self.table(self.table_name), sql.Identifier(self.field.handle)))]


class DropColumn(MigrationOperation):
    """A removed field: its values are copied to an archive table first, so rollback restores them.

    Before the transaction: the archive table, a trigger that copies every write of the
    column into it (a deleted row becomes a ``gone`` mark, so the copy cannot bring it
    back), and a batched copy of the rows no write touched. In the transaction: the
    trigger goes (its lock waits for the writers in flight) and the column is dropped.
    After it, the marks are removed. So the archive holds exactly the values the column
    held when it was dropped, while writers went on during the copy."""

    kind = "drop_column"
    order = ORDER_DROP_COLUMN
    destroys_data = True
    lock_note = "brief, at the drop; the archive copy runs in short batches before the transaction"

    def __init__(self, ctx, table_name: str, live, column: str, field_id: str, label: str, roles: frozenset):
        self.table_name, self.live, self.column, self.field_id, self.label = table_name, live, column, field_id, label
        self.roles = roles
        self.archive_name = names.archived_column_table(table_name, column, ctx.migration_id)
        super().__init__(ctx)

    @property
    def archive(self) -> sql.Identifier:
        return sql.Identifier(self.ctx.archive_schema, self.archive_name)

    def describe(self) -> str:
        return (f"Remove field '{self.label}': drop column {self.column} (data archived to "
                f"{self.ctx.archive_schema}.{self.archive_name})")

    def forwards(self) -> list[Step]:
        t, col = self.table(self.table_name), sql.Identifier(self.column)
        before = self.table_before()  # the steps before the transaction run before a rename of the table
        sync = sql.Identifier(names.archive_sync_name(self.field_id))
        function = sql.Identifier(self.ctx.settings.system_schema, names.archive_sync_name(self.field_id))
        private = [step(s, phase="pre") for s in private_table_sql(
            self.archive, sorted(r for r in API_ROLES if r in self.roles))]
        call = sql.SQL("CALL {}({}, {}, {}, {})").format(
            sql.Identifier(self.ctx.settings.system_schema, "content_archive_copy"), sql.Literal(render(before)),
            sql.Literal(render(self.archive)), sql.Literal(self.column),
            sql.Literal(self.ctx.settings.backfill_batch_size))
        return [
            step(sql.SQL("CREATE TABLE IF NOT EXISTS {} (id uuid PRIMARY KEY, {} {}, gone boolean NOT NULL "
                         "DEFAULT false)").format(self.archive, col, sql.SQL(self.live.columns[self.column]["type"])),
                phase="pre", undo=[render(sql.SQL("DROP TABLE IF EXISTS {}").format(self.archive))]),
            *private,
            step(sql.SQL("COMMENT ON TABLE {} IS {}").format(self.archive, sql.Literal(
                f"archived column {self.column} of {self.ctx.schema}.{self.table_name} (field {self.field_id}) "
                f"by migration {self.ctx.migration_id}")), phase="pre"),
            # Runs as the engine's role: a writer (an API role) may not touch the archive itself.
            step(sql.SQL(
                "CREATE OR REPLACE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
                "SET search_path = pg_catalog, pg_temp AS $pc$ BEGIN "
                "IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NEW.id <> OLD.id) THEN "
                "INSERT INTO {a} (id, gone) VALUES (OLD.id, true) "
                "ON CONFLICT (id) DO UPDATE SET {c} = NULL, gone = true; END IF; "
                "IF TG_OP <> 'DELETE' THEN INSERT INTO {a} (id, {c}) VALUES (NEW.id, NEW.{c}) "
                "ON CONFLICT (id) DO UPDATE SET {c} = EXCLUDED.{c}, gone = false; END IF; "
                "RETURN NULL; END $pc$").format(f=function, a=self.archive, c=col),
                phase="pre", undo=[render(sql.SQL("DROP FUNCTION IF EXISTS {}()").format(function))]),
            step(sql.SQL("REVOKE ALL ON FUNCTION {}() FROM {}").format(
                function, grantees(sorted(r for r in API_ROLES if r in self.roles))), phase="pre"),
            # Created before the copy starts (its lock waits for the writers in flight), so
            # every later write reaches the archive; AFTER, so it sees the row as stored.
            step(sql.SQL("CREATE OR REPLACE TRIGGER {} AFTER INSERT OR UPDATE OF id, {} OR DELETE ON {} "
                         "FOR EACH ROW EXECUTE FUNCTION {}()").format(sync, col, before, function),
                 phase="pre", undo=[render(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sync, before))]),
            *unbounded_call(self.ctx.settings, call),
            # DROP TRIGGER takes ACCESS EXCLUSIVE: no write is in flight from here to the commit.
            step(sql.SQL("DROP TRIGGER {} ON {}").format(sync, t)),
            step(sql.SQL("DROP FUNCTION {}()").format(function)),
            step(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(t, col)),
            # Nobody writes the archive any more: the marks of deleted rows go, without a lock on the table.
            step(sql.SQL("DELETE FROM {} WHERE gone").format(self.archive), phase="post"),
            step(sql.SQL("ALTER TABLE {} DROP COLUMN IF EXISTS gone").format(self.archive), phase="post"),
        ]

    def backwards(self) -> list[Step]:
        t, col = self.table(self.table_name), sql.Identifier(self.column)
        info = self.live.columns[self.column]
        down = [
            step(sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(t, col, sql.SQL(info["type"]))),
            step(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(t, col, sql.Literal(info["comment"]))),
            Step("SET LOCAL polysynergy.restoring = 'on'"),
            step(sql.SQL("UPDATE {} AS t SET {} = a.{} FROM {} AS a WHERE a.id = t.id").format(t, col, col, self.archive)),
            Step("SET LOCAL polysynergy.restoring = 'off'"),
        ]
        if info["default"] is not None:
            down.append(step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                t, col, sql.SQL(info["default"]))))
        if info["not_null"]:
            down.append(step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(t, col)))
        down.extend(restore_column_constraints(t, self.live, self.column))
        down.append(step(sql.SQL("DROP TABLE {}").format(self.archive)))
        return down

    def checks(self) -> list[Precheck]:
        return [self.measure(
            f"rows with a value in {self.column} (archived, restored by rollback)",
            sql.SQL("SELECT count(*) FROM {} WHERE {} IS NOT NULL").format(
                self.table_before(), sql.Identifier(self.column)),
            blocking=False, shown=False)]


class RenameColumn(MigrationOperation):
    """A field handle changed: RENAME COLUMN keeps the data (fields are matched by id, not name)."""

    kind = "rename_column"
    order = ORDER_RENAME_COLUMN

    def __init__(self, ctx, table_name: str, old: str, new: str):
        self.table_name, self.old, self.new = table_name, old, new
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Rename field '{self.old}' to '{self.new}' (RENAME COLUMN, data kept)"

    def _rename(self, a: str, b: str) -> Step:
        return step(sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(
            self.table(self.table_name), sql.Identifier(a), sql.Identifier(b)))

    def forwards(self) -> list[Step]:
        return [self._rename(self.old, self.new)]

    def backwards(self) -> list[Step]:
        return [self._rename(self.new, self.old)]


class SetDefault(MigrationOperation):
    kind = "set_default"
    order = ORDER_DEFAULT

    def __init__(self, ctx, table_name: str, field, live_default: str | None):
        self.table_name, self.field, self.live_default = table_name, field, live_default
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Change the default of field '{self.field.handle}'"

    def forwards(self) -> list[Step]:
        f, t, col = self.field, self.table(self.table_name), sql.Identifier(self.field.handle)
        if f.has_default:
            return [step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(t, col, f.default_sql()))]
        return [step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(t, col))]

    def backwards(self) -> list[Step]:
        t, col = self.table(self.table_name), sql.Identifier(self.field.handle)
        if self.live_default is None:
            return [step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(t, col))]
        return [step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
            t, col, sql.SQL(self.live_default)))]
