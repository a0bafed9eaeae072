"""Looking up sections and fields in the system tables, and snapshotting them.

The base of the configuration store: every writer needs the same lookups, and migration
records store the snapshot this module takes.
"""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ..errors import InvalidInput, NotFound
from ..json_values import row_dict
from ..section_scope import EVERY_SECTION, SectionScope
from ..settings import EngineSettings
from .name_claims import NameGuard
from .restore import restore_configuration
from .values import FIELD_KEYS

SNAPSHOT_SECTION_KEYS = ("id", "handle", "label", "description", "icon", "table_name", "title_field_handle",
                         "is_active", "search_fields", "validation_rules", "history")


class ConfigReader:
    """Lookups over one connection (the caller's transaction); NotFound names what was asked for."""

    def __init__(self, conn: psycopg.Connection, settings: EngineSettings, registry: FieldTypeRegistry,
                 scope: SectionScope = EVERY_SECTION):
        self.conn = conn
        #: Sections outside it are answered as missing (lookups, lists, relation targets).
        self.scope = scope
        self.settings = settings
        self.registry = registry
        self.names = NameGuard(conn, settings, registry)

    def _t(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.settings.system_schema, name)

    def _one(self, query, params=()) -> dict | None:
        cur = self.conn.execute(query, params)
        row = cur.fetchone()
        return row_dict(cur, row) if row else None

    def _all(self, query, params=()) -> list[dict]:
        cur = self.conn.execute(query, params)
        return [row_dict(cur, row) for row in cur.fetchall()]

    # -- sections ------------------------------------------------------------------
    def find_section(self, ref, lock: bool = False) -> dict:
        """A section by id or handle; NotFound names what was asked for."""
        if ref is None or (isinstance(ref, str) and not ref.strip()):
            raise InvalidInput("a section id or handle is required", field="section")
        ref = str(ref).strip()
        suffix = sql.SQL(" FOR UPDATE" if lock else "")
        try:
            uuid.UUID(ref)
            row = self._one(sql.SQL("SELECT * FROM {} WHERE id = %s").format(self._t("sections")) + suffix, (ref,))
        except ValueError:
            row = self._one(
                sql.SQL("SELECT * FROM {} WHERE handle = %s").format(self._t("sections")) + suffix, (ref,)
            )
        if row is None or not self.scope.allows(row["handle"]):
            raise NotFound(f"section '{ref}' does not exist", field="section")
        return row

    def list_sections(self) -> list[dict]:
        found = self._all(sql.SQL("SELECT * FROM {} ORDER BY handle").format(self._t("sections")))
        return [s for s in found if self.scope.allows(s["handle"])]

    def bump(self, section_id) -> None:
        """Record that the desired configuration changed."""
        self.conn.execute(
            sql.SQL(
                "UPDATE {} SET config_version = config_version + 1, migration_status = 'pending' WHERE id = %s"
            ).format(self._t("sections")),
            (section_id,),
        )

    def _set_title_field(self, section_id, handle: str | None) -> None:
        self.conn.execute(
            sql.SQL("UPDATE {} SET title_field_handle = %s WHERE id = %s").format(self._t("sections")), (handle, section_id))

    # -- fields --------------------------------------------------------------------
    def fields(self, section_id) -> list[dict]:
        return self._all(
            sql.SQL("SELECT * FROM {} WHERE section_id = %s ORDER BY sort_order, created_at, handle").format(
                self._t("section_fields")
            ),
            (section_id,),
        )

    def find_field(self, field_id, lock: bool = False) -> dict:
        try:
            uuid.UUID(str(field_id))
        except ValueError:
            raise InvalidInput(f"field id {field_id!r} is not a UUID", field="field_id") from None
        suffix = sql.SQL(" FOR UPDATE" if lock else "")
        row = self._one(
            sql.SQL("SELECT * FROM {} WHERE id = %s").format(self._t("section_fields")) + suffix, (str(field_id),)
        )
        if row is None:
            raise NotFound(f"field '{field_id}' does not exist", field="field_id")
        return row

    def find_field_by_handle(self, section_id, handle: str) -> dict:
        row = self._one(
            sql.SQL("SELECT * FROM {} WHERE section_id = %s AND handle = %s").format(self._t("section_fields")),
            (section_id, handle),
        )
        if row is None:
            raise NotFound(f"field '{handle}' does not exist in this section", field=handle)
        return row

    # -- snapshots -----------------------------------------------------------------
    def snapshot(self, section_id) -> dict:
        """The complete configuration of a section, as stored in migration records."""
        section = self.find_section(section_id)
        return {
            "section": {k: section[k] for k in SNAPSHOT_SECTION_KEYS},
            "config_version": section["config_version"],
            "fields": [_field_snapshot(f) for f in self.fields(section["id"])],
        }

    def restore_fields(self, section_id, state: dict | None) -> None:
        """Make the section's configuration exactly ``state`` (used by rollback)."""
        restore_configuration(self.conn, self.settings, section_id, state)


def _field_snapshot(field: dict) -> dict:
    keep = ("id", "related_section_id") + FIELD_KEYS + (("adopted_type",) if field.get("adopted_type") else ())
    return {k: field.get(k) for k in keep}
