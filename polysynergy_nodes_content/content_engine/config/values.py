"""The keys a section or field configuration accepts, and checks of their plain values.

Shared by the section and field writers so both word their errors the same way.
"""

from __future__ import annotations

from ..errors import InvalidInput
from ..json_values import UNENCODABLE_MESSAGE, is_unencodable

UI_WIDTHS = ("full", "half", "third", "quarter")
FIELD_KEYS = (
    "handle", "label", "field_type_handle", "field_settings", "is_required", "is_unique",
    "default_value", "help_text", "placeholder", "ui_width", "tab_name", "sort_order", "is_visible",
    "custom_validation_rules",
)
SECTION_KEYS = ("handle", "label", "description", "icon", "title_field_handle", "is_active", "validation_rules",
                "search_fields", "history", "history_keep_versions", "history_keep_days")


def require_text(value, name: str, field: str | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name} must be a non-empty string", field=field or name)
    if is_unencodable(value):
        raise InvalidInput(f"{name} {UNENCODABLE_MESSAGE}", field=field or name)
    if len(value) > 255:
        raise InvalidInput(f"{name} is too long (at most 255 characters)", field=field or name)
    return value.strip()


def check_texts(values: dict, where: str) -> None:
    for key, value in values.items():
        if is_unencodable(value):
            raise InvalidInput(f"{where}: {key} {UNENCODABLE_MESSAGE}", field=key)


def check_bool(value, name: str, handle: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidInput(f"field '{handle}': {name} must be true or false", field=handle)
