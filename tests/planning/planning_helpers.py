"""Snapshots built in Python, so the planner's diff is tested without a database."""

from __future__ import annotations

import json
import uuid

from polysynergy_nodes_content.content_engine.migrations.planning import PlanningSnapshot, desired_fields, diff
from polysynergy_nodes_content.content_engine.postgres import generated_names as names
from polysynergy_nodes_content.content_engine.postgres.catalog import LiveSection, LiveTable
from polysynergy_nodes_content.content_engine.settings import EngineSettings
from polysynergy_section_field import default_registry

SETTINGS = EngineSettings(notify_pgrst=False)
REGISTRY = default_registry()
SECTION_ID = "5ec7105e-0000-4000-8000-000000000001"


def section(handle="articles", active=True, section_id=SECTION_ID):
    return {"id": section_id, "handle": handle, "label": handle.title(), "table_name": handle, "is_active": active}


def field(handle, type_="text", settings=None, required=False, unique=False, default=None, field_id=None):
    return {"id": field_id or str(uuid.uuid5(uuid.NAMESPACE_URL, handle)), "handle": handle, "label": handle.title(),
            "field_type_handle": type_, "field_settings": settings or {}, "is_required": required,
            "is_unique": unique, "default_value": None if default is None else json.dumps(default)}


def config(sec, fields):
    return {"section": sec, "fields": fields, "config_version": 1}


def live_table(sec, fields, name=None, not_null=(), renamed=None):
    """The live table the engine would have made for these fields (columns and constraints).

    ``renamed`` maps a field handle to the column name it still has in the live table."""
    renamed = renamed or {}
    table = LiveTable(schema="custom", name=name or sec["table_name"], oid=1, comment=names.section_mark(sec["id"]))
    table.columns["id"] = {"type": "uuid", "not_null": True, "default": "gen_random_uuid()", "comment": None,
                           "position": 1}
    registry = REGISTRY
    for position, f in enumerate(desired_fields(config(sec, fields), registry), 2):
        if not f.stores_column:
            continue
        column = renamed.get(f.handle, f.handle)
        table.columns[column] = {
            "type": f.column_type, "not_null": f.required or f.handle in not_null,
            "default": None if not f.has_default else f.default_sql().as_string(None),
            "comment": names.field_mark(f.id), "position": position}
        if f.unique:
            table.constraints[names.unique_name(f.id)] = {
                "type": "u", "definition": f"UNIQUE ({column})", "validated": True, "columns": [column],
                "ref_table": None}
            table.indexes[names.unique_name(f.id)] = {
                "definition": f"CREATE UNIQUE INDEX {names.unique_name(f.id)} ON custom.{table.name} ({column})",
                "valid": True, "unique": True}
        if f.foreign_key_target:
            table.constraints[names.foreign_key_name(f.id)] = {
                "type": "f", "definition": f"FOREIGN KEY ({column}) REFERENCES custom.{f.foreign_key_target}(id) "
                                          "ON DELETE SET NULL", "validated": True, "columns": [column],
                "ref_table": f"custom.{f.foreign_key_target}"}
        for check in f.checks_on(column):
            table.constraints[check] = {"type": "c", "definition": "CHECK (true)", "validated": True,
                                        "columns": [column], "ref_table": None}
        if f.wants_index:
            table.indexes[names.index_name(f.id)] = {
                "definition": f"CREATE INDEX {names.index_name(f.id)} ON custom.{table.name} USING {f.index_method} "
                              f"({column})", "valid": True, "unique": False}
    return table


def snapshot(sec, fields, live=None, populated=False, applied_fields=None, targets=None, junctions=None):
    applied = None if live is None else config(sec, applied_fields if applied_fields is not None else fields)
    return PlanningSnapshot(config(sec, fields), applied, LiveSection(live, junctions or {}), populated,
                            frozenset(), targets or {}, frozenset())


def plan(snap, settings=SETTINGS, registry=REGISTRY):
    return diff(snap, settings, registry, "0a1b2c3d-0000-4000-8000-00000000abcd")


def by_kind(ops, kind):
    found = [op for op in ops if op.kind == kind]
    assert found, [op.kind for op in ops]
    return found[0] if len(found) == 1 else found


def statements(op, phase=None):
    return [s.sql for s in op.up if phase is None or s.phase == phase]
