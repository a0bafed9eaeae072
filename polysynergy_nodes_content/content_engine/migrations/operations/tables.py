"""Whole-table operations: create, rename, archive (drop with its data kept), PostgREST reload."""

from __future__ import annotations

from psycopg import sql

from ...postgres import generated_names as names
from ..steps import Precheck, Step
from .base import (
    ORDER_ARCHIVE_TABLE,
    ORDER_CREATE_TABLE,
    ORDER_NOTIFY,
    ORDER_RENAME_TABLE,
    MigrationOperation,
    PlanContext,
    step,
)


def access_statements(ctx: PlanContext, t: sql.Identifier, roles: frozenset) -> list[sql.Composable]:
    """Grants and row level security for a new table, for the roles that exist."""
    settings = ctx.settings
    out = []
    for role in sorted(r for r in settings.grants if r in roles):
        privileges = settings.grants[role]
        out.append(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(ctx.schema), sql.Identifier(role)))
        if privileges:
            out.append(sql.SQL("GRANT {} ON {} TO {}").format(
                sql.SQL(", ").join(sql.SQL(p) for p in privileges), t, sql.Identifier(role)))
    if settings.enable_rls:
        out.append(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t))
        for role in sorted(r for r in settings.read_policy_roles if r in roles):
            out.append(sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING (true)").format(
                sql.Identifier(names.policy_name(role)), t, sql.Identifier(role)))
    return out


def archive_steps(ctx: PlanContext, name: str) -> list[Step]:
    """Move a table out of the content schema under a name of this migration."""
    archived = names.archived_name(name, ctx.migration_id)
    return [step(sql.SQL("ALTER TABLE {} RENAME TO {}").format(ctx.table(name), sql.Identifier(archived))),
            step(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(ctx.table(archived), sql.Identifier(ctx.archive_schema)))]


def restore_steps(ctx: PlanContext, name: str) -> list[Step]:
    """The reverse of ``archive_steps``."""
    archived = names.archived_name(name, ctx.migration_id)
    return [step(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                sql.Identifier(ctx.archive_schema, archived), sql.Identifier(ctx.schema))),
            step(sql.SQL("ALTER TABLE {} RENAME TO {}").format(ctx.table(archived), sql.Identifier(name)))]


def column_comment(t: sql.Identifier, column: str, field_id) -> sql.Composed:
    return sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(t, sql.Identifier(column), sql.Literal(names.field_mark(field_id)))


class CreateTable(MigrationOperation):
    """A section's table with its columns, constraints, indexes, trigger, grants and policies.

    The table is new and empty, so everything runs in the transaction."""

    kind = "create_table"
    order = ORDER_CREATE_TABLE
    lock_note = "a new table: nobody waits"

    def __init__(self, ctx: PlanContext, section: dict, fields: list, targets: dict, roles: frozenset,
                 target_schemas: dict | None = None):
        self.section, self.fields, self.targets, self.roles = section, fields, targets, roles
        self.target_schemas = target_schemas or {}  # field id -> an adopted target's schema
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Create table {self.ctx.schema}.{self.section['table_name']} for section '{self.section['label']}'"

    def forwards(self) -> list[Step]:
        ctx, section = self.ctx, self.section
        t = self.table(section["table_name"])
        sid = section["id"]
        columns = [sql.SQL("id uuid DEFAULT gen_random_uuid() NOT NULL")]
        constraints = [sql.SQL("CONSTRAINT {} PRIMARY KEY (id)").format(sql.Identifier(names.primary_key_name(sid)))]
        after = []
        for f in self.fields:
            if not f.stores_column:
                continue
            col = f.ft.get_migration_sql(f.handle, f.settings, f.required)
            if f.has_default:
                col = sql.SQL("{} DEFAULT {}").format(col, f.default_sql())
            columns.append(col)
            if f.unique:
                constraints.append(sql.SQL("CONSTRAINT {} UNIQUE ({})").format(
                    sql.Identifier(names.unique_name(f.id)), sql.Identifier(f.handle)))
            for name, expression in f.checks().items():
                constraints.append(sql.SQL("CONSTRAINT {} CHECK ({})").format(sql.Identifier(name), expression))
            if f.foreign_key_target is not None:
                constraints.append(
                    sql.SQL("CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (id) ON DELETE SET NULL").format(
                        sql.Identifier(names.foreign_key_name(f.id)), sql.Identifier(f.handle),
                        ctx.target(self.targets[f.id], self.target_schemas.get(f.id)),
                    )
                )
            if f.index_method is not None and not f.unique:
                after.append(sql.SQL("CREATE INDEX {} ON {} USING {} ({})").format(
                    sql.Identifier(names.index_name(f.id)), t, sql.SQL(f.index_method), sql.Identifier(f.handle)))
        columns.append(sql.SQL("created_at timestamp with time zone DEFAULT now() NOT NULL"))
        columns.append(sql.SQL("updated_at timestamp with time zone DEFAULT now() NOT NULL"))
        body = sql.SQL(",\n    ").join(columns + constraints)
        up = [step(sql.SQL("CREATE TABLE {} (\n    {}\n)").format(t, body)),
              step(sql.SQL("COMMENT ON TABLE {} IS {}").format(t, sql.Literal(names.section_mark(sid))))]
        up.extend(step(column_comment(t, f.handle, f.id)) for f in self.fields if f.stores_column)
        for column in ("created_at", "updated_at"):
            up.append(step(sql.SQL("CREATE INDEX {} ON {} ({})").format(
                sql.Identifier(names.system_index_name(sid, column)), t, sql.Identifier(column))))
        up.extend(step(s) for s in after)
        up.append(step(sql.SQL(
            "CREATE TRIGGER touch_updated_at BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()"
        ).format(t, sql.Identifier(ctx.settings.system_schema, "content_touch_updated_at"))))
        up.extend(step(s) for s in access_statements(ctx, t, self.roles))
        return up

    def backwards(self) -> list[Step]:
        return archive_steps(self.ctx, self.section["table_name"])


class RenameTable(MigrationOperation):
    kind = "rename_table"
    order = ORDER_RENAME_TABLE

    def __init__(self, ctx: PlanContext, old: str, new: str):
        self.old, self.new = old, new
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Rename table {self.ctx.schema}.{self.old} to {self.new}"

    def forwards(self) -> list[Step]:
        return [step(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(self.old), sql.Identifier(self.new)))]

    def backwards(self) -> list[Step]:
        return [step(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(self.new), sql.Identifier(self.old)))]


class ArchiveTable(MigrationOperation):
    """A section removed: its table and junction tables move, with their rows, to the archive schema."""

    kind = "archive_table"
    order = ORDER_ARCHIVE_TABLE
    destroys_data = True

    def __init__(self, ctx: PlanContext, table: str, junctions: list[str]):
        self.table_name, self.junctions = table, junctions
        super().__init__(ctx)

    def describe(self) -> str:
        return (f"Remove table {self.ctx.schema}.{self.table_name} (moved with its data to schema "
                f"{self.ctx.archive_schema})")

    def forwards(self) -> list[Step]:
        tables = [self.table_name] + self.junctions
        # Junction tables first: they reference the section table.
        return [s for name in reversed(tables) for s in archive_steps(self.ctx, name)]

    def backwards(self) -> list[Step]:
        return [s for name in [self.table_name] + self.junctions for s in restore_steps(self.ctx, name)]

    def checks(self) -> list[Precheck]:
        return [self.measure("rows that leave the content schema",
                             sql.SQL("SELECT count(*) FROM {}").format(self.table(self.table_name)),
                             blocking=False, shown=False)]


class NotifyPostgrest(MigrationOperation):
    kind = "notify_postgrest"
    order = ORDER_NOTIFY
    lock = "NONE"
    lock_note = "a notification"
    statement = "NOTIFY pgrst, 'reload schema'"

    def describe(self) -> str:
        return "Tell PostgREST (Supabase API) to reload its schema cache"

    def forwards(self) -> list[Step]:
        return [Step(self.statement)]

    def backwards(self) -> list[Step]:
        return [Step(self.statement)]
