"""Errors raised by field types; each names what was wrong so a user can fix it."""


class FieldTypeError(Exception):
    """Base for every error the field-type layer raises."""


class FieldSettingsError(FieldTypeError, ValueError):
    """A field's settings do not satisfy its type's settings schema."""

    def __init__(self, field_type: str, message: str, setting: str | None = None):
        self.field_type = field_type
        self.setting = setting
        where = f"setting '{setting}'" if setting else "settings"
        super().__init__(f"Invalid {where} for field type '{field_type}': {message}")


class FieldValueError(FieldTypeError, ValueError):
    """A value cannot be stored in a field."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.reason = message
        super().__init__(f"Field '{field}': {message}")


class DuplicateFieldTypeError(FieldTypeError):
    """Two field types claim the same handle; silently overriding one would hide a bug."""


class UnknownFieldTypeError(FieldTypeError, LookupError):
    """No registered field type has the requested handle."""


class UnsupportedFilterError(FieldTypeError, ValueError):
    """A filter operator is not allowed on a field's type."""
