"""Turning database rows into JSON-safe dicts (ISO dates, string UUIDs, exact decimals)."""

from __future__ import annotations

import datetime as _dt
import decimal
import uuid


def json_safe(value):
    """Recursively convert a value from psycopg into something ``json.dumps`` accepts."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return str(value)


def row_dict(cursor, row) -> dict:
    """A row as a JSON-safe dict keyed by column name."""
    return {col.name: json_safe(val) for col, val in zip(cursor.description, row)}


def is_unencodable(value) -> bool:
    """True for text PostgreSQL cannot store (a lone surrogate from a broken UTF-16 source)."""
    if isinstance(value, str):
        if value.isascii():
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, (list, tuple)):
        return any(is_unencodable(v) for v in value)
    if isinstance(value, dict):
        return any(is_unencodable(k) or is_unencodable(v) for k, v in value.items())
    wrapped = getattr(value, "obj", None)  # psycopg's Json/Jsonb wrappers
    return wrapped is not None and is_unencodable(wrapped)


UNENCODABLE_MESSAGE = "contains characters that are not valid Unicode (a lone surrogate)"
