"""Migration operations that switch a section's history capture on, off, or follow its columns.

The capture is three statement-level triggers (insert, update, delete) calling
``content_history_capture`` with the section id and the id of the column map in force.
Their names carry that map id, so the live catalog tells the planner which map the
table captures with: a migration that renames, adds or drops a column also re-creates
the triggers with the new map (``refresh_history``), in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from psycopg import sql

from ...postgres import generated_names as names
from ..steps import Step
from .base import MigrationOperation, step

ORDER_HISTORY = 85
TRIGGER_PREFIX = "content_history_"
#: trigger name letter -> (event, transition tables)
EVENTS = {"i": ("INSERT", "NEW TABLE AS new_rows"),
          "u": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
          "d": ("DELETE", "OLD TABLE AS old_rows")}


def column_map(fields) -> dict:
    """{column: field id} of the fields that store a column (desired or applied)."""
    return {f.handle: str(f.id) for f in fields if f.stores_column}


def map_id(section_id, columns: dict) -> str:
    """A map's id: a hash of the section and its columns, so equal maps share one row."""
    payload = json.dumps({"section": str(section_id), "columns": columns}, sort_keys=True)
    return str(uuid.UUID(hashlib.md5(payload.encode()).hexdigest()))


def trigger_names(map_uuid: str) -> dict:
    """letter -> trigger name for a map (``content_history_u_<32 hex>``)."""
    return {letter: f"{TRIGGER_PREFIX}{letter}_{uuid.UUID(map_uuid).hex}" for letter in EVENTS}


def live_map_id(triggers) -> str | None:
    """The map id the live table's history triggers capture with (None: no capture)."""
    for name in triggers:
        if name.startswith(TRIGGER_PREFIX) and len(name) == len(TRIGGER_PREFIX) + 34:
            return str(uuid.UUID(name[-32:]))
    return None


class _HistoryOperation(MigrationOperation):
    order = ORDER_HISTORY
    lock = "SHARE ROW EXCLUSIVE"
    lock_note = "brief: creating or dropping a trigger; writers wait until the migration commits"

    def __init__(self, ctx, section: dict, table_name: str, columns: dict | None, live_map: str | None):
        self.section, self.table_name, self.columns, self.live_map = section, table_name, columns, live_map
        self.map_id = map_id(section["id"], columns) if columns is not None else None
        super().__init__(ctx)

    def _system(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.ctx.settings.system_schema, name)

    def _record_map(self) -> Step:
        return step(sql.SQL("INSERT INTO {} (id, section_id, columns) VALUES ({}, {}, {}) ON CONFLICT (id) DO NOTHING")
                    .format(self._system("content_history_maps"), sql.Literal(self.map_id),
                            sql.Literal(str(self.section["id"])), sql.Literal(json.dumps(self.columns, sort_keys=True))))

    def _start(self) -> Step:
        """From now on, an entry last written earlier gets its values recorded before its first update."""
        return step(sql.SQL("UPDATE {} SET history_since = now() WHERE id = {}").format(
            self._system("sections"), sql.Literal(str(self.section["id"]))))

    def _create(self, map_uuid: str) -> list[Step]:
        table = self.table(self.table_name)
        out = []
        for letter, name in trigger_names(map_uuid).items():
            event, transitions = EVENTS[letter]
            out.append(step(sql.SQL(
                "CREATE TRIGGER {} AFTER {} ON {} REFERENCING {} FOR EACH STATEMENT EXECUTE FUNCTION {}({}, {})").format(
                sql.Identifier(name), sql.SQL(event), table, sql.SQL(transitions),
                self._system("content_history_capture"), sql.Literal(str(self.section["id"])),
                sql.Literal(map_uuid))))
        return out

    def _drop(self, map_uuid: str) -> list[Step]:
        table = self.table(self.table_name)
        return [step(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(name), table))
                for name in trigger_names(map_uuid).values()]


class EnableHistory(_HistoryOperation):
    """History capture on: every insert, update and delete of the table is recorded."""

    kind = "enable_history"

    def describe(self) -> str:
        return (f"Record the history of every entry of {self.ctx.schema}.{self.table_name} (statement triggers "
                "writing the changed entries to the private history table)")

    def forwards(self) -> list[Step]:
        return [self._record_map(), self._start(), *self._create(self.map_id)]

    def backwards(self) -> list[Step]:
        return self._drop(self.map_id)


class DisableHistory(_HistoryOperation):
    """History capture off; the recorded history stays (retention still prunes it)."""

    kind = "disable_history"

    def describe(self) -> str:
        return (f"Stop recording the history of {self.ctx.schema}.{self.table_name} "
                "(recorded versions are kept)")

    def forwards(self) -> list[Step]:
        return self._drop(self.live_map)

    def backwards(self) -> list[Step]:
        return [self._start(), *self._create(self.live_map)]


class RefreshHistory(_HistoryOperation):
    """The capture follows renamed, added or dropped columns (a new column map)."""

    kind = "refresh_history"

    def describe(self) -> str:
        return f"Record the history of {self.ctx.schema}.{self.table_name} with its new columns"

    def forwards(self) -> list[Step]:
        return [self._record_map(), *self._drop(self.live_map), *self._create(self.map_id)]

    def backwards(self) -> list[Step]:
        return [*self._drop(self.map_id), *self._create(self.live_map)]


LINK_TRIGGERS = {"INSERT": ("content_history_links_i", "NEW TABLE AS new_rows"),
                 "DELETE": ("content_history_links_d", "OLD TABLE AS old_rows")}


class _LinkHistoryOperation(MigrationOperation):
    order = ORDER_HISTORY
    lock = "SHARE ROW EXCLUSIVE"
    lock_note = "brief: creating or dropping a trigger on a relation table"

    def __init__(self, ctx, section: dict, junction: str, field):
        self.section, self.junction, self.field = section, junction, field
        super().__init__(ctx)

    def _create(self) -> list[Step]:
        return [step(sql.SQL("CREATE TRIGGER {} AFTER {} ON {} REFERENCING {} FOR EACH STATEMENT "
                             "EXECUTE FUNCTION {}({}, {})").format(
            sql.Identifier(name), sql.SQL(event), self.table(self.junction), sql.SQL(transitions),
            sql.Identifier(self.ctx.settings.system_schema, "content_history_capture_links"),
            sql.Literal(str(self.section["id"])), sql.Literal(str(self.field.id))))
            for event, (name, transitions) in LINK_TRIGGERS.items()]

    def _drop(self) -> list[Step]:
        return [step(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(name), self.table(self.junction)))
                for name, _ in LINK_TRIGGERS.values()]


class EnableLinkHistory(_LinkHistoryOperation):
    """The links of a multiple relation are recorded as changes of their source entry."""

    kind = "enable_link_history"

    def describe(self) -> str:
        return f"Record the links of field '{self.field.handle}' ({self.ctx.schema}.{self.junction}) in the history"

    def forwards(self) -> list[Step]:
        return self._create()

    def backwards(self) -> list[Step]:
        return self._drop()


class DisableLinkHistory(_LinkHistoryOperation):
    kind = "disable_link_history"

    def describe(self) -> str:
        return f"Stop recording the links of field '{self.field.handle}' ({self.ctx.schema}.{self.junction})"

    def forwards(self) -> list[Step]:
        return self._drop()

    def backwards(self) -> list[Step]:
        return self._create()


def history_operations(ctx, section: dict, fields, table_name: str, live_table, live_junctions=None) -> list:
    """Capture on, off or re-mapped so the live table (and its relation tables) match the
    section's ``history`` setting."""
    wanted = section.get("history") is True  # a configuration from before history has no key: off
    live = live_map_id(live_table.triggers) if live_table is not None else None
    columns = column_map(fields)
    ops: list = []
    if wanted and live is None:
        ops.append(EnableHistory(ctx, section, table_name, columns, None))
    elif not wanted and live is not None:
        ops.append(DisableHistory(ctx, section, table_name, None, live))
    elif wanted and live != map_id(section["id"], columns):
        ops.append(RefreshHistory(ctx, section, table_name, columns, live))
    for f in fields:
        if not f.uses_junction:
            continue
        existing = (live_junctions or {}).get(f.id)
        recorded = existing is not None and LINK_TRIGGERS["INSERT"][0] in existing.triggers
        junction = names.junction_table_name(section["handle"], f.handle)
        if wanted and not recorded:
            ops.append(EnableLinkHistory(ctx, section, junction, f))
        elif not wanted and recorded:
            ops.append(DisableLinkHistory(ctx, section, junction, f))
    return ops
