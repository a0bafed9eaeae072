"""Integer: a whole number stored as bigint."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import BIGINT_MAX, BIGINT_MIN, object_schema, prop
from .._conversions import from_integer
from ._numeric import NumericFieldType

_WHOLE = re.compile(r"\s*[-+]?[0-9]+\s*")


@field_type(category="number", icon="integer.svg")
class IntegerField(NumericFieldType):
    """A whole number in PostgreSQL's bigint range.

    Accepts ints, integral floats (``3.0``) and strings of digits (``"42"``); rejects
    booleans, fractions and values outside -9223372036854775808..9223372036854775807.
    """

    handle = "integer"
    allows_decimals = False
    label = "Integer"
    postgres_type = "bigint"
    ui_component = "number-input"
    table_cell_component = "NumberCell"
    form_input_component = "NumberInput"
    description = "A whole number (bigint)."
    conversions = from_integer()

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "min": prop("integer", "Minimum", "Smallest allowed value.",
                            minimum=BIGINT_MIN, maximum=BIGINT_MAX),
                "max": prop("integer", "Maximum", "Largest allowed value.",
                            minimum=BIGINT_MIN, maximum=BIGINT_MAX),
            }
        )

    def bound_value(self, value: Any) -> int:
        return int(value)

    def parse_value(self, value: Any, settings: dict | None = None) -> int:
        if isinstance(value, bool):
            raise ValueError("must be a whole number, not true/false")
        if isinstance(value, int):
            result = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise ValueError("must be a whole number")
            result = int(value)
        elif isinstance(value, Decimal):
            if not value.is_finite() or value != value.to_integral_value():
                raise ValueError("must be a whole number")
            result = int(value)
        elif isinstance(value, str):
            if not _WHOLE.fullmatch(value):
                raise ValueError("must be a whole number")
            if len(value.strip().lstrip("+-").lstrip("0")) > 19:  # also avoids int()'s digit limit
                raise ValueError(f"must be between {BIGINT_MIN} and {BIGINT_MAX}")
            result = int(value)
        else:
            raise ValueError("must be a whole number")
        if not BIGINT_MIN <= result <= BIGINT_MAX:
            raise ValueError(f"must be between {BIGINT_MIN} and {BIGINT_MAX}")
        return result

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        return None if value is None else int(value)

    def parse_column(self, values: list, settings: dict, refuse) -> list:
        """Python ints within the bounds are accepted here; anything else takes the
        per-value path, which refuses (or accepts) it with its own reason."""
        low, high = self.decimal_bounds(settings)
        low = BIGINT_MIN if low is None else max(low, BIGINT_MIN)
        high = BIGINT_MAX if high is None else min(high, BIGINT_MAX)
        slow = super().parse_column
        return [v if v.__class__ is int and low <= v <= high else slow([v], settings, refuse)[0] for v in values]

    def deserialize_column(self, values: list, settings: dict | None = None) -> list:
        return [v if v is None or v.__class__ is int else int(v) for v in values]

    def overflow_predicate(self, expression: str, settings: dict) -> str | None:
        return f"round({expression}) NOT BETWEEN {BIGINT_MIN} AND {BIGINT_MAX}"
