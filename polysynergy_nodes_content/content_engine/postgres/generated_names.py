"""Deterministic names for generated objects.

Constraint and index names are derived from the *field id*, not its handle, so a
renamed column keeps them and the planner still recognises them. Comments on tables
and columns carry the ids, which is how the live catalog is matched to the
configuration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..identifiers import short_name

SECTION_MARK = "polysynergy:section:"
FIELD_MARK = "polysynergy:field:"
JUNCTION_MARK = "polysynergy:junction:"
#: The comment on an adopted table's column that is no field (a refused type): kept by the table.
KEPT_MARK = "polysynergy:kept:"


def section_mark(section_id) -> str:
    """The comment on a section's table."""
    return SECTION_MARK + str(section_id)


def field_mark(field_id) -> str:
    """The comment on a field's column."""
    return FIELD_MARK + str(field_id)


def kept_mark(section_id) -> str:
    """The comment on a column an adopted table keeps outside its section (accounted for, no field)."""
    return KEPT_MARK + str(section_id)


def junction_mark(section_id, field_id) -> str:
    """The comment on a junction table: its owner section and its field."""
    return f"{JUNCTION_MARK}{section_id}:{field_id}"


def field_id_of_comment(comment: str | None) -> str | None:
    """The field id a column comment carries, or None for a column of no field."""
    if comment and comment.startswith(FIELD_MARK):
        return comment[len(FIELD_MARK):]
    return None


def junction_of_comment(comment: str | None) -> tuple[str, str] | None:
    """(section id, field id) a junction table's comment carries, or None."""
    if not comment or not comment.startswith(JUNCTION_MARK):
        return None
    owner, _, field_id = comment[len(JUNCTION_MARK):].partition(":")
    return owner, field_id


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


def archive_sync_name(field_id) -> str:
    """The trigger (and its function) that keeps a dropped field's archive up to date during the drop."""
    return f"pc_{short_id(field_id)}_archive"


def shadow_index_name(index: str) -> str:
    return f"{index}_new"


def not_null_check_name(field_id) -> str:
    return f"nn_{short_id(field_id)}"


def primary_key_name(section_id) -> str:
    return f"pk_{short_id(section_id)}"


def is_primary_key_name(name: str | None) -> bool:
    """True for a section table's primary key named by ``primary_key_name``."""
    return (name or "").split("_")[0] == "pk"


def system_index_name(section_id, column: str) -> str:
    return f"ix_{short_id(section_id)}_{column}"


#: The suffix of a junction table's unique (source, target) constraint.
JUNCTION_PAIR = "pair"


def junction_object_name(field_id, suffix: str) -> str:
    return f"jx_{short_id(field_id)}_{suffix}"


def policy_name(role: str) -> str:
    return short_name("content_read", role)


#: Prefixes of the names made above that carry a field's short id.
FIELD_PREFIXES = ("uq", "fk", "ix", "ck", "nn", "jx", "pc")


@dataclass(frozen=True)
class ParsedName:
    """What a generated constraint or index name says about itself."""

    prefix: str  # uq, fk, ix, ck, nn, jx, pc
    field_short_id: str
    #: The rule kind of a check (``length``, ``range``...), the suffix of a junction object.
    kind: str | None = None


def parse_name(name: str | None) -> ParsedName | None:
    """The parts of a name made by this module, or None for any other name."""
    parts = (name or "").split("_")
    if len(parts) < 2 or parts[0] not in FIELD_PREFIXES or not parts[1]:
        return None
    kind = parts[2] if len(parts) >= 3 and parts[0] in ("ck", "jx") else None
    if parts[0] == "jx":
        kind = "_".join(parts[2:]) or None
    return ParsedName(parts[0], parts[1], kind)


def is_check_of(name: str, field_id) -> bool:
    """True for a check constraint made for this field (by ``check_name``)."""
    return name.startswith(check_prefix(field_id))


def check_kind(name: str) -> str:
    """The rule kind a check constraint's name carries (``rule`` if it carries none)."""
    parsed = parse_name(name)
    return parsed.kind if parsed and parsed.prefix == "ck" and parsed.kind else "rule"
