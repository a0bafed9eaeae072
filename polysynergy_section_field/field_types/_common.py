"""Helpers shared by the built-in field types (not part of the plugin API).

Everything here composes SQL with ``psycopg.sql``; values from settings always go in
as ``sql.Literal``. Conversion templates (plain strings with ``{column}`` and
``{type}`` placeholders, see :class:`Conversion`) are written in code; numbers taken
from validated settings are formatted with ``int()`` and string literals go through
:func:`template_literal`, which quotes with psycopg and escapes braces.
"""

from __future__ import annotations

import functools
import math
import re
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Iterable

from psycopg import sql

from ..section_field_runner.base_field_type import CheckRule, Conversion, FieldType
from ..section_field_runner.errors import FieldSettingsError

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1
#: PostgreSQL's largest varchar length.
VARCHAR_MAX = 10485760

# Regular expressions shared by parsing, CHECK rules and conversion predicates. They
# are written for both Python ``re`` and PostgreSQL's ARE dialect.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
PHONE_PATTERN = r"^\+?[0-9]{6,15}$"
#: Characters removed from phone numbers before validation (space, dash, dot, parens).
PHONE_STRIP_SQL = r"[\s().-]"
INTEGER_TEXT = r"^\s*[-+]?[0-9]+\s*$"
DECIMAL_TEXT = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$"
FLOAT_TEXT = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
DATE_TEXT = r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$"


# -- JSON Schema ---------------------------------------------------------------------
def prop(type_: str | list[str] | None, title: str, description: str, **extra: Any) -> dict:
    """One settings property with a title and a description."""
    schema: dict[str, Any] = {}
    if type_ is not None:
        schema["type"] = type_
    schema.update({"title": title, "description": description})
    schema.update(extra)
    return schema


def object_schema(properties: dict, required: Iterable[str] = ()) -> dict:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    required = list(required)
    if required:
        schema["required"] = required
    return schema


def max_length_prop(what: str = "characters") -> dict:
    return prop(
        "integer", "Maximum length",
        f"Maximum number of {what}; the column becomes character varying(N).",
        minimum=1, maximum=VARCHAR_MAX,
    )


def min_length_prop() -> dict:
    return prop("integer", "Minimum length", "Minimum number of characters required.",
                minimum=0, maximum=VARCHAR_MAX)


# -- settings checks -----------------------------------------------------------------
def settings_error(field_type: FieldType, setting: str, message: str) -> FieldSettingsError:
    return FieldSettingsError(field_type.handle, message, setting)


def check_min_max(field_type: FieldType, settings: dict, low: str = "min", high: str = "max",
                  convert=lambda v: v) -> None:
    """Raise when both bounds are set and low > high."""
    if settings.get(low) is None or settings.get(high) is None:
        return
    if convert(settings[low]) > convert(settings[high]):
        raise settings_error(field_type, low, f"'{low}' ({settings[low]}) must not be greater than "
                                              f"'{high}' ({settings[high]})")


def check_length_bounds(field_type: FieldType, settings: dict) -> None:
    check_min_max(field_type, settings, "minLength", "maxLength")


# -- values --------------------------------------------------------------------------
def require_str(value: Any, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be {what}")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


_NUMBER_TEXT = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


def to_decimal(value: Any, what: str = "a number") -> Decimal:
    """A finite Decimal from an int, float, Decimal or numeric string (not a bool)."""
    if isinstance(value, bool):
        raise ValueError(f"must be {what}, not true/false")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number (NaN and Infinity are not allowed)")
        # repr() is the shortest string that round-trips, so 0.1 becomes Decimal("0.1").
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER_TEXT.fullmatch(text):
            raise ValueError(f"must be {what}")
        try:
            result = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex already guards this
            raise ValueError(f"must be {what}") from None
    else:
        raise ValueError(f"must be {what}")
    if not result.is_finite():
        raise ValueError("must be a finite number (NaN and Infinity are not allowed)")
    return result


def to_float(value: Any) -> float:
    """A finite float from an int, float, Decimal or numeric string (not a bool)."""
    number = to_decimal(value)
    try:
        result = float(number)
    except OverflowError:  # pragma: no cover - float(Decimal) gives inf instead
        raise ValueError("is too large for a double precision number") from None
    if not math.isfinite(result):
        raise ValueError("is too large for a double precision number")
    return result


@functools.lru_cache(maxsize=64)
def _quantum(scale: int) -> Decimal:
    return Decimal(1).scaleb(-scale)


@functools.lru_cache(maxsize=64)
def _context(precision: int) -> Context:
    return Context(prec=precision)


def fixed_point(value: Decimal, scale: int | None = None) -> str:
    """Canonical fixed-point text: no exponent, exactly ``scale`` decimals if given.

    Exact for any number of digits (a private context wide enough for the value).
    """
    if scale is not None:
        digits = len(value.as_tuple().digits)
        exponent = value.as_tuple().exponent
        width = digits + abs(exponent if isinstance(exponent, int) else 0) + scale + 2
        value = value.quantize(_quantum(scale), context=_context(max(28, width)))
    if value.is_zero():
        value = value.copy_abs()  # no "-0.00"
    return format(value, "f")


def decimal_places(value: Decimal) -> int:
    """Decimal places that matter: Decimal("1.50") has 1, Decimal("100") has 0."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    places, index = -exponent, len(digits) - 1
    while places > 0 and index >= 0 and digits[index] == 0:
        places -= 1
        index -= 1
    return places


# -- CHECK rules ----------------------------------------------------------------------
def null_or(column: str, condition: sql.Composable) -> sql.Composed:
    """``(col IS NULL OR condition)``: every rule lets NULL through."""
    return sql.SQL("({col} IS NULL OR {cond})").format(col=sql.Identifier(column), cond=condition)


def regex_rule(column: str, pattern: str, kind: str = "format", case_insensitive: bool = False,
               expression: sql.Composable | None = None) -> CheckRule:
    op = "~*" if case_insensitive else "~"
    target = expression if expression is not None else sql.Identifier(column)
    cond = sql.SQL("{} " + op + " {}").format(target, sql.Literal(pattern))
    return CheckRule(kind, null_or(column, cond))


def range_rule(column: str, low: Any, high: Any, kind: str = "range") -> CheckRule | None:
    """``col >= low AND col <= high`` for the bounds that are set."""
    col = sql.Identifier(column)
    parts = []
    if low is not None:
        parts.append(sql.SQL("{} >= {}").format(col, sql.Literal(low)))
    if high is not None:
        parts.append(sql.SQL("{} <= {}").format(col, sql.Literal(high)))
    if not parts:
        return None
    return CheckRule(kind, null_or(column, sql.SQL(" AND ").join(parts)))


def length_rule(column: str, min_length: int | None) -> CheckRule | None:
    if not min_length:
        return None
    cond = sql.SQL("char_length({}) >= {}").format(sql.Identifier(column), sql.Literal(int(min_length)))
    return CheckRule("length", null_or(column, cond))


def text_array(values: Iterable[str]) -> sql.Composed:
    """``ARRAY['a', 'b']::text[]`` with every value as a literal."""
    return sql.SQL("ARRAY[{}]::text[]").format(sql.SQL(", ").join(sql.Literal(v) for v in values))


# -- conversion templates --------------------------------------------------------------
def template_literal(value: str) -> str:
    """A SQL string literal for a conversion template, quoted by psycopg.

    Braces are doubled because templates go through ``sql.SQL(...).format``.
    """
    quoted = sql.Literal(value).as_string(None)
    return quoted.replace("{", "{{").replace("}", "}}")


def any_of(*predicates: str | None) -> str | None:
    """OR of the predicates that are set (None when none is)."""
    present = [p for p in predicates if p]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " OR ".join(f"({p})" for p in present)


def not_matching(expression: str, pattern: str, case_insensitive: bool = False) -> str:
    op = "!~*" if case_insensitive else "!~"
    return f"{expression} {op} {template_literal(pattern)}"


_VARCHAR = re.compile(r"^character varying\((\d+)\)$")


def relabel_only(old_type: str, new_type: str) -> bool:
    """True when PostgreSQL can change old_type to new_type without rewriting the table."""
    if old_type == new_type:
        return True
    old_match, new_match = _VARCHAR.match(old_type), _VARCHAR.match(new_type)
    if new_type == "text":
        return bool(old_match)
    return bool(old_match and new_match and int(new_match.group(1)) >= int(old_match.group(1)))


class BuiltinFieldType(FieldType):
    """Base of the built-ins: conversions that take the target's settings into account.

    ``conversions`` maps target handles to the static template. When the target
    defines ``incoming_conversion(source, base, old_settings, new_settings)`` it may
    refine that template with its own settings (a length limit, options, precision).
    """

    def __init_subclass__(cls, **kwargs):
        """Each built-in also accepts PolySynergy's settings of its handle (aliases and
        display hints, ``_polysynergy_settings``) in its schema."""
        super().__init_subclass__(**kwargs)
        from ._polysynergy_settings import aliases, extend_schema

        own = cls.__dict__.get("settings_schema")
        if isinstance(own, property):
            cls.settings_schema = property(lambda self, read=own.fget: extend_schema(self.handle, read(self)))
        if "handle" in cls.__dict__ and aliases(cls.handle):
            cls.setting_aliases = aliases(cls.handle)

    def conversion_to(self, target: FieldType, old_settings: dict | None = None,
                      new_settings: dict | None = None) -> Conversion | None:
        old_settings, new_settings = old_settings or {}, new_settings or {}
        if target.handle == self.handle:
            return self.same_type_conversion(old_settings, new_settings)
        base = self.conversions.get(target.handle)
        if base is None:
            return None
        refine = getattr(target, "incoming_conversion", None)
        if refine is None:
            return base
        return refine(self, base, old_settings, new_settings)

    def same_type_conversion(self, old_settings: dict, new_settings: dict) -> Conversion:
        if self.column_type(old_settings) == self.column_type(new_settings):
            return Conversion(using="{column}", rewrites=False)
        return Conversion()

    #: A template giving the value as ``numeric`` (NULL where it has none) without
    #: ever raising; numeric targets use it to predict overflow. None: not numeric.
    numeric_expression: str | None = None
