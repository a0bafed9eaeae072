"""Reverse side of a single relation: the entries of another section that point here.

PolySynergy calls it ``relation_one_to_many`` and keeps no column for it (its
``postgres_type`` is ``VIRTUAL``): an author's ``articles`` are the articles whose
``author`` field holds the author's id. The links are written on that other side only;
this type only says where they are (``reverse_relation``) and the engine reads them.
"""

from __future__ import annotations

import re
from typing import Any

from ...section_field_runner.base_field_type import is_uuid
from ...section_field_runner.field_type_decorator import field_type
from .._common import BuiltinFieldType, prop, settings_error

#: Operators of a list of links, as on a multiple relation (``_some`` / ``_none`` too).
REVERSE_OPERATORS = frozenset({"_contains", "_null", "_nnull"})
_HANDLE = re.compile(r"[a-z][a-z0-9_]*")



@field_type(category="relational", icon="relation_one_to_many.svg")
class RelationOneToManyField(BuiltinFieldType):
    """Entries of ``relatedSection`` whose single relation ``relatedField`` links to this one.

    No column and no junction table: adding or removing it changes no table. Values are
    read only, as a list of entry ids (oldest first); writes go to ``relatedField``.
    """

    handle = "relation_one_to_many"
    label = "Relation (One-to-Many)"
    postgres_type = "VIRTUAL"
    ui_component = "relation-list"
    description = "The entries of another section whose relation points to this entry (read only)."
    filter_operators = REVERSE_OPERATORS
    sortable = False
    conversions: dict = {}

    @property
    def settings_schema(self) -> dict:
        # PolySynergy's settings: the other side's section id and its field. The display
        # keys its portal stores are accepted so its saved settings validate as they are.
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "relatedSection": prop("string", "Related section", "Id (or handle) of the section whose "
                                       "single relation points here.", minLength=1, maxLength=63),
                "relatedField": prop("string", "Related field", "Handle of that section's single relation "
                                     "field that links to this section.", pattern="^[a-z][a-z0-9_]*$",
                                     maxLength=63),
                "displayField": prop("string", "Display field", "Which field of a related entry to show.",
                                     default="title"),
                "limit": prop("integer", "Display limit", "Most related entries a form shows.", minimum=1,
                              default=10),
                "sortBy": prop("string", "Sort by", "Field to sort the shown entries by.", default="created_at"),
                "sortOrder": prop("string", "Sort order", "Direction of sortBy.", enum=["ASC", "DESC"],
                                  default="DESC"),
            },
            "required": ["relatedSection", "relatedField"],
        }

    def check_settings(self, settings: dict) -> None:
        section = settings["relatedSection"].strip()
        if not (is_uuid(section) or _HANDLE.fullmatch(section)):
            raise settings_error(self, "relatedSection", "'relatedSection' must be a section id (a UUID) or a "
                                 "section handle such as 'articles'")

    # -- where the links are -----------------------------------------------------------
    def reverse_relation(self, settings: dict | None = None) -> tuple[str, str] | None:
        settings = settings or {}
        return settings["relatedSection"].strip(), settings["relatedField"]

    def relation_target(self, settings: dict | None = None) -> str | None:
        return (settings or {}).get("relatedSection")

    def stores_column(self, settings: dict | None = None) -> bool:
        return False

    def uses_junction(self, settings: dict | None = None) -> bool:
        return False

    def retarget(self, settings: dict | None, target_handle: str) -> dict:
        settings = dict(settings or {})
        if not is_uuid(str(settings.get("relatedSection", ""))):
            settings["relatedSection"] = target_handle  # a handle follows a rename; an id needs not
        return settings

    def conversion_to(self, target, old_settings=None, new_settings=None):
        return None  # no column to convert

    # -- values (read only) --------------------------------------------------------------
    def validate(self, value: Any, settings: dict | None = None) -> tuple[bool, str | None]:
        if value is None:
            return True, None
        return False, "is read only: it lists the entries whose relation points here; set that relation instead"

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        if value is None:
            return []
        return [str(item) for item in value]

    def get_migration_sql(self, field_name: str, settings: dict | None = None, is_required: bool = False):
        return ""  # no column

    def get_index_sql(self, table_name: str, field_name: str, settings: dict | None = None,
                      schema: str = "custom"):
        return None

    # -- PolySynergy's portal ------------------------------------------------------------
    # Its section screens draw this type's cells and inputs by these component names and
    # find the related section in ``props.relatedSection``.
    def get_default_value(self, settings: dict | None = None) -> Any:
        return None  # nothing is stored

    def get_table_cell_config(self, value: Any, settings: dict | None = None,
                              field_config: dict | None = None) -> dict:
        settings = settings or {}
        return {"component": "RelationCountCell", "props": {
            "relatedSection": settings.get("relatedSection"), "relatedField": settings.get("relatedField"),
            "showCount": True, "count": len(value) if isinstance(value, (list, tuple)) else 0}}

    def get_form_input_config(self, settings: dict | None = None, field_config: dict | None = None) -> dict:
        settings, field_config = settings or {}, field_config or {}
        return {"component": "RelationList", "props": {
            "label": field_config.get("label"), "helpText": field_config.get("help_text"),
            "relatedSection": settings.get("relatedSection"), "relatedField": settings.get("relatedField"),
            "displayField": settings.get("displayField", "title"), "limit": settings.get("limit", 10),
            "sortBy": settings.get("sortBy", "created_at"), "sortOrder": settings.get("sortOrder", "DESC"),
            # Written on the other side only (the engine refuses writes naming this field).
            "readOnly": True, "allowAdd": False, "allowRemove": False, "allowReorder": False,
        }, "validation": {"required": bool(field_config.get("is_required", False))}}
