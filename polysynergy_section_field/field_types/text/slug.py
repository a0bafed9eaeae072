"""Slug: lower-case letters and digits in groups joined by single hyphens."""

from __future__ import annotations

import re
from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import SLUG_PATTERN, max_length_prop, object_schema, require_str
from .._text_like import TextLikeFieldType

_SLUG = re.compile(SLUG_PATTERN)


@field_type(category="text", icon="slug.svg")
class SlugField(TextLikeFieldType):
    """A URL-safe identifier such as ``my-first-post``. Values are not rewritten:
    an invalid slug is rejected, not slugified."""

    handle = "slug"
    label = "Slug"
    ui_component = "slug-input"
    table_cell_component = "TextCell"
    form_input_component = "SlugInput"
    description = "A URL-safe identifier: lower-case letters, digits and single hyphens."
    format_pattern = SLUG_PATTERN

    @property
    def settings_schema(self) -> dict:
        return object_schema({"maxLength": max_length_prop()})

    def parse_value(self, value: Any, settings: dict | None = None) -> str:
        text = require_str(value)
        if not _SLUG.fullmatch(text):
            raise ValueError(
                "must be a slug: lower-case letters and digits joined by single hyphens (e.g. my-first-post)"
            )
        return text
