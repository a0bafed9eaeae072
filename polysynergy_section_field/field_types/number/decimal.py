"""Decimal: an exact numeric(precision, scale) value."""

from __future__ import annotations

from ...section_field_runner.field_type_decorator import field_type
from .._common import object_schema, prop
from .._conversions import from_decimal
from ._numeric import DecimalBase

#: min/max may be JSON numbers or decimal strings (exact, e.g. "0.10").
DECIMAL_BOUND = {"type": ["number", "string"], "pattern": r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$"}


def decimal_properties(default_precision: int, default_scale: int) -> dict:
    return {
        "precision": prop("integer", "Precision",
                          "Total number of significant digits (numeric precision).",
                          minimum=1, maximum=1000, default=default_precision),
        "scale": prop("integer", "Scale", "Digits after the decimal point; at most the precision.",
                      minimum=0, maximum=1000, default=default_scale),
        "min": prop(None, "Minimum", "Smallest allowed value (a number or a decimal string).",
                    **DECIMAL_BOUND),
        "max": prop(None, "Maximum", "Largest allowed value (a number or a decimal string).",
                    **DECIMAL_BOUND),
    }


@field_type(category="number", icon="decimal.svg")
class DecimalField(DecimalBase):
    """Exact decimal numbers: ``numeric(precision, scale)``, default ``numeric(12,2)``.

    Input may be an int, a float or a decimal string; a value with more decimal places
    than ``scale`` is rejected rather than rounded. The parameter is a
    ``decimal.Decimal`` and the output a string in canonical fixed-point form with
    exactly ``scale`` decimals (``"12.50"``): exact, no float rounding.
    """

    handle = "decimal"
    label = "Decimal"
    postgres_type = "numeric(12,2)"
    output_is_stored_text = True
    ui_component = "decimal-input"
    table_cell_component = "NumberCell"
    form_input_component = "NumberInput"
    description = "An exact decimal number with a fixed number of decimal places."
    conversions = from_decimal("decimal")

    @property
    def settings_schema(self) -> dict:
        return object_schema(decimal_properties(self.default_precision, self.default_scale))
