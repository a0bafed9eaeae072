"""Database errors of an entry write, told as the field and the reason.

Every write path (single, batch, upsert, import) sends its psycopg errors through
``translate_error``, so a unique, foreign key, check or not-null violation reads the
same wherever it happens, and a batch error names the item it came from.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import errors as pg_errors

from ..errors import ContentError, DatabaseFailure, InvalidInput, database_message
from ..postgres import generated_names as names
from .model import FieldModel, SectionModel

_DETAIL_KEY = re.compile(r"^Key \((.+?)\)=\((.*)\) ", re.DOTALL)
_COPY_LINE = re.compile(r"COPY (\S+), line (\d+)")
#: Generated names of constraints that belong to one field (indexes never raise a violation).
CONSTRAINT_PREFIXES = ("uq", "fk", "ck", "nn", "jx")
#: The reason of a foreign key violation (``.format(target section)``); imports add to it.
MISSING_TARGET = "the related entry does not exist in section '{}'"


def explain_db_error(exc: psycopg.Error, model: SectionModel) -> tuple[FieldModel | None, str, str] | None:
    """(field, its name, the reason) for a constraint or data error; None for other errors.

    Generated constraint names carry the field id (``uq_<id>``, ``ck_<id>_<kind>_...``),
    so the field is found even after a rename."""
    diag = exc.diag
    constraint = diag.constraint_name or ""
    parsed = names.parse_name(constraint)
    field = None
    if parsed is not None and parsed.prefix in CONSTRAINT_PREFIXES:
        field = model.field_by_short_id(parsed.field_short_id)
    if field is None and diag.column_name:
        field = model.fields.get(diag.column_name)
    if field is None:
        key = _DETAIL_KEY.match(diag.message_detail or "")
        if key and key.group(1) in model.fields:
            field = model.fields[key.group(1)]
    name = field.handle if field else (diag.column_name or constraint or "entry")
    if isinstance(exc, pg_errors.UniqueViolation):
        if parsed is not None and parsed.prefix == "jx" and parsed.kind == names.JUNCTION_PAIR:
            reason = "lists the same related entry twice"
        elif names.is_primary_key_name(constraint) or constraint.endswith("_pkey"):
            name, reason = "id", "an entry with this id already exists"
        else:
            reason = "this value already exists in another entry (the field is unique)"
    elif isinstance(exc, pg_errors.ForeignKeyViolation):
        target = field.target_section if field else "the target section"
        reason = MISSING_TARGET.format(target)
    elif isinstance(exc, pg_errors.CheckViolation):
        rule = model.rule_message(constraint)
        if rule is not None:
            name, reason = rule
        else:
            kind = parsed.kind if parsed is not None and parsed.prefix == "ck" and parsed.kind else "value"
            reason = f"the value breaks the field's {kind} rule"
    elif isinstance(exc, pg_errors.NotNullViolation):
        reason = "is required"
    elif isinstance(exc, pg_errors.DataError):
        reason = f"the value is not valid: {database_message(exc)}"
    elif isinstance(exc, pg_errors.CardinalityViolation):
        name, reason = "entry", "two items of the batch match the same existing entry"
    else:
        return None
    return field, name, reason


def translate_error(exc: psycopg.Error, model: SectionModel, rows: list | None = None,
                    label=None) -> ContentError | psycopg.Error:
    """A database error as a message that names the field (and, in a batch, the item).

    ``rows`` are the batch's validated rows in order; ``label(index)`` names an item
    (``item 3``, ``line 7``). A missing column or table is returned as is: the model
    was stale, and the caller reloads it and tries once more."""
    if isinstance(exc, (pg_errors.UndefinedColumn, pg_errors.UndefinedTable)):
        return exc
    explained = explain_db_error(exc, model)
    if explained is None:
        return DatabaseFailure(f"database error: {database_message(exc)}")
    field, name, reason = explained
    index = None
    if rows is not None:
        index = _failing_item(exc, model, field, rows)
    prefix = f"{(label or _item)(index)}: " if index is not None else ""
    return InvalidInput(f"{prefix}field '{name}': {reason}", field=name, index=index,
                        errors=[{"field": name, "message": reason}])


def _item(index: int) -> str:
    return f"item {index}"


def _failing_item(exc: psycopg.Error, model: SectionModel, field: FieldModel | None, rows: list) -> int | None:
    """The batch item behind an error: the COPY line of the main table, else the row
    holding the value the detail names (foreign keys are checked after the COPY, and
    junction rows are not the batch's items)."""
    copy_line = _COPY_LINE.search(exc.diag.context or "")
    on_main_table = copy_line is not None and copy_line.group(1) in (
        model.table_name, f"{model.schema}.{model.table_name}")
    deferred = isinstance(exc, pg_errors.ForeignKeyViolation) or (field is not None and field.junction)
    if on_main_table and not deferred:
        index = int(copy_line.group(2)) - 1
        return index if 0 <= index < len(rows) else None
    if field is not None:
        return locate_item(exc.diag.message_detail or "", field, rows)
    return None


def locate_item(detail: str, field: FieldModel, rows: list) -> int | None:
    """The batch item whose value is named in ``Key (col)=(value)``."""
    match = _DETAIL_KEY.match(detail)
    if not match:
        return None
    wanted = match.group(2)
    for index, row in enumerate(rows):
        value = row.get(field.handle)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            if any(str(v) == wanted for v in value):
                return index
        elif str(getattr(value, "obj", value)) == wanted:
            return index
    return None
