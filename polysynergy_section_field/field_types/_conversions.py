"""Static conversion templates of the built-in types, grouped by source family.

Each entry says *that* a column of the source type can become the target type and
how (``using``), plus a failure predicate that needs no settings. Targets refine the
entry with their own settings (``incoming_conversion``): a length limit, options,
precision and scale. Placeholders: ``{column}`` (the quoted column) and ``{type}``
(the target column type). Literal braces are doubled; no template contains ``%``.
"""

from __future__ import annotations

from ..section_field_runner.base_field_type import Conversion
from ._common import (
    DATE_TEXT,
    DECIMAL_TEXT,
    FLOAT_TEXT,
    INTEGER_TEXT,
    not_matching,
    template_literal,
)

#: Types stored as text (or varchar) whose values are plain strings.
TEXT_LIKE = ("text", "textarea", "email", "url", "slug", "phone", "color", "select")
NUMERIC_TARGETS = ("decimal", "currency", "percentage")

TO_TEXT = Conversion(using="{column}::text")
#: NULL stays NULL; a value becomes a one-element array.
TO_ARRAY = Conversion(using="CASE WHEN {column} IS NULL THEN NULL ELSE ARRAY[{column}]::{type} END")
TO_NUMERIC = Conversion(using="{column}::{type}")
_BIGINT_BOUNDS = (
    "NOT (round({column}) >= '-9223372036854775808'::float8 "
    "AND round({column}) < '9223372036854775808'::float8)"
)


def _text_to(pattern: str, using: str) -> Conversion:
    return Conversion(using=using, failure_predicate=not_matching("{column}", pattern))


def from_text() -> dict[str, Conversion]:
    """Conversions of a text-like column (text, textarea, email, ... select)."""
    conversions = {handle: Conversion(using="{column}") for handle in TEXT_LIKE}
    conversions.update(
        {
            "multi_select": TO_ARRAY,
            "integer": _text_to(INTEGER_TEXT, "trim({column})::bigint"),
            "number": _text_to(FLOAT_TEXT, "trim({column})::double precision"),
            "decimal": _text_to(DECIMAL_TEXT, "trim({column})::{type}"),
            "currency": _text_to(DECIMAL_TEXT, "trim({column})::{type}"),
            "percentage": _text_to(DECIMAL_TEXT, "trim({column})::{type}"),
            "date": _text_to(DATE_TEXT, "trim({column})::date"),
            "boolean": Conversion(
                using="lower(trim({column}))::boolean",
                failure_predicate="lower(trim({column})) NOT IN ('true', 'false')",
            ),
            "json": Conversion(using="to_jsonb({column})"),
        }
    )
    return conversions


#: A text-like value as numeric, NULL when it is not a plain decimal (never raises).
TEXT_NUMERIC = (
    f"CASE WHEN {{column}} ~ {template_literal(DECIMAL_TEXT)} THEN trim({{column}})::numeric END"
)


def from_integer() -> dict[str, Conversion]:
    conversions = {
        "text": TO_TEXT,
        "textarea": TO_TEXT,
        "number": Conversion(using="{column}::double precision"),
    }
    conversions.update({handle: TO_NUMERIC for handle in NUMERIC_TARGETS})
    return conversions


def from_number() -> dict[str, Conversion]:
    conversions = {
        "text": TO_TEXT,
        "textarea": TO_TEXT,
        # round() to the nearest whole number (float8 ties usually go to the even one).
        "integer": Conversion(using="round({column})::bigint", failure_predicate=_BIGINT_BOUNDS),
    }
    conversions.update({handle: TO_NUMERIC for handle in NUMERIC_TARGETS})
    return conversions


def from_decimal(own_handle: str) -> dict[str, Conversion]:
    conversions = {
        "text": TO_TEXT,
        "textarea": TO_TEXT,
        "number": Conversion(using="{column}::double precision"),
        "integer": Conversion(using="round({column})::bigint"),
    }
    conversions.update({h: TO_NUMERIC for h in NUMERIC_TARGETS if h != own_handle})
    return conversions


def from_temporal(own_handle: str) -> dict[str, Conversion]:
    if own_handle == "date":
        return {
            "text": Conversion(using="to_char({column}, 'YYYY-MM-DD')"),
            "textarea": Conversion(using="to_char({column}, 'YYYY-MM-DD')"),
            # Midnight UTC of that day.
            "datetime": Conversion(using="({column}::timestamp AT TIME ZONE 'UTC')"),
        }
    if own_handle == "datetime":
        as_text = Conversion(
            using="to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00'"
        )
        return {
            "text": as_text,
            "textarea": as_text,
            # The calendar day in UTC.
            "date": Conversion(using="({column} AT TIME ZONE 'UTC')::date"),
        }
    return {"text": TO_TEXT, "textarea": TO_TEXT}
