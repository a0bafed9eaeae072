"""Shared behaviour of date, datetime and time (not part of the plugin API)."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ...section_field_runner.base_field_type import ORDERED_OPERATORS, CheckRule
from .._common import BuiltinFieldType, null_or, object_schema, prop, range_rule, settings_error


class TemporalFieldType(BuiltinFieldType):
    """Ordered values with optional ISO-8601 ``min``/``max`` settings."""

    filter_operators = ORDERED_OPERATORS
    #: How values are written in messages and settings, e.g. "YYYY-MM-DD".
    example = ""
    #: Whether the column can hold 'infinity' (checked out with a ``finite`` rule).
    has_infinity = True

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "min": prop("string", "Earliest", f"Earliest allowed value, ISO-8601 ({self.example})."),
                "max": prop("string", "Latest", f"Latest allowed value, ISO-8601 ({self.example})."),
            }
        )

    def check_settings(self, settings: dict) -> None:
        parsed = {}
        for name in ("min", "max"):
            if settings.get(name) is not None:
                try:
                    parsed[name] = self.parse_value(settings[name], {})
                except ValueError as exc:
                    raise settings_error(self, name, f"{settings[name]!r} {exc}") from None
        if len(parsed) == 2 and parsed["min"] > parsed["max"]:
            raise settings_error(self, "min", f"'min' ({settings['min']}) must not be later than "
                                              f"'max' ({settings['max']})")

    def bound(self, settings: dict, name: str) -> Any:
        value = settings.get(name)
        return None if value is None else self.parse_value(value, {})

    def show(self, value: Any) -> str:
        return value.isoformat()

    def check_value(self, value: Any, settings: dict) -> str | None:
        low, high = self.bound(settings, "min"), self.bound(settings, "max")
        if low is not None and value < low:
            return f"must not be earlier than {self.show(low)} (got {self.show(value)})"
        if high is not None and value > high:
            return f"must not be later than {self.show(high)} (got {self.show(value)})"
        return None

    def check_rules(self, column: str, settings: dict | None = None) -> list[CheckRule]:
        settings = settings or {}
        rules = []
        if self.has_infinity:
            # 'infinity' cannot be represented in Python (nor in ISO-8601 output).
            finite = sql.SQL("isfinite({})").format(sql.Identifier(column))
            rules.append(CheckRule("finite", null_or(column, finite)))
        rule = range_rule(column, self.bound(settings, "min"), self.bound(settings, "max"))
        if rule is not None:
            rules.append(rule)
        return rules

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        return None if value is None else value.isoformat()
