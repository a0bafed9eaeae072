"""Entry ids: a uuid for every section the engine made, or an adopted table's own key
(bigint, integer, text), parsed as the key column takes it."""

from __future__ import annotations

import uuid

from psycopg import sql

from ..errors import InvalidInput


#: Key types an entry id may have -> the PostgreSQL type its parameters are cast to.
ID_TYPES = {"uuid": "uuid", "bigint": "bigint", "integer": "integer", "text": "text"}
_WHOLE_RANGE = {"bigint": 2 ** 63, "integer": 2 ** 31}


def parse_entry_id(entry_id, id_type: str = "uuid"):
    """An entry id as the key column takes it: a UUID, a whole number (bigint, integer) or text."""
    if id_type in _WHOLE_RANGE:
        text = str(entry_id).strip() if isinstance(entry_id, (int, str)) and not isinstance(entry_id, bool) else ""
        if not text.lstrip("-").isdigit() or not -_WHOLE_RANGE[id_type] <= int(text) < _WHOLE_RANGE[id_type]:
            raise InvalidInput(f"entry_id {str(entry_id)[:80]!r} is not a valid id (a whole number, {id_type})",
                               field="entry_id")
        return int(text)
    if id_type == "text":
        if not isinstance(entry_id, (str, int, uuid.UUID)) or isinstance(entry_id, bool) or not str(entry_id).strip():
            raise InvalidInput(f"entry_id {str(entry_id)[:80]!r} is not a valid id (text)", field="entry_id")
        return str(entry_id)
    if isinstance(entry_id, uuid.UUID):
        return entry_id
    try:
        return uuid.UUID(str(entry_id).strip())
    except (ValueError, AttributeError):
        raise InvalidInput(f"entry_id {str(entry_id)[:80]!r} is not a valid UUID", field="entry_id") from None


def adopted_key(conn, schema: str, table_name: str) -> dict:
    """The key type of an adopted table and the sequence its identity or serial key draws from."""
    qualified = sql.Identifier(schema, table_name).as_string(conn)
    row = conn.execute(
        "SELECT format_type(a.atttypid, NULL), pg_get_serial_sequence(%s, 'id'), a.atthasdef OR a.attidentity <> '' "
        "FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(%s) AND a.attname = 'id' AND NOT a.attisdropped", (qualified, qualified)).fetchone()
    id_type = {"uuid": "uuid", "bigint": "bigint", "integer": "integer", "text": "text"}.get(row[0] if row else "")
    if id_type is None:
        raise InvalidInput(f"table {schema}.{table_name} has no id column the engine can use", field="section_handle")
    return {"id_type": id_type, "id_sequence": row[1], "id_has_default": row[2]}
