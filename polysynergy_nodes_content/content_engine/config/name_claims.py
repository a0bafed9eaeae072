"""Which table and column names a configuration change may take.

A section's handle is its table's name and a multiple relation owns a junction table
``<section>_<field>``, so names are checked against sections, junction tables and the
live catalog when the configuration changes, not when a migration is planned. A deleted
section (its table archived) gives its handle up for reuse.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ..errors import InvalidInput
from ..json_values import row_dict
from ..postgres import SECTION_MARK, archived_name, junction_table_name, read_section
from ..settings import EngineSettings


class NameGuard:
    """Name checks over the caller's connection (and transaction)."""

    def __init__(self, conn: psycopg.Connection, settings: EngineSettings, registry: FieldTypeRegistry):
        self.conn = conn
        self.settings = settings
        self.registry = registry

    def _t(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.settings.system_schema, name)

    def _all(self, query, params=()) -> list[dict]:
        cur = self.conn.execute(query, params)
        return [row_dict(cur, row) for row in cur.fetchall()]

    def check_table_name_free(self, name: str, section_id=None) -> None:
        """``name`` may become the handle (and table) of a new section, or of ``section_id``."""
        self.release_deleted_holder(name, section_id)
        taken = self._all(
            sql.SQL("SELECT handle FROM {} WHERE (handle = %s OR table_name = %s) AND id IS DISTINCT FROM %s").format(
                self._t("sections")),
            (name, name, section_id),
        )
        if taken:
            raise InvalidInput(f"a section with handle '{name}' already exists", field="handle")
        for field in self._all(
            sql.SQL(
                "SELECT f.handle, f.field_type_handle, f.field_settings, s.handle AS section_handle "
                "FROM {} f JOIN {} s ON s.id = f.section_id WHERE f.related_section_id IS NOT NULL"
            ).format(self._t("section_fields"), self._t("sections"))
        ):
            if self.uses_junction(field) and junction_table_name(field["section_handle"], field["handle"]) == name:
                raise InvalidInput(
                    f"'{name}' is taken by the relation table of field "
                    f"'{field['section_handle']}.{field['handle']}'",
                    field="handle",
                )
        existing = self.conn.execute(
            "SELECT coalesce(obj_description(c.oid, 'pg_class'), '') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
            (self.settings.content_schema, name),
        ).fetchone()
        # A section renamed back to the name its table still has is fine; any other table is not.
        if existing and (section_id is None or existing[0] != SECTION_MARK + str(section_id)):
            raise InvalidInput(
                f"a table {self.settings.content_schema}.{name} already exists; choose another handle", field="handle"
            )

    def release_deleted_holder(self, name: str, section_id=None) -> None:
        """A deleted section (its table archived by an applied migration) gives its handle
        up: it moves to a retired name, so the handle can be used again. Rolling the
        removal back restores the handle while it is still free."""
        for holder in self._all(
            sql.SQL(
                "SELECT id, handle FROM {} WHERE (handle = %s OR table_name = %s) AND id IS DISTINCT FROM %s "
                "AND NOT is_active AND (applied_state->'section'->>'is_active')::boolean IS FALSE FOR UPDATE"
            ).format(self._t("sections")),
            (name, name, section_id),
        ):
            retired = archived_name(holder["handle"], holder["id"])
            self.conn.execute(
                sql.SQL("UPDATE {} SET handle = %s, table_name = %s WHERE id = %s").format(self._t("sections")),
                (retired, retired, holder["id"]),
            )

    def uses_junction(self, field: dict) -> bool:
        """Whether a stored field keeps its links in a junction table (asked of its type)."""
        if field["field_type_handle"] not in self.registry:
            return False
        return self.registry.get(field["field_type_handle"]).uses_junction(field["field_settings"] or {})

    def check_junction_name_free(self, section: dict, handle: str) -> None:
        name = junction_table_name(section["handle"], handle)
        clash = self._all(sql.SQL("SELECT handle FROM {} WHERE table_name = %s").format(self._t("sections")), (name,))
        if clash:
            raise InvalidInput(
                f"field '{handle}': its relation table {name} would clash with section '{clash[0]['handle']}'",
                field=handle,
            )

    def check_column_free(self, section: dict, handle: str) -> None:
        """A new field's column name must not be taken by a column still in the live table
        (of a removed field whose removal is not applied yet, or added outside the system)."""
        applied = section.get("applied_state")
        name = applied["section"]["table_name"] if applied else section["table_name"]
        schema = section.get("table_schema") or self.settings.content_schema
        live = read_section(self.conn, schema, section["id"], name)
        if live.table is not None and handle in live.table.columns:
            raise InvalidInput(
                f"field '{handle}': column {live.table.name}.{handle} still exists in the live table (a removed "
                "field whose removal is not applied yet, or a column added outside the content system); apply "
                "the pending migration first, or choose another handle",
                field=handle,
            )
