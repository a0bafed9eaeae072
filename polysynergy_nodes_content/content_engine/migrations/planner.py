"""The planner: configuration against the live table -> ordered, counted, linted operations.

Three steps, each in its own module: read what planning needs from the database
(``planning.snapshot``), diff it against the desired configuration without touching the
database (``planning.diff``), then count the pre-checks and lint (``planning.measure``).
"""

from __future__ import annotations

import psycopg

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ..postgres import LiveSection
from ..settings import EngineSettings
from .planning import diff, measure, read_snapshot
from .steps import Operation


class Planner:
    def __init__(self, conn: psycopg.Connection, settings: EngineSettings, registry: FieldTypeRegistry,
                 migration_id: str):
        self.conn = conn
        self.settings = settings
        self.registry = registry
        self.migration_id = migration_id
        #: What a type change does with values that do not convert: refuse, null, default.
        self.on_convert_failure = "refuse"
        #: Target handle -> table name, for targets whose migration runs earlier in the same batch.
        self.coming_tables: dict = {}

    def plan(self, config: dict, applied_state: dict | None, live: LiveSection) -> list[Operation]:
        snapshot = read_snapshot(self.conn, self.settings, self.registry, config, applied_state, live,
                                 self.coming_tables)
        operations = diff(snapshot, self.settings, self.registry, self.migration_id, self.on_convert_failure)
        return measure(self.conn, operations)

