"""Time: a time of day without date or time zone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._conversions import from_temporal
from ._temporal import TemporalFieldType

_TIME = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?")
_MESSAGE = "must be an ISO-8601 time of day (HH:MM or HH:MM:SS) without time zone"


@field_type(category="date", icon="time.svg")
class TimeField(TemporalFieldType):
    """A wall-clock time (``time without time zone``); output ``HH:MM:SS[.ffffff]``."""

    handle = "time"
    label = "Time"
    postgres_type = "time without time zone"
    ui_component = "time-picker"
    table_cell_component = "TimeCell"
    form_input_component = "TimePicker"
    description = "A time of day (HH:MM:SS), without date or time zone."
    example = "HH:MM or HH:MM:SS"
    conversions = from_temporal("time")
    has_infinity = False

    def parse_value(self, value: Any, settings: dict | None = None) -> dt.time:
        if isinstance(value, dt.time):
            if value.tzinfo is not None:
                raise ValueError(_MESSAGE)
            return value
        if not isinstance(value, str) or not _TIME.fullmatch(value.strip()):
            raise ValueError(_MESSAGE)
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{_MESSAGE}; {value.strip()} is not a time of day") from None
