"""Options shared by select and multi_select (not part of the plugin API)."""

from __future__ import annotations

from .._common import prop, settings_error, template_literal

OPTIONS_SCHEMA = prop(
    "array", "Options",
    'The allowed values: strings ("draft") or objects ({"value": "draft", "label": "Draft"}).',
    minItems=1,
    items={
        "anyOf": [
            {"type": "string", "minLength": 1, "title": "Value", "description": "Stored value and label."},
            {
                "type": "object",
                "title": "Option",
                "description": "A stored value with a label for people.",
                "additionalProperties": False,
                "required": ["value"],
                "properties": {
                    "value": {"type": "string", "minLength": 1, "title": "Value",
                              "description": "What is stored."},
                    "label": {"type": "string", "title": "Label", "description": "What people see."},
                },
            },
        ]
    },
)


class OptionsMixin:
    """``options`` in either form, with ``option_values`` and duplicate checks."""

    handle: str

    @staticmethod
    def option_values(settings: dict | None) -> list[str]:
        """The stored values of the options, in order."""
        values = []
        for option in (settings or {}).get("options", []):
            values.append(option["value"] if isinstance(option, dict) else option)
        return values

    @staticmethod
    def option_labels(settings: dict | None) -> dict[str, str]:
        labels = {}
        for option in (settings or {}).get("options", []):
            if isinstance(option, dict):
                labels[option["value"]] = option.get("label", option["value"])
            else:
                labels[option] = option
        return labels

    def check_options(self, settings: dict) -> None:
        seen: set[str] = set()
        for value in self.option_values(settings):
            if value in seen:
                raise settings_error(self, "options", f"option value {value!r} is listed twice; "
                                                      "values must be unique")
            if "\x00" in value:
                raise settings_error(self, "options", "option values must not contain NUL characters")
            seen.add(value)

    def describe_options(self, settings: dict, limit: int = 10) -> str:
        values = self.option_values(settings)
        shown = ", ".join(values[:limit])
        return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")

    def options_template(self, settings: dict) -> str:
        """``ARRAY['a', 'b']::text[]`` for a conversion template."""
        return "ARRAY[" + ", ".join(template_literal(v) for v in self.option_values(settings)) + "]::text[]"

    # -- PolySynergy's portal ------------------------------------------------------
    def portal_options(self, settings: dict) -> list[dict]:
        """Options as ``{"value", "label"}`` objects, the one form the portal reads."""
        return [{"value": value, "label": label} for value, label in self.option_labels(settings).items()]

    def table_cell_props(self, value, settings: dict) -> dict:
        labels = self.option_labels(settings)
        props = {"options": self.portal_options(settings)}
        if isinstance(value, list):
            props["tags"] = [labels.get(item, item) for item in value]
        elif value is not None:
            props["label"] = labels.get(value, value)
        return props

    def form_input_props(self, settings: dict) -> dict:
        return {"options": self.portal_options(settings), "searchable": bool(settings.get("searchable", False))}
