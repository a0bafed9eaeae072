"""Plain text: one line of text, optionally limited in length or by a pattern."""

from __future__ import annotations

import re

from ...section_field_runner.field_type_decorator import field_type
from .._common import max_length_prop, min_length_prop, object_schema, prop, settings_error
from .._bounded_patterns import PatternTimeout
from .._linear_patterns import full_pattern
from .._text_like import TextLikeFieldType


@field_type(category="text", icon="text.svg")
class TextField(TextLikeFieldType):
    """Plain text.

    ``maxLength`` becomes ``character varying(N)``; ``minLength`` a CHECK rule.
    ``pattern`` is a Python regular expression the *whole* value must match
    (``re.fullmatch``); it is checked in Python only, because PostgreSQL's regex
    dialect differs. Where RE2 can run it with the same meaning (most patterns), it runs
    on RE2, in time linear in the value (``_linear_patterns``); any other pattern runs on
    Python's ``re`` with a time limit, and a value it cannot answer in time is refused.
    """

    handle = "text"
    label = "Plain Text"
    ui_component = "text-input"
    table_cell_component = "TextCell"
    form_input_component = "TextInput"
    description = "A single line of text, optionally limited in length or by a pattern."

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "maxLength": max_length_prop(),
                "minLength": min_length_prop(),
                "pattern": prop(
                    "string", "Pattern",
                    "Python regular expression the whole value must match (re.fullmatch).",
                    minLength=1, maxLength=1000,
                ),
                "placeholder": prop("string", "Placeholder", "Hint shown in an empty input.",
                                    maxLength=200),
            }
        )

    def check_settings(self, settings: dict) -> None:
        super().check_settings(settings)
        pattern = settings.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise settings_error(self, "pattern", f"not a valid regular expression: {exc}") from None

    def check_value(self, value: str, settings: dict) -> str | None:
        message = self.check_length(value, settings)
        if message:
            return message
        pattern = settings.get("pattern")
        if not pattern:
            return None
        try:
            if not full_pattern(pattern).fullmatch(value):
                return f"must match the pattern {pattern}"
        except PatternTimeout as exc:
            return str(exc)
        return None

    def parse_column(self, values: list, settings: dict, refuse) -> list:
        """A tight loop for strings within the length bounds when no pattern applies;
        anything else takes the per-value path (same verdicts, same messages)."""
        if settings.get("pattern") or type(self).check_length is not TextLikeFieldType.check_length:
            return super().parse_column(values, settings, refuse)
        high, low, slow = settings.get("maxLength"), settings.get("minLength"), super().parse_column
        out = []
        append = out.append
        for value in values:
            if (value.__class__ is str and "\x00" not in value and (high is None or len(value) <= high)
                    and (low is None or len(value) >= low)):
                append(value)
            else:
                out.extend(slow([value], settings, refuse))
        return out
