"""The built-in field-type catalogue."""

BUILTIN_FIELD_TYPES: list = []
