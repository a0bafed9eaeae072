"""URL: an absolute web address."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ...section_field_runner.base_field_type import CheckRule
from ...section_field_runner.field_type_decorator import field_type
from .._common import max_length_prop, not_matching, object_schema, prop, regex_rule, require_str
from .._text_like import TextLikeFieldType

DEFAULT_SCHEMES = ("http", "https")


@field_type(category="advanced", icon="url.svg")
class UrlField(TextLikeFieldType):
    """An absolute URL with a host, in one of ``allowedSchemes`` (default http, https).

    Parsed with ``urllib.parse``; values are stored as given (trimmed). A ``format``
    rule (``~* '^(http|https)://'``) makes the database check the scheme too.
    """

    handle = "url"
    label = "URL"
    ui_component = "url-input"
    table_cell_component = "LinkCell"
    form_input_component = "UrlInput"
    description = "A web address such as https://example.com/page."
    format_case_insensitive = True

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "allowedSchemes": prop(
                    "array", "Allowed schemes", "URL schemes that are accepted (lower case).",
                    items={"type": "string", "pattern": "^[a-z][a-z0-9+.-]*$", "maxLength": 32},
                    minItems=1, uniqueItems=True, default=list(DEFAULT_SCHEMES),
                ),
                "maxLength": max_length_prop(),
            }
        )

    @staticmethod
    def schemes(settings: dict | None) -> list[str]:
        return list((settings or {}).get("allowedSchemes") or DEFAULT_SCHEMES)

    def scheme_pattern(self, settings: dict | None) -> str:
        alternatives = "|".join(s.replace(".", r"\.").replace("+", r"\+") for s in self.schemes(settings))
        return f"^({alternatives})://"

    def parse_value(self, value: Any, settings: dict | None = None) -> str:
        text = require_str(value, "a URL (a string)").strip()
        schemes = self.schemes(settings)
        example = f"must be a URL such as {schemes[0]}://example.com"
        if not text or re.search(r"\s", text):
            raise ValueError(f"{example} (without spaces)")
        try:
            parts = urlsplit(text)
            host = parts.hostname
            parts.port  # raises ValueError for a bad port
        except ValueError:
            raise ValueError(example) from None
        if parts.scheme.lower() not in schemes:
            raise ValueError(f"must start with {' or '.join(s + '://' for s in schemes)}")
        if not host or not text.lower().startswith(parts.scheme.lower() + "://"):
            raise ValueError(f"{example} (it needs a host)")
        return text

    def format_rules(self, column: str, settings: dict) -> list[CheckRule]:
        return [regex_rule(column, self.scheme_pattern(settings), "format", case_insensitive=True)]

    def format_predicate(self, settings: dict, expression: str) -> str | None:
        return not_matching(expression, self.scheme_pattern(settings), case_insensitive=True)
