"""Validation of user-chosen identifiers and deterministic names for generated ones.

Every identifier that reaches SQL passes ``check_identifier`` and is then quoted with
``psycopg.sql.Identifier``. Generated names are shortened with a hash suffix because
PostgreSQL silently truncates names longer than 63 bytes.
"""

from __future__ import annotations

import hashlib
import re

from .errors import InvalidInput

IDENTIFIER_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_IDENTIFIER_BYTES = 63
SYSTEM_COLUMNS = ("id", "created_at", "updated_at")
#: PostgreSQL's hidden system columns: a user column may not share their names.
POSTGRES_SYSTEM_COLUMNS = ("ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid")


def check_identifier(value, what: str = "handle") -> str:
    """Return ``value`` if it is a safe lower-case identifier, else raise InvalidInput."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{what} must be a non-empty string", field=what)
    if len(value.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise InvalidInput(
            f"{what} '{value[:70]}' is too long ({len(value.encode('utf-8'))} bytes, at most 63)", field=what
        )
    if not IDENTIFIER_PATTERN.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} is invalid: use lower-case letters, digits and underscores, "
            "starting with a letter (pattern ^[a-z][a-z0-9_]*$)",
            field=what,
        )
    return value


def check_field_handle(value) -> str:
    """A field handle: a valid identifier that is not a system column."""
    check_identifier(value, "field handle")
    if value in SYSTEM_COLUMNS or value in POSTGRES_SYSTEM_COLUMNS:
        raise InvalidInput(
            f"field handle '{value}' is reserved for a system column "
            f"({', '.join(SYSTEM_COLUMNS + POSTGRES_SYSTEM_COLUMNS)})",
            field="field handle",
        )
    return value


def short_name(*parts: str, limit: int = MAX_IDENTIFIER_BYTES) -> str:
    """Join parts with '_' and, if too long, cut and add an 8-hex hash of the full name."""
    name = "_".join(p for p in parts if p)
    if len(name.encode("utf-8")) <= limit:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    keep = limit - len(digest) - 1
    return f"{name.encode('utf-8')[:keep].decode('utf-8', 'ignore').rstrip('_')}_{digest}"
