"""The ``@field_type`` decorator: marks a class as a field type, like ``@node`` marks nodes."""

from __future__ import annotations

from .base_field_type import FieldType


def field_type(*, category: str = "general", icon: str | None = None):
    """Set a field type's category and icon file name and mark it for discovery.

    Usage::

        @field_type(category="basic", icon="text.svg")
        class TextField(FieldType):
            handle = "text"
            ...
    """

    def decorator(cls):
        if not (isinstance(cls, type) and issubclass(cls, FieldType)):
            raise TypeError(f"@field_type can only decorate FieldType subclasses, not {cls!r}")
        cls._category = category
        cls._icon = icon
        # The names PolySynergy's API reads from the class (its field-type endpoints).
        cls._field_type_category = category
        cls._field_type_icon = icon
        cls._is_field_type = True
        return cls

    return decorator
