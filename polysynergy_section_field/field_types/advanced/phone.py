"""Phone number, normalized to digits with an optional leading +."""

from __future__ import annotations

import re
from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import PHONE_PATTERN, PHONE_STRIP_SQL, object_schema, prop, require_str, template_literal
from .._text_like import TextLikeFieldType

_STRIP = re.compile(r"[\s().\-]")
_PHONE = re.compile(PHONE_PATTERN)


@field_type(category="advanced", icon="phone.svg")
class PhoneField(TextLikeFieldType):
    """A phone number in E.164-like form: ``+31201234567``.

    Spaces, dashes, dots and parentheses are removed; a leading ``00`` becomes ``+``.
    With ``defaultCountryCode`` (e.g. ``"31"``), a number without ``+`` gets
    ``+<code>`` in front, after dropping one leading trunk ``0``
    (``020 123 4567`` -> ``+31201234567``). The result must be 6 to 15 digits with an
    optional leading ``+`` (a ``format`` CHECK rule).
    """

    handle = "phone"
    label = "Phone"
    ui_component = "phone-input"
    table_cell_component = "PhoneCell"
    form_input_component = "PhoneInput"
    description = "A phone number, stored as digits with an optional leading +."
    format_pattern = PHONE_PATTERN
    normalize_using = f"regexp_replace({{column}}, {template_literal(PHONE_STRIP_SQL)}, '', 'g')"

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "defaultCountryCode": prop(
                    "string", "Default country code",
                    "Calling code (digits, without +) for numbers entered without one, e.g. 31.",
                    pattern="^[1-9][0-9]{0,2}$",
                ),
            }
        )

    def parse_value(self, value: Any, settings: dict | None = None) -> str:
        text = _STRIP.sub("", require_str(value, "a phone number (a string)"))
        if text.startswith("00"):
            text = "+" + text[2:]
        country = (settings or {}).get("defaultCountryCode")
        if country and text and not text.startswith("+"):
            text = "+" + country + (text[1:] if text.startswith("0") else text)
        if not _PHONE.fullmatch(text):
            raise ValueError("must be a phone number of 6 to 15 digits with an optional leading + "
                             "(spaces, dashes, dots and parentheses are ignored)")
        return text
