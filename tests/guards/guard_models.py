"""Sections built in memory, without a database, for the fast tests of the rule and filter
compilers: the same configuration snapshot the engine stores gives the entry model (as
``ModelCache.load`` builds it) and the planner's fields (as ``desired_fields`` reads them)."""

from __future__ import annotations

import uuid

from psycopg import sql

from polysynergy_nodes_content.content_engine.entries.model import FieldModel, SectionModel
from polysynergy_nodes_content.content_engine.migrations.planning.desired import desired_fields
from polysynergy_nodes_content.content_engine.postgres import generated_names as names
from polysynergy_nodes_content.content_engine.rules.language import parse_rules
from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldTypeRegistry

REGISTRY = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
SECTION_ID = "5ec7f00d-0000-4000-8000-000000000001"


def field_id(handle: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"field/{handle}"))


def snapshot(fields: dict, section_rules=None, field_rules: dict | None = None, handle: str = "events") -> dict:
    """``fields``: handle -> (type handle, settings); ``field_rules``: handle -> rules."""
    field_rules = field_rules or {}
    return {
        "section": {"id": SECTION_ID, "handle": handle, "table_name": handle, "validation_rules": section_rules},
        "fields": [
            {"id": field_id(h), "handle": h, "label": h, "field_type_handle": t, "field_settings": s,
             "is_required": False, "is_unique": False, "default_value": None,
             "custom_validation_rules": field_rules.get(h)}
            for h, (t, s) in fields.items()
        ],
    }


def section_model(fields: dict, section_rules=None, field_rules: dict | None = None,
                  handle: str = "events", pending=(), registry: FieldTypeRegistry = REGISTRY) -> SectionModel:
    snap = snapshot(fields, section_rules, field_rules, handle)
    rules = parse_rules(section_rules, f"section '{handle}'")
    models = {}
    for f in snap["fields"]:
        ft = registry.get(f["field_type_handle"])
        settings = f["field_settings"] or {}
        stores, target = ft.stores_column(settings), ft.foreign_key_target(settings)
        models[f["handle"]] = FieldModel(
            id=f["id"], handle=f["handle"], ft=ft, settings=settings, required=False, unique=False,
            has_default=False, stores_column=stores, target_section=target,
            junction=None if stores or not target else names.junction_table_name(handle, f["handle"]))
        rules += parse_rules(f["custom_validation_rules"], f"field '{f['handle']}'", f["handle"])
    return SectionModel(id=SECTION_ID, handle=handle, table_name=handle, schema="content", fields=models,
                        pending_handles=set(pending), rules=rules)


def planned_fields(snap: dict, registry: FieldTypeRegistry = REGISTRY) -> list:
    return desired_fields(snap, registry)


def render(composable: sql.Composable) -> str:
    """SQL as the server would receive it (psycopg renders without a connection)."""
    return composable.as_string(None)
