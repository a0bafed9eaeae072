"""The facade's schema-file methods (``ContentEngine`` inherits them): export, check, plan,
apply and drift of the content model as code. Results leave JSON-safe."""

from __future__ import annotations

from ..json_values import json_safe
from .document import check_schema_file
from .drift import schema_drift
from .export import export_schema
from .promote import apply_schema, plan_schema


class SchemaFileMethods:
    def export_schema(self, sections=None) -> str:
        """The content model as a schema file's YAML text (``sections``: only these handles)."""
        self.ensure_installed()
        with self.connection() as conn:
            return export_schema(self._store(conn), sections)

    @staticmethod
    def check_schema_file(text: str) -> dict:
        """Validate a schema file against the shipped format: ``{"valid", "problems", "sections"}``."""
        return check_schema_file(text)

    def plan_schema(self, text: str, prune: bool = False) -> dict:
        """The combined review of applying a schema file here. Nothing is applied or kept: the
        configuration is written and the migrations planned in a transaction rolled back."""
        self.ensure_installed()
        return json_safe(plan_schema(self, text, prune))

    def apply_schema(self, text: str, confirm: bool = False, prune: bool = False, progress=None,
                     expected_digest: str | None = None) -> dict:
        """Apply a schema file: configuration and sealed migrations committed together, then each
        migration applied in order (``confirm`` for destructive ones). Stops at the first failure
        (SchemaApplyStopped, with what is done). ``expected_digest``: the reviewed plan's
        ``digest``; a plan that came out different now is refused (StaleMigration)."""
        self.ensure_installed()
        self.require_session_connection()
        return json_safe(apply_schema(self, text, confirm, prune, progress, expected_digest))

    def schema_drift(self, text: str) -> dict:
        """What differs between a schema file and this database: the configuration, the live tables."""
        self.ensure_installed()
        return json_safe(schema_drift(self, text))
