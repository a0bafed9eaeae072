"""Currency: an exact amount of money in one ISO 4217 currency."""

from __future__ import annotations

from ...section_field_runner.field_type_decorator import field_type
from .._common import object_schema, prop, to_decimal
from .._conversions import from_decimal
from ._numeric import DecimalBase
from .decimal import decimal_properties


@field_type(category="number", icon="currency.svg")
class CurrencyField(DecimalBase):
    """An amount of money: ``numeric(precision, scale)``, default ``numeric(14,2)``.

    The currency (``currency`` setting, ISO 4217 code, default ``EUR``) belongs to the
    field, not to each value. Values behave as in ``decimal``: exact ``Decimal``
    parameters, output a fixed-point string such as ``"19.99"``.
    """

    handle = "currency"
    label = "Currency"
    postgres_type = "numeric(14,2)"
    output_is_stored_text = True
    ui_component = "currency-input"
    table_cell_component = "CurrencyCell"
    form_input_component = "CurrencyInput"
    description = "An exact amount of money in one currency (ISO 4217)."
    conversions = from_decimal("currency")
    default_precision = 14
    default_scale = 2

    @property
    def settings_schema(self) -> dict:
        properties = {
            "currency": prop("string", "Currency", "ISO 4217 currency code, e.g. EUR or USD.",
                             pattern="^[A-Z]{3}$", default="EUR"),
        }
        properties.update(decimal_properties(self.default_precision, self.default_scale))
        return object_schema(properties)

    @staticmethod
    def currency_code(settings: dict | None) -> str:
        return (settings or {}).get("currency", "EUR")

    def bounds(self, settings: dict) -> tuple:
        """PolySynergy's ``allowNegative: false`` makes 0 the lowest amount."""
        low, high = super().bounds(settings)
        if settings.get("allowNegative") is False and (low is None or to_decimal(low) < 0):
            low = 0
        return low, high
