"""Shared behaviour of the numeric field types (not part of the plugin API)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ...section_field_runner.base_field_type import ORDERED_OPERATORS, CheckRule, Conversion, FieldType
from .._common import (
    BuiltinFieldType,
    any_of,
    decimal_places,
    fixed_point,
    range_rule,
    settings_error,
    to_decimal,
)


def show(value: Any) -> str:
    """A number as people write it: 5 not 5.0, 0.1 not 1E-1."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    try:
        text = fixed_point(to_decimal(value))
    except ValueError:
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def sql_number(value: Any) -> str:
    """A validated setting as a numeric literal for a conversion template (digits only)."""
    return fixed_point(to_decimal(value))


class NumericFieldType(BuiltinFieldType):
    """Ordered numbers with optional ``min``/``max`` settings (a ``range`` CHECK rule)."""

    filter_operators = ORDERED_OPERATORS
    numeric_expression = "{column}::numeric"
    #: False for whole numbers: the portal's number input then refuses a fraction.
    allows_decimals = True

    # -- PolySynergy's portal --------------------------------------------------------
    def form_input_props(self, settings: dict) -> dict:
        low, high = self.bounds(settings)
        return {"min": low, "max": high, "step": settings.get("step", 1),
                "allowDecimals": self.allows_decimals and settings.get("allowDecimals", True)}

    def form_validation(self, settings: dict) -> dict:
        low, high = self.bounds(settings)
        return {"min": low, "max": high}

    def table_cell_props(self, value: Any, settings: dict) -> dict:
        decimals = self.allows_decimals and settings.get("allowDecimals", True)
        return {"decimals": settings.get("scale", 2) if decimals else 0, "format": "decimal"}

    # -- settings ------------------------------------------------------------------
    def bounds(self, settings: dict) -> tuple[Any, Any]:
        return settings.get("min"), settings.get("max")

    def bound_value(self, value: Any) -> Any:
        """A setting bound as the parameter type of this field (for SQL literals)."""
        return to_decimal(value)

    def check_settings(self, settings: dict) -> None:
        low, high = self.bounds(settings)
        if low is not None and high is not None and to_decimal(low) > to_decimal(high):
            raise settings_error(self, "min", f"'min' ({show(low)}) must not be greater than "
                                              f"'max' ({show(high)})")

    # -- values --------------------------------------------------------------------
    def check_value(self, value: Any, settings: dict) -> str | None:
        low, high = self.bounds(settings)
        if low is not None and to_decimal(value) < to_decimal(low):
            return f"must be at least {show(low)} (got {show(value)})"
        if high is not None and to_decimal(value) > to_decimal(high):
            return f"must be at most {show(high)} (got {show(value)})"
        return None

    def decimal_bounds(self, settings: dict) -> tuple:
        """The bounds as Decimals (compared exactly with any number), None when unset."""
        low, high = self.bounds(settings)
        return (None if low is None else to_decimal(low)), (None if high is None else to_decimal(high))

    def check_rules(self, column: str, settings: dict | None = None) -> list[CheckRule]:
        low, high = self.bounds(settings or {})
        rule = range_rule(
            column,
            None if low is None else self.bound_value(low),
            None if high is None else self.bound_value(high),
        )
        return [rule] if rule is not None else []

    # -- conversions ---------------------------------------------------------------
    def overflow_predicate(self, expression: str, settings: dict) -> str | None:
        """True for values the column type cannot hold; None when nothing overflows."""
        return None

    def range_predicate(self, expression: str, settings: dict) -> str | None:
        low, high = self.bounds(settings)
        parts = []
        if low is not None:
            parts.append(f"{expression} < {sql_number(low)}")
        if high is not None:
            parts.append(f"{expression} > {sql_number(high)}")
        return " OR ".join(parts) or None

    def incoming_conversion(self, source: FieldType, base: Conversion, old_settings: dict,
                            new_settings: dict) -> Conversion:
        source_numeric = getattr(source, "numeric_expression", None)
        if not source_numeric:
            return base
        expression = f"({source_numeric})"
        predicate = any_of(
            base.failure_predicate,
            self.overflow_predicate(expression, new_settings),
            self.range_predicate(expression, new_settings),
        )
        return Conversion(using=base.using, failure_predicate=predicate, rewrites=base.rewrites)

    def same_type_conversion(self, old_settings: dict, new_settings: dict) -> Conversion:
        predicate = any_of(
            self.overflow_predicate("{column}", new_settings),
            self.range_predicate("{column}", new_settings),
        )
        if self.column_type(old_settings) == self.column_type(new_settings):
            return Conversion(using="{column}", failure_predicate=predicate, rewrites=False)
        return Conversion(using="{column}::{type}", failure_predicate=predicate,
                          rewrites=self.rewrites_on_change(old_settings, new_settings))

    def rewrites_on_change(self, old_settings: dict, new_settings: dict) -> bool:
        return True


class DecimalBase(NumericFieldType):
    """Exact ``numeric(precision, scale)`` values; output is a fixed-point string."""

    default_precision = 12
    default_scale = 2

    def precision_scale(self, settings: dict | None) -> tuple[int, int]:
        settings = settings or {}
        return (int(settings.get("precision", self.default_precision)),
                int(settings.get("scale", self.default_scale)))

    def column_type(self, settings: dict | None = None) -> str:
        precision, scale = self.precision_scale(settings)
        return f"numeric({precision},{scale})"

    def check_settings(self, settings: dict) -> None:
        precision, scale = self.precision_scale(settings)
        if scale > precision:
            raise settings_error(self, "scale", f"'scale' ({scale}) must not be greater than "
                                                f"'precision' ({precision})")
        super().check_settings(settings)
        for name in ("min", "max"):
            if settings.get(name) is not None:
                message = self.fits(to_decimal(settings[name]), settings)
                if message:
                    raise settings_error(self, name, f"{show(settings[name])} {message}")

    def parse_value(self, value: Any, settings: dict | None = None) -> Decimal:
        return to_decimal(value)

    def fits(self, value: Decimal, settings: dict) -> str | None:
        precision, scale = self.precision_scale(settings)
        places = decimal_places(value)
        if places > scale:
            return f"must have at most {scale} decimal places (got {places})"
        whole_digits = precision - scale
        # adjusted() is the power of ten of the leading digit: |value| >= 10**n exactly when it is >= n.
        if not value.is_zero() and value.adjusted() >= whole_digits:
            return f"must have at most {whole_digits} digits before the decimal point"
        return None

    def check_value(self, value: Any, settings: dict) -> str | None:
        return self.fits(value, settings) or super().check_value(value, settings)

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        if value is None:
            return None
        _, scale = self.precision_scale(settings)
        return fixed_point(Decimal(value), scale)

    def parse_column(self, values: list, settings: dict, refuse) -> list:
        """Plain decimal strings that surely fit are accepted here; anything else takes
        the per-value path, which refuses (or accepts) it with its own reason."""
        precision, scale = self.precision_scale(settings)
        whole = precision - scale
        if whole < 1:
            return super().parse_column(values, settings, refuse)
        fast = re.compile(r"-?[0-9]{1,%d}(?:\.[0-9]{0,%d})?" % (whole, scale)).fullmatch
        low, high = self.decimal_bounds(settings)
        slow = super().parse_column
        out = []
        append = out.append
        for value in values:
            if value.__class__ is str and fast(value):
                number = Decimal(value)
                if (low is None or number >= low) and (high is None or number <= high):
                    append(number)
                    continue
            append(slow([value], settings, refuse)[0])
        return out

    def deserialize_column(self, values: list, settings: dict | None = None) -> list:
        """format(d, ".Nf") rounds exactly as fixed_point does; only a negative zero
        ("-0.00") needs its sign dropped."""
        _, scale = self.precision_scale(settings)
        spec = f".{scale}f"
        out = []
        append = out.append
        for value in values:
            if value is None:
                append(None)
                continue
            if value.__class__ is not Decimal:
                value = Decimal(value)
            text = format(value, spec)
            if text[0] == "-" and not text.strip("-0."):
                text = text[1:]
            append(text)
        return out

    def overflow_predicate(self, expression: str, settings: dict) -> str | None:
        precision, scale = self.precision_scale(settings)
        return f"abs(round({expression}, {scale})) >= 1e{precision - scale}"

    def rewrites_on_change(self, old_settings: dict, new_settings: dict) -> bool:
        old_precision, old_scale = self.precision_scale(old_settings)
        new_precision, new_scale = self.precision_scale(new_settings)
        return not (new_scale == old_scale and new_precision >= old_precision)
