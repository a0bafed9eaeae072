"""Field types for the PolySynergy content system: pure Python, no database I/O.

``registered_field_types`` lists the built-in classes; ``default_registry()`` returns a
registry holding them plus every plugin published under the entry-point group
``polysynergy_section_field.field_types``.
"""

from __future__ import annotations

from .field_types import BUILTIN_FIELD_TYPES
from .section_field_runner import (
    ENTRY_POINT_GROUP,
    CheckRule,
    Conversion,
    FieldType,
    FieldTypeRegistry,
    field_type,
)

registered_field_types = list(BUILTIN_FIELD_TYPES)

_default_registry: FieldTypeRegistry | None = None


def default_registry(reload: bool = False) -> FieldTypeRegistry:
    """The process-wide registry: built-ins plus entry-point plugins (loaded once)."""
    global _default_registry
    if _default_registry is None or reload:
        registry = FieldTypeRegistry(registered_field_types)
        registry.load_entry_points()
        _default_registry = registry
    return _default_registry


def get_field_type(handle: str) -> FieldType:
    """The registered field type with this handle (UnknownFieldTypeError if none)."""
    return default_registry().get(handle)


__all__ = [
    "registered_field_types", "default_registry", "get_field_type", "FieldType", "field_type",
    "FieldTypeRegistry", "CheckRule", "Conversion", "ENTRY_POINT_GROUP",
]
