"""Numeric field types."""

from .currency import CurrencyField
from .decimal import DecimalField
from .integer import IntegerField
from .number import NumberField
from .percentage import PercentageField

__all__ = ["NumberField", "IntegerField", "DecimalField", "CurrencyField", "PercentageField"]
