"""Everything planning needs from the database, read once before the diff.

The diff itself never touches the database, so it can be tested by building a
``PlanningSnapshot`` in Python. Row counts for the review are not part of it: they are
counted after the diff (``measure``), only for the operations that need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ...errors import InvalidInput
from ...postgres import LiveSection, section_table_of, table_exists
from ...settings import EngineSettings
from ...entries import section_key
from ...system import API_ROLES
from .desired import desired_fields

#: ``targets`` value for a target section that exists but has no table yet.
NO_TABLE = None


@dataclass
class PlanningSnapshot:
    """The configuration to reach and the live state to start from."""

    config: dict  # the configuration snapshot: {"section": ..., "fields": [...], "config_version": ...}
    applied_state: dict | None  # the configuration the live table was last migrated to
    live: LiveSection
    #: The live table holds at least one row (decides CONCURRENTLY and NOT VALID + VALIDATE).
    populated: bool = False
    #: The roles of ``settings.grants``, ``settings.read_policy_roles`` and the API roles that exist.
    roles: frozenset = frozenset()
    #: Target section handle -> its live table name (NO_TABLE: not applied yet). A handle
    #: that is missing names no section.
    targets: dict = field(default_factory=dict)
    #: Table names of the content schema the section's table could be renamed to but that are taken.
    taken_names: frozenset = frozenset()
    #: Target section handle -> (its table's schema, its entry ids' type), for adopted targets
    #: (a target that is missing here is a section the engine made: content schema, uuid).
    target_keys: dict = field(default_factory=dict)
    #: The type of this section's own entry ids (a junction's source_id takes it).
    key_type: str = "uuid"

    def target_key(self, handle: str) -> tuple[str | None, str]:
        return self.target_keys.get(handle, (None, "uuid"))

    @property
    def section(self) -> dict:
        return self.config["section"]


def read_snapshot(conn: psycopg.Connection, settings: EngineSettings, registry: FieldTypeRegistry, config: dict,
                  applied_state: dict | None, live: LiveSection, coming: dict | None = None) -> PlanningSnapshot:
    """``coming``: target handle -> the table name its migration, planned earlier in the same
    batch and applied before this one, leaves (a schema file plans several sections at once)."""
    coming = coming or {}
    section = config["section"]
    schema = settings.content_schema
    populated = False
    if live.table is not None:  # an adopted table stays in the schema it was made in
        populated = conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(
            sql.Identifier(live.table.schema, live.table.name))).fetchone()[0]
    wanted_roles = sorted(set(settings.grants) | set(settings.read_policy_roles) | set(API_ROLES))
    roles = frozenset(r[0] for r in conn.execute(
        "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (wanted_roles,)))
    targets, target_keys = {}, {}
    for f in desired_fields(config, registry):
        target = f.relation_target
        if target is None or target in targets:
            continue
        if target in coming:
            targets[target] = coming[target]
            continue
        if target == section["handle"]:
            targets[target] = section["table_name"]
            if live.table is not None and live.table.schema != schema:  # an adopted table linking itself
                target_keys[target] = (live.table.schema, _own_key_type(live))
            continue
        row = conn.execute(
            sql.SQL("SELECT id, table_schema, table_name FROM {} WHERE handle = %s").format(
                sql.Identifier(settings.system_schema, "sections")),
            (target,),
        ).fetchone()
        if row is not None and row[1] is not None:
            # An adopted table: where it was made, keeping its own key type.
            targets[target] = row[2] if table_exists(conn, row[1], row[2]) else NO_TABLE
            target_keys[target] = section_key(conn, settings.system_schema, target)
        elif row is not None:
            targets[target] = section_table_of(conn, schema, str(row[0]))
    taken = frozenset()
    if live.table is not None and live.table.name != section["table_name"] and table_exists(
            conn, schema, section["table_name"]):
        taken = frozenset({section["table_name"]})
    return PlanningSnapshot(config, applied_state, live, populated, roles, targets, taken, target_keys,
                            _own_key_type(live))


def _own_key_type(live: LiveSection) -> str:
    """The type of the section's own entry ids: uuid, or an adopted table's key type."""
    if live.table is None or "id" not in live.table.columns:
        return "uuid"
    return live.table.columns["id"]["type"]
