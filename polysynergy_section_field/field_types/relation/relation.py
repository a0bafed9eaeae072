"""Relation: a link to one entry (a uuid foreign key) or several (a junction table)."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ...section_field_runner.base_field_type import EQUALITY_OPERATORS, Conversion, to_uuid
from ...section_field_runner.errors import UnsupportedFilterError
from ...section_field_runner.field_type_decorator import field_type
from .._common import BuiltinFieldType, object_schema, prop, settings_error
from .._conversions import TO_TEXT

SINGLE_OPERATORS = EQUALITY_OPERATORS
#: Operators on a multiple relation; the engine compiles them over the junction table.
MULTIPLE_OPERATORS = frozenset({"_contains", "_null", "_nnull"})




@field_type(category="relational", icon="relation.svg")
class RelationField(BuiltinFieldType):
    """Entries of another section (``targetSection``).

    Single (default): a ``uuid`` column with a foreign key (the engine adds it, using
    ``foreign_key_target``) and a btree index; values are one UUID. Multiple
    (``allowMultiple``): no column; the engine keeps a junction table and compiles the
    filters ``_contains``, ``_null`` and ``_nnull`` itself. Values are a list of
    distinct UUIDs, at most ``maxItems``. Output: strings.
    """

    handle = "relation"
    label = "Relation"
    postgres_type = "uuid"
    ui_component = "relation-select"
    table_cell_component = "RelationCell"
    form_input_component = "RelationSelect"
    description = "Links to one or more entries of another section."
    filter_operators = SINGLE_OPERATORS | MULTIPLE_OPERATORS
    sortable = False
    conversions = {"text": TO_TEXT, "textarea": TO_TEXT}

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "targetSection": prop("string", "Target section", "Handle of the section to link to.",
                                      pattern="^[a-z][a-z0-9_]*$", maxLength=63),
                "allowMultiple": prop("boolean", "Allow multiple", "Link to several entries (a junction table).",
                                      default=False),
                "maxItems": prop("integer", "Maximum links", "Most entries one entry may link to "
                                 "(only with allowMultiple).", minimum=1),
            },
            required=["targetSection"],
        )

    def check_settings(self, settings: dict) -> None:
        if settings.get("maxItems") is not None and not settings.get("allowMultiple"):
            raise settings_error(self, "maxItems", "'maxItems' only applies when 'allowMultiple' is true")

    @staticmethod
    def is_multiple(settings: dict | None) -> bool:
        return bool((settings or {}).get("allowMultiple"))

    def operators_for(self, settings: dict | None = None) -> frozenset[str]:
        """The operators allowed for a field with these settings."""
        return MULTIPLE_OPERATORS if self.is_multiple(settings) else SINGLE_OPERATORS

    # -- values --------------------------------------------------------------------
    def parse_value(self, value: Any, settings: dict | None = None) -> Any:
        if not self.is_multiple(settings):
            return to_uuid(value)
        if not isinstance(value, (list, tuple)):
            raise ValueError("must be a list of entry ids (UUIDs)")
        result, seen = [], set()
        for item in value:
            parsed = to_uuid(item)
            if parsed in seen:
                raise ValueError(f"must not link the same entry twice ({parsed})")
            seen.add(parsed)
            result.append(parsed)
        return result

    def check_value(self, value: Any, settings: dict) -> str | None:
        limit = settings.get("maxItems")
        if self.is_multiple(settings) and limit is not None and len(value) > limit:
            return f"must link at most {limit} entries (got {len(value)})"
        return None

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            return [str(item) for item in value]
        return str(value)

    # -- columns -------------------------------------------------------------------
    def stores_column(self, settings: dict | None = None) -> bool:
        return not self.is_multiple(settings)

    def index_method(self, settings: dict | None = None) -> str | None:
        return None if self.is_multiple(settings) else "btree"

    def foreign_key_target(self, settings: dict | None = None) -> str | None:
        return (settings or {}).get("targetSection")

    def retarget(self, settings: dict | None, target_handle: str) -> dict:
        return {**(settings or {}), "targetSection": target_handle}

    def conversion_to(self, target, old_settings=None, new_settings=None) -> Conversion | None:
        if self.is_multiple(old_settings):
            return None  # no column to convert
        return super().conversion_to(target, old_settings, new_settings)

    def same_type_conversion(self, old_settings: dict, new_settings: dict) -> Conversion:
        # Switching between single and multiple moves data between a column and a
        # junction table; the engine plans that. Otherwise the column stays as it is.
        return Conversion(using="{column}", rewrites=False)

    # -- filters -------------------------------------------------------------------
    def parse_filter_value(self, operator: str, value: Any, settings: dict | None = None) -> Any:
        """One UUID; for a multiple relation a UUID or a list of them (a list)."""
        if self.is_multiple(settings):
            items = value if isinstance(value, list) else [value]
            return [to_uuid(item) for item in items]
        return to_uuid(value)

    def compile_filter(self, operator: str, column: sql.Composable, value: Any,
                       settings: dict | None = None) -> tuple[sql.Composable, list]:
        if self.is_multiple(settings):
            raise UnsupportedFilterError(
                "filters on a multiple relation go through its junction table; the engine compiles them"
            )
        if operator not in SINGLE_OPERATORS:
            allowed = ", ".join(sorted(SINGLE_OPERATORS))
            raise UnsupportedFilterError(
                f"operator '{operator}' is not supported on single {self.label} fields (allowed: {allowed})"
            )
        return super().compile_filter(operator, column, value, settings)

    # -- PolySynergy's portal --------------------------------------------------------
    def portal_relation_props(self, settings: dict) -> dict:
        """The target as the portal looks it up (a section id when the settings hold one)."""
        return {"relatedSection": settings.get("relatedSection") or self.relation_target(settings),
                "displayField": settings.get("displayField", "title")}

    def get_table_cell_config(self, value=None, settings=None, field_config=None) -> dict:
        settings = settings or {}
        if self.is_multiple(settings):
            props = {"value": value, **self.portal_relation_props(settings), "maxDisplay": 3, "showCount": True}
            return {"component": "RelationTagsCell", "props": props}
        return {"component": "RelationCell",
                "props": {"value": value, **self.portal_relation_props(settings), "linkable": True}}

    def get_form_input_config(self, settings=None, field_config=None) -> dict:
        settings = settings or {}
        config = super().get_form_input_config(settings, field_config)
        config["props"].update(self.portal_relation_props(settings), searchable=True, allowClear=True)
        if self.is_multiple(settings):
            config["component"] = "RelationMultiSelect"
            limit = settings.get("maxItems")
            config["props"].update(sortable=True, maxRelations=limit)
            config["validation"]["maxItems"] = limit
        return config
