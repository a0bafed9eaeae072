"""PolySynergy's relation handles on our relation type.

``relation_many_to_one`` is our single relation (a uuid column with a foreign key) and
``relation_many_to_many`` our multiple relation (a junction table), each with
PolySynergy's settings. ``postgres_type`` is the marker PolySynergy's migration
generator reads from the class (``UUID``, ``JUNCTION_TABLE``); our engine asks
``column_type`` and ``stores_column`` instead.
"""

from __future__ import annotations

from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import object_schema, prop
from .relation import RelationField
from .section_reference import TARGET_REQUIRED, SectionIdReference, target_properties


def _with_target(properties: dict) -> dict:
    schema = object_schema({**target_properties(), **properties})
    schema["anyOf"] = TARGET_REQUIRED
    return schema


@field_type(category="relational", icon="relation_many_to_one.svg")
class RelationManyToOneField(SectionIdReference, RelationField):
    """One entry of another section (PolySynergy's many-to-one): our single relation."""

    handle = "relation_many_to_one"
    label = "Relation (Many-to-One)"
    postgres_type = "UUID"
    description = "Links to one entry of another section (a foreign key)."

    @property
    def settings_schema(self) -> dict:
        return _with_target({
            "allowNull": prop("boolean", "Allow empty", "False: the relation must be set.", default=True),
            "onDelete": prop("string", "On delete", "When the linked entry is deleted the link is cleared "
                             "(the engine's foreign keys are ON DELETE SET NULL).",
                             enum=["SET_NULL"], default="SET_NULL"),
        })

    @staticmethod
    def is_multiple(settings: dict | None) -> bool:
        return False

    def column_type(self, settings: dict | None = None) -> str:
        return "uuid"

    def validate(self, value: Any, settings: dict | None = None) -> tuple[bool, str | None]:
        if value is None and (settings or {}).get("allowNull") is False:
            return False, "this relation is required (allowNull is false)"
        return super().validate(value, settings)


@field_type(category="relational", icon="relation_many_to_many.svg")
class RelationManyToManyField(SectionIdReference, RelationField):
    """Entries of another section (PolySynergy's many-to-many): our multiple relation."""

    handle = "relation_many_to_many"
    label = "Relation (Many-to-Many)"
    postgres_type = "JUNCTION_TABLE"
    ui_component = "relation-multi-select"
    description = "Links to several entries of another section (a junction table)."

    @property
    def settings_schema(self) -> dict:
        return _with_target({
            "maxRelations": prop("integer", "Maximum links", "Most entries one entry may link to.", minimum=1),
            "allowDuplicates": prop("boolean", "Allow duplicates", "An entry is linked at most once.",
                                    enum=[False], default=False),
            "sortBy": prop("string", "Sort by", "Field the portal sorts linked entries by (a display hint).",
                           maxLength=63, default="sort_order"),
            "sortOrder": prop("string", "Sort order", "Direction of sortBy (a display hint).",
                              enum=["ASC", "DESC"], default="ASC"),
        })

    @staticmethod
    def is_multiple(settings: dict | None) -> bool:
        return True

    def column_type(self, settings: dict | None = None) -> str:
        return "uuid"

    def check_value(self, value: Any, settings: dict) -> str | None:
        limit = settings.get("maxRelations")
        if limit is not None and len(value) > limit:
            return f"must link at most {limit} entries (got {len(value)})"
        return None

    def get_form_input_config(self, settings=None, field_config=None) -> dict:
        settings = settings or {}
        return super().get_form_input_config({**settings, "maxItems": settings.get("maxRelations")}, field_config)
