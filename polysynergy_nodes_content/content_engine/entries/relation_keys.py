"""Relations to sections whose entry id is not a uuid (an adopted table keeps its own key:
bigint, integer or text).

A relation field type speaks of UUIDs, since every section the engine makes has one. When
its target keeps another key, the engine hands the planner and the entry API the same
field type with the target's key in place of the uuid: the column (or a junction's
``target_id``) takes the key's type, and values and filter operands parse as such ids.
Everything else (settings, limits, output, its filters' SQL) stays the field type's own.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from polysynergy_section_field.section_field_runner import FieldType

from ..errors import InvalidInput
from .entry_ids import ID_TYPES, adopted_key, parse_entry_id

_KEYED_CLASSES: dict = {}


def _one_id(value: Any, id_type: str):
    try:
        return parse_entry_id(value, id_type)
    except InvalidInput:
        what = "a whole number" if id_type in ("bigint", "integer") else "non-empty text"
        raise ValueError(f"must be an entry id of the related section ({what}, {id_type})") from None


def _ids(value: Any, id_type: str) -> list:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"must be a list of entry ids ({id_type})")
    result, seen = [], set()
    for item in value:
        parsed = _one_id(item, id_type)
        if parsed in seen:
            raise ValueError(f"must not link the same entry twice ({parsed})")
        seen.add(parsed)
        result.append(parsed)
    return result


def _keyed_class(cls: type, id_type: str) -> type:
    """``cls`` with the target's key type in place of the uuid (one class per pair)."""
    key = (cls, id_type)
    if key not in _KEYED_CLASSES:
        def parse_value(self, value, settings=None):
            if self.uses_junction(settings or {}):
                return _ids(value, self.target_id_type)
            return _one_id(value, self.target_id_type)

        def parse_filter_value(self, operator, value, settings=None):
            if self.uses_junction(settings or {}):
                return [_one_id(v, self.target_id_type) for v in (value if isinstance(value, list) else [value])]
            return _one_id(value, self.target_id_type)

        def column_type(self, settings=None):
            return ID_TYPES[self.target_id_type]

        _KEYED_CLASSES[key] = type(f"{cls.__name__}To{id_type.title()}Key", (cls,), {
            "__doc__": f"{cls.__name__} to a section whose entry ids are {id_type}.",
            "target_id_type": id_type, "postgres_type": ID_TYPES[id_type],
            "parse_value": parse_value, "parse_filter_value": parse_filter_value, "column_type": column_type,
        })
    return _KEYED_CLASSES[key]


def keyed_relation(ft: FieldType, id_type: str) -> FieldType:
    """``ft`` (a relation field type) linking entries whose ids are ``id_type``; uuid: ``ft`` itself."""
    if id_type == "uuid":
        return ft
    keyed = _keyed_class(type(ft), id_type).__new__(_keyed_class(type(ft), id_type))
    keyed.__dict__.update(ft.__dict__)
    return keyed


def section_key(conn, system_schema: str, handle: str) -> tuple[str | None, str]:
    """(schema of an adopted section's table or None, the type of its entry ids) of section
    ``handle``; a section the engine made (or one that does not exist) has uuid ids."""
    row = conn.execute(sql.SQL("SELECT table_schema, table_name FROM {} WHERE handle = %s").format(
        sql.Identifier(system_schema, "sections")), (handle,)).fetchone()
    if row is None or row[0] is None:
        return None, "uuid"
    try:
        return row[0], adopted_key(conn, row[0], row[1])["id_type"]
    except InvalidInput:
        return row[0], "uuid"  # the table is gone or has no id: the planner names that itself


__all__ = ["keyed_relation", "section_key"]
