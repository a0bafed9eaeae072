"""Boolean: true or false."""

from __future__ import annotations

from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import BuiltinFieldType, object_schema, prop
from .._conversions import TO_TEXT


@field_type(category="basic", icon="boolean.svg")
class BooleanField(BuiltinFieldType):
    """True or false.

    Accepts JSON booleans and the strings ``"true"``/``"false"`` (any case, surrounding
    spaces ignored), which HTML forms and query strings send. Everything else is
    rejected, including 0/1, "yes"/"no" and "t"/"f": guessing would hide mistakes.
    """

    handle = "boolean"
    label = "Boolean"
    postgres_type = "boolean"
    ui_component = "toggle"
    table_cell_component = "BooleanCell"
    form_input_component = "Toggle"
    description = "A true/false switch."
    filter_operators = frozenset({"_eq", "_neq", "_null", "_nnull"})
    conversions = {"text": TO_TEXT, "textarea": TO_TEXT}

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {"default": prop("boolean", "Default", "Value of new entries when none is given.")}
        )

    def parse_value(self, value: Any, settings: dict | None = None) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError("must be true or false")

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        return None if value is None else bool(value)
