"""The facade's adoption methods (``ContentEngine`` inherits them)."""

from __future__ import annotations

from ..errors import Refused
from ..json_values import json_safe
from .catalog import split_table_name
from .report import adoption_report


class AdoptionMethods:
    def adopt_table(self, table: str, dry_run: bool = True) -> dict:
        """Adopt a table made elsewhere (``schema.table``) as a section. ``dry_run``: only the
        report of how every column, key, constraint and index maps; nothing is changed."""
        self.ensure_installed()
        schema, name = split_table_name(table, self.settings.content_schema)
        with self.connection() as conn:
            conn.execute("SET TRANSACTION READ ONLY")
            report = adoption_report(conn, self.settings, self.registry, schema, name)
        if not dry_run:
            raise Refused(f"adopting {schema}.{name} in place is not available yet: run it with dry_run "
                          "(--dry-run) for the report")
        return json_safe(report)
