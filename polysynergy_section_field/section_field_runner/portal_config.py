"""What PolySynergy's own API asks of a field type, beside what our engine asks.

PolySynergy's section screens call ``get_table_cell_config``, ``get_form_input_config``
and ``get_default_value`` on every field type and render the component names they
return (its portal's ``section-data-tables.tsx`` / ``section-record-form.tsx``). A type
names its two components and adds its own props through the ``*_props`` hooks.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

#: Setting names that hold a field's default value (ours, then PolySynergy's spelling).
DEFAULT_SETTING_KEYS = ("default", "defaultValue")


class SqlText(sql.Composed):
    """A composed SQL fragment that also prints as SQL text.

    Our engine composes it further; code written for PolySynergy's interface (which
    returns plain strings) may call ``str()`` on it."""

    def __str__(self) -> str:
        return self.as_string(None)


def as_sql_text(fragment: sql.Composable | None) -> SqlText | None:
    return None if fragment is None else SqlText([fragment])


class PortalConfig:
    """Cell and form descriptions in the shape PolySynergy's portal renders."""

    #: ``cell_config.component`` of the portal's table (TextCell, NumberCell, ...).
    table_cell_component: str = "TextCell"
    #: ``form_input_config.component`` of the portal's record form (TextInput, ...).
    form_input_component: str = "TextInput"

    def get_default_value(self, settings: dict | None = None) -> Any:
        """The default a new entry starts with, as the settings give it (None: none)."""
        settings = settings or {}
        for key in DEFAULT_SETTING_KEYS:
            if settings.get(key) is not None:
                return settings[key]
        return None

    def table_cell_props(self, value: Any, settings: dict) -> dict:
        """Props of the table cell beyond ``value``."""
        return {"truncate": True, "maxLength": 50} if self.table_cell_component == "TextCell" else {}

    def form_input_props(self, settings: dict) -> dict:
        """Props of the form input beyond label, placeholder and help text."""
        return {}

    def form_validation(self, settings: dict) -> dict:
        """Client-side rules beyond ``required`` (the server checks them again)."""
        return {}

    def get_table_cell_config(self, value: Any = None, settings: dict | None = None,
                              field_config: dict | None = None) -> dict:
        """``{"component", "props"}`` for one read-only table cell."""
        settings = settings or {}
        return {"component": self.table_cell_component,
                "props": {"value": value, **self.table_cell_props(value, settings)}}

    def get_form_input_config(self, settings: dict | None = None, field_config: dict | None = None) -> dict:
        """``{"component", "props", "validation"}`` for the field's input in a record form."""
        settings, field_config = settings or {}, field_config or {}
        props = {
            "label": field_config.get("label"),
            "placeholder": field_config.get("placeholder") or settings.get("placeholder"),
            "helpText": field_config.get("help_text"),
            **self.form_input_props(settings),
        }
        validation = {"required": bool(field_config.get("is_required", False)), **self.form_validation(settings)}
        return {"component": self.form_input_component, "props": props, "validation": validation}
