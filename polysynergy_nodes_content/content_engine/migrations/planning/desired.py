"""The desired state of a section's fields, decoded from the configuration snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass

from psycopg import sql

from polysynergy_section_field.section_field_runner import FieldType, FieldTypeRegistry

from ...postgres import generated_names as names


@dataclass
class DesiredField:
    id: str
    handle: str
    label: str
    ft: FieldType
    settings: dict
    required: bool
    unique: bool
    default_value: object  # decoded JSON value or None
    has_default: bool
    #: An adopted column's own type (and its table's own constraints), kept until the field changes.
    adopted_type: str | None = None

    @property
    def stores_column(self) -> bool:
        return self.ft.stores_column(self.settings)

    @property
    def column_type(self) -> str:
        return self.adopted_type or self.ft.column_type(self.settings)

    @property
    def foreign_key_target(self) -> str | None:
        """The target section of a column that references it (a single relation)."""
        return self.ft.foreign_key_target(self.settings)

    @property
    def relation_target(self) -> str | None:
        return self.ft.relation_target(self.settings)

    @property
    def uses_junction(self) -> bool:
        return self.ft.uses_junction(self.settings)

    @property
    def index_method(self) -> str | None:
        """An adopted column keeps the indexes its table has; the engine adds none."""
        return None if self.adopted_type else self.ft.index_method(self.settings)

    @property
    def wants_index(self) -> bool:
        """A unique field already has the unique constraint's index."""
        return self.index_method is not None and not self.unique

    def default_sql(self) -> sql.Composable:
        return self.ft.default_sql(self.default_value, self.settings)

    def checks(self) -> dict[str, sql.Composable]:
        """Constraint name -> expression; the name hashes the rule, not the column name."""
        return self.checks_on(self.handle)

    def checks_on(self, column: str) -> dict[str, sql.Composable]:
        """The same constraints with their expressions over another column (the live one).
        An adopted column has none of them: its table's own constraints do that work."""
        if self.adopted_type:
            return {}
        anchors = self.ft.check_rules("__column__", self.settings)
        rules = self.ft.check_rules(column, self.settings)
        return {names.check_name(self.id, rule.kind, anchor.expression.as_string(None)): rule.expression
                for anchor, rule in zip(anchors, rules)}


def desired_fields(snapshot: dict, registry: FieldTypeRegistry) -> list[DesiredField]:
    out = []
    for f in snapshot["fields"]:
        ft = registry.get(f["field_type_handle"])
        has_default = f.get("default_value") is not None
        out.append(
            DesiredField(
                id=f["id"], handle=f["handle"], label=f["label"], ft=ft, settings=f["field_settings"] or {},
                required=bool(f["is_required"]), unique=bool(f["is_unique"]),
                default_value=json.loads(f["default_value"]) if has_default else None, has_default=has_default,
                adopted_type=f.get("adopted_type"),
            )
        )
    return out
