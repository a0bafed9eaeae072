"""Colour: a hex RGB colour, stored as #rrggbb in lower case."""

from __future__ import annotations

import re
from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import COLOR_PATTERN, object_schema, prop, require_str, template_literal
from .._text_like import TextLikeFieldType

_SHORT = re.compile(r"#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])")
_LONG = re.compile(r"#[0-9a-fA-F]{6}")


def _normalize_sql() -> str:
    short = template_literal("^#[0-9a-fA-F]{3}$")
    expand = template_literal(r"^#(.)(.)(.)$")
    doubled = template_literal(r"#\1\1\2\2\3\3")
    return (
        f"lower(CASE WHEN trim({{column}}) ~ {short} "
        f"THEN regexp_replace(trim({{column}}), {expand}, {doubled}) ELSE trim({{column}}) END)"
    )


@field_type(category="advanced", icon="color.svg")
class ColorField(TextLikeFieldType):
    """A colour as ``#rrggbb``. Input may be ``#rgb`` or ``#rrggbb`` in any case; the
    stored value is expanded and lower-cased (``#F0A`` -> ``#ff00aa``)."""

    handle = "color"
    label = "Color"
    ui_component = "color-picker"
    table_cell_component = "ColorCell"
    form_input_component = "ColorPicker"
    description = "A colour in hex notation (#rrggbb)."
    format_pattern = COLOR_PATTERN
    normalize_using = _normalize_sql()

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "presets": prop("array", "Presets", "Colours offered in the picker (#rrggbb).",
                                items={"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                                maxItems=64, uniqueItems=True),
            }
        )

    def parse_value(self, value: Any, settings: dict | None = None) -> str:
        text = require_str(value, "a colour (a string such as #ff8800)").strip()
        short = _SHORT.fullmatch(text)
        if short:
            text = "#" + "".join(c * 2 for c in short.groups())
        if not _LONG.fullmatch(text):
            raise ValueError("must be a hex colour such as #ff8800 or #f80")
        return text.lower()
