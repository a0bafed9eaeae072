"""What an agent needs to know about a section, as plain JSON.

Built on the engine's descriptors (the entry JSON Schema, the table's columns with
their filter operators), so the agent sees the same rules as every other front end.
Entries are written against the *applied* fields (what the live table has); fields
configured since then are listed apart, so an agent knows to have them migrated first.
"""

from __future__ import annotations

from polysynergy_nodes_content.content_engine.descriptors import (
    default_of,
    entry_schema,
    section_fields,
    table_descriptor,
)
from polysynergy_nodes_content.content_engine.entries import ENTRY_ID, system_field

FILTER_EXAMPLE = {"_or": [{"field_a": "value"}, {"field_b": {"_gt": 5}}]}


def section_summary(section: dict) -> dict:
    applied = {f["handle"] for f in section_fields(section, "applied")}
    configured = [f["handle"] for f in section.get("fields") or []]
    return {
        "handle": section["handle"],
        "label": section.get("label"),
        "description": section.get("description"),
        "fields": configured,
        "table_created": bool(section.get("applied_state")),
        "pending_changes": section.get("migration_status") != "migrated" or set(configured) != applied,
    }


def _id_column(id_type: str = "uuid") -> dict:
    # The operators the query language takes on ``id`` (the engine's own descriptor); an
    # adopted table's id keeps its own type (a whole number also orders).
    column = system_field("id", id_type).ft if id_type != "uuid" else ENTRY_ID
    return {"handle": "id", "type": id_type, "read_only": True, "sortable": True,
            "filter_operators": sorted(column.filter_operators)}


def describe(section: dict, registry, policy_limits: dict) -> dict:
    """Fields, types, operators, the entry schema, and what is not migrated yet."""
    applied = section_fields(section, "applied")
    columns = {c["handle"]: c for c in table_descriptor(section, registry)["columns"]}
    fields = []
    for field in applied:
        column = columns.get(field["handle"]) or {}
        fields.append({
            "handle": field["handle"],
            "label": field.get("label"),
            "type": field["field_type_handle"],
            "settings": field.get("field_settings") or {},
            "required": bool(field.get("is_required")),
            "unique": bool(field.get("is_unique")),
            "default": default_of(field),
            "help_text": field.get("help_text"),
            "filter_operators": column.get("filter_operators",
                                           sorted(registry.get(field["field_type_handle"]).filter_operators)),
            "sortable": column.get("sortable", False),
            **({"read_only": True} if column.get("read_only") else {}),  # the reverse side of a relation
        })
    system = [_id_column(section.get("id_type", "uuid"))] + [
        {"handle": c["handle"], "type": c["type"], "read_only": True, "sortable": c["sortable"],
         "filter_operators": c["filter_operators"]}
        for c in columns.values() if c.get("system")
    ]
    applied_handles = {f["handle"] for f in applied}
    return {
        "handle": section["handle"],
        "label": section.get("label"),
        "description": section.get("description"),
        "title_field": section.get("title_field_handle"),
        "search_fields": list(section.get("search_fields") or []),
        "table_created": bool(section.get("applied_state")),
        "fields": fields,
        "system_fields": system,
        "fields_not_migrated_yet": [f["handle"] for f in section.get("fields") or []
                                    if f["handle"] not in applied_handles],
        "entry_schema": entry_schema(section, registry),
        "filters": {
            "language": 'JSON: {"field": value} means _eq; {"field": {"_op": value}}; nest with _and / _or',
            "example": FILTER_EXAMPLE,
        },
        "order_by": '"field [ASC|DESC], ..." on any sortable field or system field',
        "limits": policy_limits,
    }
