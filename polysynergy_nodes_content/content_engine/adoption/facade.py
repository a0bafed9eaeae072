"""The facade's adoption methods (``ContentEngine`` inherits them)."""

from __future__ import annotations

from ..errors import NotFound
from ..json_values import json_safe
from ..postgres import read_section
from .catalog import split_table_name
from .in_place import adopt_in_place, adopted_section, refresh_in_place
from .report import adoption_report


class AdoptionMethods:
    def adopt_table(self, table: str, dry_run: bool = True, refresh: bool = False) -> dict:
        """Adopt a table made elsewhere (``schema.table``) as a section. ``dry_run``: only the
        report of how every column, key, constraint and index maps; nothing is changed.
        Without it: the section's configuration is written and its adoption migration
        recorded (reviewed and sealed, not applied): ``{"adoption", "section", "migration"}``.
        ``refresh``: the table is adopted already; columns another tool added since are
        taken into its section as they are, and the section's migration planned
        (``{"adoption", "added", "not_taken", "migration"}``)."""
        self.ensure_installed()
        schema, name = split_table_name(table, self.settings.content_schema)
        if refresh:
            return self._refresh_adopted(schema, name, dry_run)
        if dry_run:
            with self.connection() as conn:
                conn.execute("SET TRANSACTION READ ONLY")
                return json_safe(adoption_report(conn, self.settings, self.registry, schema, name))
        with self.connection() as conn:
            report = adoption_report(conn, self.settings, self.registry, schema, name)
            migration = adopt_in_place(self, conn, report)
        self.entries.invalidate()
        return json_safe({"adoption": report, "section": self.get_section(report["section_handle"]),
                          "migration": migration})

    def entry_id_type(self, section) -> str:
        """The type of a section's entry ids: uuid, or the key type of the table it adopted."""
        found = self.get_section(section)
        return self.entries.id_type(found["handle"]) if found.get("table_schema") and found["applied_state"] else "uuid"

    def related_id_types(self, section) -> dict:
        """Target section handle -> the type of its entry ids, for the relations of
        ``section`` whose target keeps an adopted table's own key (not uuid)."""
        found = self.get_section(section)
        out = {}
        for f in found.get("fields") or []:
            target = self.registry.get(f["field_type_handle"]).relation_target(f.get("field_settings") or {})
            if target and target not in out:
                try:
                    out[target] = self.entry_id_type(target)
                except NotFound:
                    continue  # a target that does not exist yet: the plan names it
        return {handle: key for handle, key in out.items() if key != "uuid"}

    def _refresh_adopted(self, schema: str, name: str, dry_run: bool) -> dict:
        with self.connection() as conn:
            section = adopted_section(conn, self.settings, schema, name)
            report = adoption_report(conn, self.settings, self.registry, schema, name)
            unaccounted = read_section(conn, schema, section["id"], name).table.unaccounted_columns()
            if dry_run:
                conn.rollback()
                return json_safe({"adoption": report, "unaccounted": unaccounted})
            taken = refresh_in_place(self, conn, report, self._store(conn).find_section(section["id"]), unaccounted)
        self.entries.invalidate()
        migration = self.plan_migration(section["handle"]) if taken["added"] else None
        return json_safe({"adoption": report, "section_handle": section["handle"], **taken, "migration": migration})
