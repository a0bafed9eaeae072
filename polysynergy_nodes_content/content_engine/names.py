"""Deterministic names for generated objects.

Constraint and index names are derived from the *field id*, not its handle, so a
renamed column keeps them and the planner still recognises them. Comments on tables
and columns carry the ids, which is how the live catalog is matched to the
configuration.
"""

from __future__ import annotations

import hashlib

from .identifiers import short_name

SECTION_MARK = "polysynergy:section:"
FIELD_MARK = "polysynergy:field:"
JUNCTION_MARK = "polysynergy:junction:"


def short_id(any_id) -> str:
    return str(any_id).replace("-", "")[:12]


def junction_table_name(section_handle: str, field_handle: str) -> str:
    """``<section>_<field>``, shortened deterministically past 63 bytes."""
    return short_name(section_handle, field_handle)


def archived_name(table: str, migration_id) -> str:
    return short_name(table, "archived", short_id(migration_id)[:8])


def archived_column_table(table: str, column: str, migration_id) -> str:
    return short_name(table, column, short_id(migration_id)[:8])


def unique_name(field_id) -> str:
    return f"uq_{short_id(field_id)}"


def foreign_key_name(field_id) -> str:
    return f"fk_{short_id(field_id)}"


def index_name(field_id) -> str:
    return f"ix_{short_id(field_id)}"


def check_prefix(field_id) -> str:
    return f"ck_{short_id(field_id)}_"


def check_name(field_id, kind: str, expression_text: str) -> str:
    """Includes a hash of the rule, so a changed rule gets a new constraint."""
    digest = hashlib.sha1(expression_text.encode()).hexdigest()[:6]
    return short_name(f"ck_{short_id(field_id)}", kind, digest)


def shadow_column(field_id) -> str:
    """The new column an online type change fills before it takes the field's place."""
    return f"pc_{short_id(field_id)}_new"


def shadow_sync_name(field_id) -> str:
    return f"pc_{short_id(field_id)}_sync"


def shadow_index_name(index: str) -> str:
    return f"{index}_new"


def not_null_check_name(field_id) -> str:
    return f"nn_{short_id(field_id)}"


def primary_key_name(section_id) -> str:
    return f"pk_{short_id(section_id)}"


def system_index_name(section_id, column: str) -> str:
    return f"ix_{short_id(section_id)}_{column}"


def junction_object_name(field_id, suffix: str) -> str:
    return f"jx_{short_id(field_id)}_{suffix}"


def policy_name(role: str) -> str:
    return short_name("content_read", role)
