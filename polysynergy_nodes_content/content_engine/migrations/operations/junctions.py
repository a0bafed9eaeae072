"""Junction tables of fields whose links live outside the section table (multiple relations)."""

from __future__ import annotations

from psycopg import sql

from ...postgres import generated_names as names
from ..steps import Precheck, Step
from .base import ORDER_DROP_COLUMN, ORDER_JUNCTION, MigrationOperation, step
from .tables import access_statements, archive_steps, restore_steps

#: The key types a junction's ends may take (a planned value, spelled as format_type does).
KEY_TYPES = {"uuid": "uuid", "bigint": "bigint", "integer": "integer", "text": "text"}


class CreateJunction(MigrationOperation):
    """``source_id``, ``target_id``, ``sort_order``; both ends cascade on delete. Each end
    takes its section's key type: uuid, or an adopted table's own (bigint, integer, text)."""

    kind = "create_junction"
    order = ORDER_JUNCTION
    lock = "SHARE ROW EXCLUSIVE"
    lock_note = "the foreign keys lock both ends briefly; the new table is empty"

    def __init__(self, ctx, section: dict, field, name: str, target_table: str, roles: frozenset,
                 keys: tuple = ("uuid", "uuid"), target_schema: str | None = None):
        self.section, self.field, self.name, self.target_table, self.roles = section, field, name, target_table, roles
        self.source_type, self.target_type = keys  # key types of the two ends (planned, never user text)
        self.target_schema = target_schema
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Create relation table {self.ctx.schema}.{self.name} for field '{self.field.handle}'"

    def forwards(self) -> list[Step]:
        t = self.table(self.name)
        fid = self.field.id

        def j(suffix):
            return sql.Identifier(names.junction_object_name(fid, suffix))

        body = sql.SQL(
            "CREATE TABLE {t} (\n"
            "    id uuid DEFAULT gen_random_uuid() NOT NULL,\n"
            "    source_id {source_type} NOT NULL,\n"
            "    target_id {target_type} NOT NULL,\n"
            "    sort_order integer DEFAULT 0 NOT NULL,\n"
            "    created_at timestamp with time zone DEFAULT now() NOT NULL,\n"
            "    CONSTRAINT {pk} PRIMARY KEY (id),\n"
            "    CONSTRAINT {src} FOREIGN KEY (source_id) REFERENCES {source} (id) ON DELETE CASCADE,\n"
            "    CONSTRAINT {tgt} FOREIGN KEY (target_id) REFERENCES {target} (id) ON DELETE CASCADE,\n"
            "    CONSTRAINT {pair} UNIQUE (source_id, target_id)\n"
            ")"
        ).format(t=t, pk=j("pk"), src=j("source"), tgt=j("target"), pair=j(names.JUNCTION_PAIR),
                 source=self.table(self.section["table_name"]),
                 target=self.ctx.target(self.target_table, self.target_schema),
                 source_type=sql.SQL(KEY_TYPES[self.source_type]), target_type=sql.SQL(KEY_TYPES[self.target_type]))
        up = [step(body),
              step(sql.SQL("COMMENT ON TABLE {} IS {}").format(t, sql.Literal(names.junction_mark(self.section["id"], fid)))),
              step(sql.SQL("CREATE INDEX {} ON {} (target_id)").format(j("target_idx"), t)),
              # The pair key covers source_id too, but linters want an index of the key's own columns.
              step(sql.SQL("CREATE INDEX {} ON {} (source_id)").format(j("source_idx"), t))]
        up.extend(step(s) for s in access_statements(self.ctx, t, self.roles))
        return up

    def backwards(self) -> list[Step]:
        return archive_steps(self.ctx, self.name)


class ArchiveJunction(MigrationOperation):
    """A removed multiple relation: its links move to the archive schema."""

    kind = "archive_junction"
    order = ORDER_DROP_COLUMN
    destroys_data = True

    def __init__(self, ctx, name: str):
        self.name = name
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Remove relation table {self.ctx.schema}.{self.name} (moved to {self.ctx.archive_schema})"

    def forwards(self) -> list[Step]:
        return archive_steps(self.ctx, self.name)

    def backwards(self) -> list[Step]:
        return restore_steps(self.ctx, self.name)

    def checks(self) -> list[Precheck]:
        return [self.measure("relation links archived", sql.SQL("SELECT count(*) FROM {}").format(self.table(self.name)),
                             blocking=False, shown=False)]


class RenameJunction(MigrationOperation):
    """The section or the field was renamed: the junction table follows its name."""

    kind = "rename_junction"
    order = ORDER_JUNCTION

    def __init__(self, ctx, old: str, new: str):
        self.old, self.new = old, new
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Rename relation table {self.old} to {self.new}"

    def forwards(self) -> list[Step]:
        return [step(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(self.old), sql.Identifier(self.new)))]

    def backwards(self) -> list[Step]:
        return [step(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(self.new), sql.Identifier(self.old)))]
