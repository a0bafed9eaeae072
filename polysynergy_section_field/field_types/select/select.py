"""Select: one value from a list of options."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ...section_field_runner.base_field_type import EQUALITY_OPERATORS, CheckRule
from ...section_field_runner.field_type_decorator import field_type
from .._common import null_or, object_schema, prop, settings_error, text_array
from .._text_like import TextLikeFieldType
from ._options import OPTIONS_SCHEMA, OptionsMixin


@field_type(category="choice", icon="select.svg")
class SelectField(OptionsMixin, TextLikeFieldType):
    """One of the configured options, stored as its value (text).

    An ``options`` CHECK rule (``col = ANY(ARRAY[...])``) keeps other values out of
    direct SQL writes; removing an option needs a migration that counts the rows
    still using it.
    """

    handle = "select"
    label = "Dropdown"
    ui_component = "select"
    table_cell_component = "TextCell"
    form_input_component = "Select"
    description = "One value from a fixed list of options."
    filter_operators = EQUALITY_OPERATORS

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "options": OPTIONS_SCHEMA,
                "default": prop("string", "Default", "Option value of new entries when none is given."),
            },
            required=["options"],
        )

    def check_settings(self, settings: dict) -> None:
        self.check_options(settings)
        default = settings.get("default")
        if default is not None and default not in self.option_values(settings):
            raise settings_error(self, "default", f"{default!r} is not one of the options")

    def parse_value(self, value: Any, settings: dict | None = None) -> str:
        if not isinstance(value, str):
            raise ValueError("must be one of the options (a string)")
        return value

    def check_value(self, value: str, settings: dict) -> str | None:
        if value not in self.option_values(settings):
            return f"must be one of: {self.describe_options(settings)} (got {value!r})"
        return None

    def format_rules(self, column: str, settings: dict) -> list[CheckRule]:
        values = self.option_values(settings)
        if not values:
            return []
        condition = sql.SQL("{} = ANY({})").format(sql.Identifier(column), text_array(values))
        return [CheckRule("options", null_or(column, condition))]

    def format_predicate(self, settings: dict, expression: str) -> str | None:
        if not self.option_values(settings):
            return None
        return f"{expression} <> ALL({self.options_template(settings)})"
