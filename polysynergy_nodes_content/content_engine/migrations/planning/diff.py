"""The diff: a planning snapshot and the desired configuration -> ordered operations.

Pure: it reads only the snapshot. Identity comes from the live catalog itself (tables and
columns carry comments with the section and field ids; generated constraints and indexes
are named after the field id), so a renamed field is a RENAME COLUMN and anything changed
out of band is noticed. The previously applied configuration is used only for what the
catalog cannot tell: the old field type (to choose a conversion) and the old default.
"""

from __future__ import annotations

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ...entries import keyed_relation
from ...errors import InvalidInput
from ...postgres import generated_names as names
from ...settings import EngineSettings
from ..operations import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddUnique,
    AdoptColumn,
    ArchiveJunction,
    ArchiveTable,
    CreateJunction,
    CreateTable,
    DropColumn,
    NotifyPostgrest,
    PlanContext,
    RenameJunction,
    RenameTable,
    SetNotNull,
)
from ..operations.history import history_operations
from ..operations.rules import rule_operations
from ..operations.search import search_operations
from .columns import ColumnDiff
from .desired import DesiredField, desired_fields
from .snapshot import NO_TABLE, PlanningSnapshot


def diff(snapshot: PlanningSnapshot, settings: EngineSettings, registry: FieldTypeRegistry, migration_id: str,
         on_convert_failure: str = "refuse") -> list:
    """The operations that take the live table to the configuration, in the order they run."""
    live = snapshot.live.table
    renamed = {snapshot.section["table_name"]: live.name} if live is not None else {}
    adopted_schema = live.schema if live is not None and live.schema != settings.content_schema else None
    ctx = PlanContext(settings, migration_id, renamed, on_convert_failure, adopted_schema)
    return _Diff(snapshot, ctx, registry).operations()


def target_table(snapshot: PlanningSnapshot, field: DesiredField) -> str:
    """Live table of a relation's target section (it must exist, or be this section)."""
    target = field.relation_target
    if target not in snapshot.targets:
        raise InvalidInput(f"field '{field.handle}': relation target section '{target}' does not exist",
                           field=field.handle)
    live_name = snapshot.targets[target]
    if live_name is NO_TABLE:
        raise InvalidInput(
            f"field '{field.handle}': the table of target section '{target}' does not exist yet; "
            f"apply the migration of section '{target}' first",
            field=field.handle,
        )
    return live_name


class _Diff:
    def __init__(self, snapshot: PlanningSnapshot, ctx: PlanContext, registry: FieldTypeRegistry):
        self.snapshot, self.ctx, self.registry = snapshot, ctx, registry
        self.section = snapshot.section
        self.fields = desired_fields(snapshot.config, registry)
        for f in self.fields:  # a relation to an adopted table takes that table's key type
            if f.relation_target is not None:
                f.ft = keyed_relation(f.ft, snapshot.target_key(f.relation_target)[1])
        self.old_fields = {f["id"]: f for f in (snapshot.applied_state or {}).get("fields", [])}

    def target(self, field: DesiredField) -> str:
        return target_table(self.snapshot, field)

    def target_schema(self, field: DesiredField) -> str | None:
        """The schema of an adopted target's table (None: the content schema)."""
        return self.snapshot.target_key(field.relation_target)[0]

    def operations(self) -> list:
        section, live, ctx = self.section, self.snapshot.live, self.ctx
        ops: list = []
        if not section["is_active"]:
            if live.table is not None:
                ops.append(ArchiveTable(ctx, live.table.name, [j.name for j in live.junctions.values()]))
                if ctx.settings.notify_pgrst:
                    ops.append(NotifyPostgrest(ctx))
            return ops
        if live.table is None:
            linked = [f for f in self.fields if f.stores_column and f.foreign_key_target]
            ops.append(CreateTable(ctx, section, self.fields, {f.id: self.target(f) for f in linked},
                                   self.snapshot.roles, {f.id: self.target_schema(f) for f in linked}))
            ops.extend(search_operations(ctx, section, self.fields, section["table_name"], None))
            ops.extend(rule_operations(ctx, self.snapshot.config, self.fields, section["table_name"], None, False))
            ops.extend(history_operations(ctx, section, self.fields, section["table_name"], None))
        else:
            table_name = live.table.name
            if table_name != section["table_name"]:
                if ctx.table_schema is not None:
                    raise InvalidInput(
                        f"section '{section['handle']}' adopted {ctx.schema}.{table_name}, which keeps its name (the "
                        "applications that use it would lose it); keep the section's handle", field="handle")
                if section["table_name"] in self.snapshot.taken_names:
                    raise InvalidInput(
                        f"cannot rename table {table_name} to {section['table_name']}: "
                        f"{ctx.schema}.{section['table_name']} already exists", field="handle")
                ops.append(RenameTable(ctx, table_name, section["table_name"]))
            altered = self.alter_table(section["table_name"])
            ops.extend(altered)
            # A column swapped in by an online type change takes the search index with it.
            replaced = {op.field.handle for op in altered if op.kind == "alter_type_online"}
            ops.extend(search_operations(ctx, section, self.fields, section["table_name"], live.table, replaced))
            ops.extend(rule_operations(ctx, self.snapshot.config, self.fields, section["table_name"], live.table,
                                       self.snapshot.populated))
            ops.extend(history_operations(ctx, section, self.fields, section["table_name"], live.table,
                                          live.junctions))
        ops.extend(self.junctions())
        ops.sort(key=lambda op: op.order)
        if ops and ctx.settings.notify_pgrst:
            ops.append(NotifyPostgrest(ctx))
        return ops

    def alter_table(self, table_name: str) -> list:
        live, populated = self.snapshot.live.table, self.snapshot.populated
        ops: list = []
        desired_ids = {f.id for f in self.fields if f.stores_column}
        for column, info in live.columns.items():
            field_id = names.field_id_of_comment(info["comment"])
            if field_id is not None and field_id not in desired_ids:
                old = self.old_fields.get(field_id)
                ops.append(DropColumn(self.ctx, table_name, live, column, field_id, old["handle"] if old else column,
                                      self.snapshot.roles))
        for f in self.fields:
            if not f.stores_column:
                continue
            column = live.column_for_field(f.id)
            if column is not None:
                ops.extend(ColumnDiff(self, table_name, column, f).operations())
                continue
            if f.handle in live.columns and f.adopted_type and names.field_id_of_comment(
                    live.columns[f.handle]["comment"]) is None:
                # A column another tool added to an adopted table, taken in as it is (adopt --refresh).
                ops.append(AdoptColumn(self.ctx, table_name, f.handle, f.id, live.columns[f.handle]["comment"]))
                ops.extend(ColumnDiff(self, table_name, f.handle, f).operations())
                continue
            if f.handle in live.columns:
                raise InvalidInput(
                    f"field '{f.handle}': column {table_name}.{f.handle} already exists and belongs to "
                    "no field of this section; rename or drop it first",
                    field=f.handle,
                )
            ops.extend(self.add_column(table_name, f, populated))
        return ops

    def add_column(self, table_name: str, f: DesiredField, populated: bool) -> list:
        ctx = self.ctx
        result = [AddColumn(ctx, table_name, f)]
        if f.required:
            result.append(SetNotNull(ctx, table_name, f, populated, new_column=True))
        for name, expression in f.checks().items():
            # A new column holds only NULL or its (validated) default: nothing to count yet.
            result.append(AddCheck(ctx, table_name, f, name, expression, populated, live_col=False))
        if f.unique:
            result.append(AddUnique(ctx, table_name, f, populated, new_column=True))
        if f.foreign_key_target is not None:
            result.append(AddForeignKey(ctx, table_name, f, self.target(f), populated, new_column=True,
                                        target_schema=self.target_schema(f)))
        if f.wants_index:
            result.append(AddIndex(ctx, table_name, f, new_column=True))
        return result

    def junctions(self) -> list:
        ctx, live = self.ctx, self.snapshot.live
        ops: list = []
        wanted = {f.id: f for f in self.fields if f.uses_junction}
        for fid, table in live.junctions.items():
            if fid not in wanted:
                ops.append(ArchiveJunction(ctx, table.name))
        for fid, f in wanted.items():
            name = names.junction_table_name(self.section["handle"], f.handle)
            existing = live.junctions.get(fid)
            if existing is None:
                keys = (self.snapshot.key_type, self.snapshot.target_key(f.relation_target)[1])
                ops.append(CreateJunction(ctx, self.section, f, name, self.target(f), self.snapshot.roles, keys,
                                          self.target_schema(f)))
            elif existing.name != name:
                ops.append(RenameJunction(ctx, existing.name, name))
        return ops
