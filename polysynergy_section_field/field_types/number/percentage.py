"""Percentage: 0 to 100 by default, stored exactly as numeric(7,4)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import object_schema, prop, to_decimal
from .._conversions import from_decimal
from ._numeric import NumericFieldType

_LIMIT = Decimal("999.9999")
_PLACES = Decimal("0.0001")


@field_type(category="number", icon="percentage.svg")
class PercentageField(NumericFieldType):
    """A percentage such as ``42`` or ``"42.5"`` (meaning 42.5 %, not 0.425).

    Stored as ``numeric(7,4)``: exact, four decimal places (more are rounded half away
    from zero), at most 999.9999 in absolute value. ``min``/``max`` default to 0 and
    100 and are always enforced by a ``range`` CHECK rule. Output is a JSON float.
    """

    handle = "percentage"
    label = "Percentage"
    postgres_type = "numeric(7,4)"
    ui_component = "percentage-input"
    table_cell_component = "PercentageCell"
    form_input_component = "PercentageInput"
    description = "A percentage, 0 to 100 unless configured otherwise."
    conversions = from_decimal("percentage")

    @property
    def settings_schema(self) -> dict:
        bound = {"minimum": -float(_LIMIT), "maximum": float(_LIMIT)}
        return object_schema(
            {
                "min": prop("number", "Minimum", "Smallest allowed percentage.", default=0, **bound),
                "max": prop("number", "Maximum", "Largest allowed percentage.", default=100, **bound),
            }
        )

    def bounds(self, settings: dict) -> tuple[Any, Any]:
        return settings.get("min", 0), settings.get("max", 100)

    def parse_value(self, value: Any, settings: dict | None = None) -> Decimal:
        number = to_decimal(value, "a percentage (a number such as 42 or \"42.5\")")
        message = f"must be between -{_LIMIT} and {_LIMIT}"
        if number.copy_abs() >= 1000:
            raise ValueError(message)
        number = number.quantize(_PLACES, rounding=ROUND_HALF_UP)
        if number.copy_abs() > _LIMIT:  # 999.99995 rounds up to 1000.0000
            raise ValueError(message)
        return number

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        return None if value is None else float(value)

    def overflow_predicate(self, expression: str, settings: dict) -> str | None:
        return f"abs(round({expression}, 4)) >= 1000"
