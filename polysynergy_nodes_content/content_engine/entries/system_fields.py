"""The system columns (id, created_at, updated_at) as fields the query language filters.

They belong to every section's table, not to a field type, so the engine describes them
itself rather than borrowing a registered type: replacing or removing a built-in type
never changes how ``id`` or ``created_at`` filter.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from polysynergy_section_field.section_field_runner.base_field_type import (
    EQUALITY_OPERATORS,
    ORDERED_OPERATORS,
    FieldType,
    to_instant,
    to_uuid,
)

from ..errors import InvalidInput
from .model import FieldModel, parse_entry_id


class EntryIdColumn(FieldType):
    """The ``id`` column: a UUID, compared for equality only."""

    handle = "id"
    label = "Entry id"
    postgres_type = "uuid"
    filter_operators = EQUALITY_OPERATORS
    sortable = False

    def parse_value(self, value: Any, settings: dict | None = None) -> uuid.UUID:
        return to_uuid(value)


class TimestampColumn(FieldType):
    """``created_at`` / ``updated_at``: an instant; a value without offset is taken as UTC."""

    handle = "timestamp"
    label = "Timestamp"
    postgres_type = "timestamp with time zone"
    filter_operators = ORDERED_OPERATORS

    def parse_value(self, value: Any, settings: dict | None = None) -> dt.datetime:
        return to_instant(value)


class AdoptedKeyColumn(FieldType):
    """The ``id`` of an adopted table that keeps its own key type (bigint, integer, text);
    a whole number orders, so it filters with the ordered operators too."""

    handle = "id"
    label = "Entry id"

    def __init__(self, id_type: str):
        self.id_type = id_type
        self.postgres_type = id_type
        self.filter_operators = EQUALITY_OPERATORS if id_type == "text" else ORDERED_OPERATORS

    def parse_value(self, value: Any, settings: dict | None = None):
        try:
            return parse_entry_id(value, self.id_type)
        except InvalidInput as exc:
            raise ValueError(str(exc).replace("entry_id ", "", 1)) from None


ENTRY_ID = EntryIdColumn()
TIMESTAMP = TimestampColumn()
ADOPTED_KEYS = {t: AdoptedKeyColumn(t) for t in ("bigint", "integer", "text")}


def system_field(name: str, id_type: str = "uuid") -> FieldModel:
    """Pseudo fields for id / created_at / updated_at so they filter like any field."""
    if name == "id":
        return FieldModel("id", "id", ADOPTED_KEYS.get(id_type, ENTRY_ID), {}, True, True, True, True)
    return FieldModel(name, name, TIMESTAMP, {}, True, False, True, True)
