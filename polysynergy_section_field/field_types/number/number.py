"""Number: a floating-point value (double precision)."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ...section_field_runner.base_field_type import CheckRule
from ...section_field_runner.field_type_decorator import field_type
from .._common import null_or, object_schema, prop, to_float
from .._conversions import from_number
from ._numeric import NumericFieldType


@field_type(category="number", icon="number.svg")
class NumberField(NumericFieldType):
    """A finite ``double precision`` number; output is a JSON float.

    Accepts ints, floats and numeric strings ("1.5", "2e3"); rejects booleans, NaN and
    Infinity (a ``finite`` CHECK rule keeps them out of direct SQL writes too).
    """

    handle = "number"
    label = "Number"
    postgres_type = "double precision"
    ui_component = "number-input"
    table_cell_component = "NumberCell"
    form_input_component = "NumberInput"
    description = "A floating-point number (double precision)."
    conversions = from_number()
    numeric_expression = (
        "CASE WHEN {column} IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) "
        "THEN NULL ELSE {column}::numeric END"
    )

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "min": prop("number", "Minimum", "Smallest allowed value."),
                "max": prop("number", "Maximum", "Largest allowed value."),
                # PolySynergy's settings of its ``number`` type:
                "step": prop("number", "Step", "Increment of the number input (a hint for forms).",
                             exclusiveMinimum=0, default=1),
                "allowDecimals": prop("boolean", "Allow decimals",
                                      "False: only whole numbers are stored.", default=True),
            }
        )

    @staticmethod
    def whole_only(settings: dict | None) -> bool:
        return (settings or {}).get("allowDecimals") is False

    def check_value(self, value: Any, settings: dict) -> str | None:
        if self.whole_only(settings) and not float(value).is_integer():
            return f"must be a whole number (decimals are not allowed; got {value})"
        return super().check_value(value, settings)

    def bound_value(self, value: Any) -> float:
        return float(value)

    def parse_value(self, value: Any, settings: dict | None = None) -> float:
        return to_float(value)

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        return None if value is None else float(value)

    def check_rules(self, column: str, settings: dict | None = None) -> list[CheckRule]:
        finite = sql.SQL("{col} NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)").format(
            col=sql.Identifier(column)
        )
        rules = [CheckRule("finite", null_or(column, finite)), *super().check_rules(column, settings)]
        if self.whole_only(settings):
            whole = sql.SQL("{col} = trunc({col})").format(col=sql.Identifier(column))
            rules.append(CheckRule("whole", null_or(column, whole)))
        return rules
