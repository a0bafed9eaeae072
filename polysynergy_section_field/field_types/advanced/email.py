"""Email address."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email

from ...section_field_runner.field_type_decorator import field_type
from .._common import EMAIL_SHAPE, max_length_prop, object_schema, require_str
from .._text_like import TextLikeFieldType


@field_type(category="advanced", icon="email.svg")
class EmailField(TextLikeFieldType):
    """An email address, checked with ``email-validator`` (syntax only, no DNS).

    Surrounding spaces are removed; the stored form is the library's normalized
    address (domain in lower case, internationalized domains as Unicode). The
    database enforces a simple shape (``x@y.z``, no spaces) with a ``format`` rule.
    """

    handle = "email"
    label = "Email"
    ui_component = "email-input"
    table_cell_component = "EmailCell"
    form_input_component = "EmailInput"
    description = "An email address."
    format_pattern = EMAIL_SHAPE
    format_case_insensitive = True

    @property
    def settings_schema(self) -> dict:
        return object_schema({"maxLength": max_length_prop()})

    def parse_value(self, value: Any, settings: dict | None = None) -> str:
        text = require_str(value, "an email address (a string)").strip()
        try:
            result = validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(f"must be a valid email address ({exc})") from None
        return result.normalized

    def check_value(self, value: str, settings: dict) -> str | None:
        """PolySynergy's ``domainRestriction``: only addresses at that domain (or below it)."""
        domain = settings.get("domainRestriction")
        if domain:
            at = value.rsplit("@", 1)[-1].lower()
            if at != domain.lower() and not at.endswith("." + domain.lower()):
                return f"must be an address at {domain} (got one at {at})"
        return super().check_value(value, settings)
