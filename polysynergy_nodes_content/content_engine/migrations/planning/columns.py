"""The diff of one existing column against its field: what to drop, change and add, in order."""

from __future__ import annotations

import json

from polysynergy_section_field.section_field_runner import Conversion

from ...errors import InvalidInput
from ...postgres import generated_names as names
from ..operations import (
    AddCheck,
    AddForeignKey,
    AddIndex,
    AddUnique,
    AlterTypeInPlace,
    AlterTypeOnline,
    DropConstraint,
    DropIndex,
    DropNotNull,
    RenameColumn,
    SetDefault,
    SetNotNull,
)
from .desired import DesiredField


def normalized_type(text: str) -> str:
    return " ".join(text.lower().split())


class ColumnDiff:
    """Constraints that change are dropped first and added again after the type change."""

    def __init__(self, table_diff, table_name: str, column: str, field: DesiredField):
        self.ctx, self.registry = table_diff.ctx, table_diff.registry
        self.snapshot = table_diff.snapshot
        self.live = self.snapshot.live.table
        self.populated = self.snapshot.populated
        self.table_name, self.column, self.field = table_name, column, field
        self.info = self.live.columns[column]
        self.old = table_diff.old_fields.get(field.id)
        self.target_table = table_diff.target(field) if field.foreign_key_target is not None else None
        self.target_schema = table_diff.target_schema(field) if field.foreign_key_target is not None else None

    def operations(self) -> list:
        ctx, f, live, table_name, column = self.ctx, self.field, self.live, self.table_name, self.column
        ops: list = []
        desired_checks = f.checks()
        live_checks = {n for n, c in live.constraints.items() if names.is_check_of(n, f.id) and c["type"] == "c"}
        for name in sorted(live_checks - set(desired_checks)):
            ops.append(DropConstraint(ctx, table_name, live, name, f"Drop rule {name} of field '{f.handle}'"))
        uq = names.unique_name(f.id)
        if uq in live.constraints and not f.unique:
            ops.append(DropConstraint(ctx, table_name, live, uq, f"Field '{f.handle}' no longer unique"))
        fk = names.foreign_key_name(f.id)
        fk_dropped = False
        if fk in live.constraints:
            ref = (live.constraints[fk]["ref_table"] or "").split(".")[-1].strip('"')
            if self.target_table is None or ref != self.target_table:
                ops.append(DropConstraint(ctx, table_name, live, fk, f"Drop the relation of field '{f.handle}' to {ref}"))
                fk_dropped = True
        ix = names.index_name(f.id)
        has_index = ix in live.indexes and live.indexes[ix]["valid"]  # an invalid build counts as missing
        if ix in live.indexes and not f.wants_index:
            ops.append(DropIndex(ctx, live, ix, f))
        if column != f.handle:
            ops.append(RenameColumn(ctx, table_name, column, f.handle))
        type_changes = normalized_type(self.info["type"]) != normalized_type(f.column_type)
        if type_changes and self.target_table is not None and self.was_relation():
            raise InvalidInput(
                f"field '{f.handle}': its new target section '{f.foreign_key_target}' has {f.column_type} ids, the "
                f"column holds {self.info['type']} ids of its old target; a relation cannot move to a section with "
                "another key type: add a new relation field instead", field=f.handle)
        online = None
        if type_changes:
            conversion, back, old_name = self.conversion()
            if self.populated and conversion.rewrites and ctx.settings.online_type_changes:
                # The old column goes away with all its constraints; everything the field
                # wants is then added to the new column as for a new field.
                dropped = {n for op in ops for n in op.names}
                online = names.shadow_column(f.id)
                ops.append(AlterTypeOnline(ctx, table_name, f, live, conversion, back, old_name, dropped,
                                           live_col=column))
                live_checks, has_index = set(), False
            else:
                ops.append(AlterTypeInPlace(ctx, table_name, f, self.info["type"], conversion, back, old_name, column))
        if self.default_changes():
            ops.append(SetDefault(ctx, table_name, f, self.info["default"]))
        if f.required and (not self.info["not_null"] or online):
            ops.append(SetNotNull(ctx, table_name, f, self.populated, new_column=False, live_col=column,
                                  online=bool(online)))
        elif not f.required and self.info["not_null"]:
            ops.append(DropNotNull(ctx, table_name, f))
        for name in sorted(set(desired_checks) - live_checks):
            # After a type change the old column cannot be checked with the new rule: the conversion count covers it.
            ops.append(AddCheck(ctx, table_name, f, name, desired_checks[name], self.populated,
                                False if type_changes else column))
        if f.unique and (uq not in live.constraints or online):
            ops.append(AddUnique(ctx, table_name, f, self.populated, new_column=False, live_col=column, shadow=online))
        if self.target_table is not None and (fk not in live.constraints or fk_dropped or online):
            ops.append(AddForeignKey(ctx, table_name, f, self.target_table, self.populated, new_column=bool(online),
                                     live_col=column, target_schema=self.target_schema))
        if f.wants_index and not has_index:
            ops.append(AddIndex(ctx, table_name, f, new_column=False, shadow=online, live_col=column))
        return ops

    def was_relation(self) -> bool:
        """Whether the applied field was a relation already (its column held another section's ids)."""
        old = self.old
        if not old or old["field_type_handle"] not in self.registry:
            return False
        return self.registry.get(old["field_type_handle"]).foreign_key_target(old.get("field_settings") or {}) is not None

    def default_changes(self) -> bool:
        f, old = self.field, self.old
        old_default = old.get("default_value") if old else None
        new_default = json.dumps(f.default_value) if f.has_default else None
        if old_default is None and new_default is None:
            return False
        return ((json.loads(old_default) if old_default else None) != (f.default_value if f.has_default else None)
                or (self.info["default"] is None) != (new_default is None))

    def conversion(self):
        """(conversion, conversion back or None, old type name) for the field's type change."""
        f, old, registry = self.field, self.old, self.registry
        if old and old.get("adopted_type"):
            # An adopted column leaves its own type: a cast from that type, which rewrites the
            # table (so a populated one changes online), whatever its field type would say.
            return Conversion(), Conversion(), old["field_type_handle"]
        old_ft = registry.get(old["field_type_handle"]) if old and old["field_type_handle"] in registry else None
        old_settings = (old or {}).get("field_settings") or {}
        conversion = old_ft.conversion_to(f.ft, old_settings, f.settings) if old_ft else None
        if old_ft is not None and conversion is None:
            raise InvalidInput(
                f"field '{f.handle}': changing the type from {old_ft.handle} to {f.ft.handle} is not supported; "
                f"add a new field and copy the data instead",
                field=f.handle,
            )
        back = f.ft.conversion_to(old_ft, f.settings, old_settings) if old_ft else None
        return conversion or Conversion(), back, (old_ft.handle if old_ft else None)
