"""The runner side of field types: base class, decorator, registry and errors."""

from .base_field_type import ALL_OPERATORS, CheckRule, Conversion, FieldType
from .errors import (
    DuplicateFieldTypeError,
    FieldSettingsError,
    FieldTypeError,
    FieldValueError,
    UnknownFieldTypeError,
    UnsupportedFilterError,
)
from .field_type_decorator import field_type
from .registry import ENTRY_POINT_GROUP, FieldTypeRegistry

__all__ = [
    "ALL_OPERATORS", "CheckRule", "Conversion", "FieldType", "field_type", "FieldTypeRegistry",
    "ENTRY_POINT_GROUP", "FieldTypeError", "FieldSettingsError", "FieldValueError",
    "DuplicateFieldTypeError", "UnknownFieldTypeError", "UnsupportedFilterError",
]
