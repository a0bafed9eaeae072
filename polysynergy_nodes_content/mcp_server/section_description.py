"""What an agent needs to know about a section, as plain JSON.

Entries are written against the *applied* fields (what the live table has); fields
configured since then are listed apart, so an agent knows to have them migrated first.
"""

from __future__ import annotations

from polysynergy_nodes_content.content_engine.identifiers import SYSTEM_COLUMNS
from polysynergy_nodes_content.mcp_server.entry_schema import entry_schema

#: The engine filters system columns like these field types (id as a relation to itself).
_SYSTEM_COLUMN_TYPES = {"id": "relation", "created_at": "datetime", "updated_at": "datetime"}
FILTER_EXAMPLE = {"_or": [{"field_a": "value"}, {"field_b": {"_gt": 5}}]}


def applied_fields(section: dict) -> list[dict]:
    applied = section.get("applied_state") or {}
    return list(applied.get("fields") or [])


def section_summary(section: dict) -> dict:
    applied = {f["handle"] for f in applied_fields(section)}
    return {
        "handle": section["handle"],
        "label": section.get("label"),
        "description": section.get("description"),
        "fields": [f["handle"] for f in section.get("fields") or []],
        "table_created": bool(section.get("applied_state")),
        "pending_changes": section.get("migration_status") != "migrated"
        or {f["handle"] for f in section.get("fields") or []} != applied,
    }


def _field(field: dict, registry) -> dict:
    try:
        field_type = registry.get(field["field_type_handle"])
        operators = sorted(field_type.filter_operators)
        sortable = bool(field_type.sortable)
    except Exception:  # a type that is no longer registered: nothing can be filtered on it
        operators, sortable = [], False
    return {
        "handle": field["handle"],
        "label": field.get("label"),
        "type": field["field_type_handle"],
        "settings": field.get("field_settings") or {},
        "required": bool(field.get("is_required")),
        "unique": bool(field.get("is_unique")),
        "default": field.get("default_value"),
        "help_text": field.get("help_text"),
        "filter_operators": operators,
        "sortable": sortable,
    }


def describe(section: dict, registry, policy_limits: dict) -> dict:
    """Fields, types, operators, the entry schema, and what is not migrated yet."""
    applied = applied_fields(section)
    applied_handles = {f["handle"] for f in applied}
    fields = [_field(f, registry) for f in applied]
    pending = [f["handle"] for f in section.get("fields") or [] if f["handle"] not in applied_handles]
    return {
        "handle": section["handle"],
        "label": section.get("label"),
        "description": section.get("description"),
        "title_field": section.get("title_field_handle"),
        "table_created": bool(section.get("applied_state")),
        "fields": fields,
        "system_fields": [{"handle": name, "read_only": True, "sortable": True,
                           "filter_operators": sorted(registry.get(_SYSTEM_COLUMN_TYPES[name]).filter_operators)}
                          for name in SYSTEM_COLUMNS],
        "fields_not_migrated_yet": pending,
        "entry_schema": entry_schema(section, applied),
        "filters": {
            "language": 'JSON: {"field": value} means _eq; {"field": {"_op": value}}; nest with _and / _or',
            "example": FILTER_EXAMPLE,
        },
        "order_by": '"field [ASC|DESC], ..." on any sortable field or system field',
        "limits": policy_limits,
    }
