"""Date and time: an instant, stored as timestamp with time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...section_field_runner.base_field_type import INSTANT_PATTERN, to_instant
from ...section_field_runner.field_type_decorator import field_type
from .._conversions import from_temporal
from ._temporal import TemporalFieldType



@field_type(category="date", icon="datetime.svg")
class DateTimeField(TemporalFieldType):
    """An instant in time (``timestamp with time zone``).

    Input: ISO-8601 with a ``T`` or a space between date and time, with an offset or
    ``Z``; a value without offset (or a naive ``datetime``) is taken as UTC. Output is
    always in UTC with an explicit offset: ``2025-10-31T10:30:00+00:00``.
    """

    handle = "datetime"
    label = "Date & Time"
    postgres_type = "timestamp with time zone"
    output_is_stored_text = True
    ui_component = "datetime-picker"
    table_cell_component = "DateTimeCell"
    form_input_component = "DateTimePicker"
    description = "A date and time (an instant; shown in UTC)."
    example = "e.g. 2025-10-31T10:30:00Z"
    conversions = from_temporal("datetime")

    def parse_value(self, value: Any, settings: dict | None = None) -> dt.datetime:
        return to_instant(value)

    def parse_column(self, values: list, settings: dict, refuse) -> list:
        """A tight loop for ISO strings when no ``min``/``max`` applies; any other value
        (a datetime, an odd string, an unusual offset) takes the per-value path, so the
        verdicts and messages are the same."""
        if (settings.get("min") is not None or settings.get("max") is not None
                or type(self).bound is not TemporalFieldType.bound):
            return super().parse_column(values, settings, refuse)
        utc, timezone, slow = dt.timezone.utc, dt.timezone, super().parse_column
        match, fromisoformat = INSTANT_PATTERN.fullmatch, dt.datetime.fromisoformat
        out = []
        append = out.append
        for value in values:
            if value.__class__ is str:
                text = value.strip()
                if match(text):
                    try:
                        parsed = fromisoformat(text)
                    except ValueError:
                        parsed = None
                    if parsed is not None:
                        zone = parsed.tzinfo
                        if zone is None:
                            append(parsed.replace(tzinfo=utc))
                            continue
                        if zone.__class__ is timezone:  # always has an offset
                            append(parsed)
                            continue
            out.extend(slow([value], settings, refuse))
        return out

    def show(self, value: Any) -> str:
        return value.astimezone(dt.timezone.utc).isoformat()

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        elif value.tzinfo is not dt.timezone.utc:
            value = value.astimezone(dt.timezone.utc)
        return value.isoformat()

    def deserialize_column(self, values: list, settings: dict | None = None) -> list:
        utc, deserialize = dt.timezone.utc, self.deserialize
        return [None if v is None else v.isoformat() if v.tzinfo is utc else deserialize(v, settings)
                for v in values]

    def table_cell_props(self, value: Any, settings: dict) -> dict:
        """The portal's date cells print by ``format``."""
        return {"format": "datetime"}
