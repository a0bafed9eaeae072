"""Multi-line text."""

from __future__ import annotations

from ...section_field_runner.field_type_decorator import field_type
from .._common import max_length_prop, min_length_prop, object_schema, prop
from .._text_like import TextLikeFieldType


@field_type(category="text", icon="textarea.svg")
class TextAreaField(TextLikeFieldType):
    """Several lines of text; ``rows`` only sizes the editor."""

    handle = "textarea"
    label = "Text Area"
    ui_component = "textarea"
    table_cell_component = "TextCell"
    form_input_component = "TextArea"
    description = "Several lines of plain text."

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "maxLength": max_length_prop(),
                "minLength": min_length_prop(),
                "rows": prop("integer", "Rows", "Height of the editor in lines.", minimum=1, maximum=100),
            }
        )
