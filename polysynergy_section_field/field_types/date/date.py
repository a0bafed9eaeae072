"""Date: a calendar day."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._conversions import from_temporal
from ._temporal import TemporalFieldType

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MESSAGE = "must be an ISO-8601 date (YYYY-MM-DD)"


@field_type(category="date", icon="date.svg")
class DateField(TemporalFieldType):
    """A calendar day without time or time zone; input and output ``YYYY-MM-DD``."""

    handle = "date"
    label = "Date"
    postgres_type = "date"
    ui_component = "date-picker"
    table_cell_component = "DateCell"
    form_input_component = "DatePicker"
    description = "A calendar date (YYYY-MM-DD)."
    example = "YYYY-MM-DD"
    conversions = from_temporal("date")

    def parse_value(self, value: Any, settings: dict | None = None) -> dt.date:
        if isinstance(value, dt.datetime):
            raise ValueError(f"{_MESSAGE}, not a date and time")
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
            raise ValueError(_MESSAGE)
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{_MESSAGE}; {value.strip()} is not a day of the calendar") from None

    def table_cell_props(self, value: Any, settings: dict) -> dict:
        """The portal's date cells print by ``format``."""
        return {"format": "date"}
