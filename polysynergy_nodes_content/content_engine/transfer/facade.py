"""The facade's import and export methods (``ContentEngine`` inherits them). Results leave
JSON-safe; an import's report carries its change set id under ``run_id``."""

from __future__ import annotations

from ..json_values import json_safe
from .stream import export_entries, import_entries


class TransferMethods:
    def import_entries(self, section_handle, source, **options) -> dict:
        """Import a CSV or JSON Lines file, all-or-nothing (options: see ``transfer.stream.import_entries``)."""
        return json_safe(import_entries(self, section_handle, source, **options))

    def export_entries(self, section_handle, dest, **options) -> dict:
        """Stream a section's entries to a CSV or JSON Lines file (options: see ``transfer.stream.export_entries``)."""
        return json_safe(export_entries(self, section_handle, dest, **options))
