"""The field-type registry mirrored into the ``field_type_registry`` table.

The registry (Python, entry points) is the source; the table lets SQL clients and other
processes see which types exist. Syncing is an idempotent upsert that rewrites a row
only when its description changed.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ..settings import EngineSettings

_UPSERT = (
    "INSERT INTO {} (handle, label, postgres_type, ui_component, settings_schema, category, icon, "
    "version, filter_operators, description) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (handle) DO UPDATE SET label = EXCLUDED.label, postgres_type = EXCLUDED.postgres_type, "
    "ui_component = EXCLUDED.ui_component, settings_schema = EXCLUDED.settings_schema, "
    "category = EXCLUDED.category, icon = EXCLUDED.icon, version = EXCLUDED.version, "
    "filter_operators = EXCLUDED.filter_operators, description = EXCLUDED.description "
    "WHERE ({t}.label, {t}.postgres_type, {t}.ui_component, {t}.settings_schema, {t}.category, "
    "{t}.icon, {t}.version, {t}.filter_operators, {t}.description) IS DISTINCT FROM "
    "(EXCLUDED.label, EXCLUDED.postgres_type, EXCLUDED.ui_component, EXCLUDED.settings_schema, "
    "EXCLUDED.category, EXCLUDED.icon, EXCLUDED.version, EXCLUDED.filter_operators, EXCLUDED.description)"
)


def _table(settings: EngineSettings) -> sql.Identifier:
    return sql.Identifier(settings.system_schema, "field_type_registry")


def sync_field_types(conn: psycopg.Connection, settings: EngineSettings, registry: FieldTypeRegistry) -> list[str]:
    """Upsert every registered type; returns the handles, sorted."""
    query = sql.SQL(_UPSERT).format(_table(settings), t=sql.Identifier("field_type_registry"))
    handles = []
    for ft in registry:
        d = ft.describe()
        conn.execute(query, (
            d["handle"], d["label"], d["postgres_type"], d["ui_component"],
            Jsonb(d["settings_schema"]) if d["settings_schema"] is not None else None, d["category"], d["icon"],
            d["version"], Jsonb(d["filter_operators"]), d["description"],
        ))
        handles.append(d["handle"])
    return sorted(handles)


def unsynced_handles(conn: psycopg.Connection, settings: EngineSettings, registry: FieldTypeRegistry) -> set[str]:
    """Registered types the table does not list yet."""
    listed = {r[0] for r in conn.execute(sql.SQL("SELECT handle FROM {}").format(_table(settings)))}
    return set(registry.handles()) - listed
