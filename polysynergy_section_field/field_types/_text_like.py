"""Base of the types stored as text or varchar: text, textarea, email, url, slug, phone,
color and select. Not part of the plugin API."""

from __future__ import annotations

from typing import Any

from ..section_field_runner.base_field_type import TEXT_OPERATORS, CheckRule, Conversion, FieldType
from ._common import (
    BuiltinFieldType,
    any_of,
    check_length_bounds,
    length_rule,
    not_matching,
    regex_rule,
    relabel_only,
    require_str,
)
from ._conversions import TEXT_NUMERIC, from_text


class TextLikeFieldType(BuiltinFieldType):
    """A string column; ``maxLength`` makes it ``character varying(N)``."""

    postgres_type = "text"
    filter_operators = TEXT_OPERATORS
    conversions = from_text()
    #: Template turning a text column into this type's stored form on conversion.
    normalize_using = "{column}"
    #: Regex the stored value matches (a CHECK rule and a conversion predicate).
    format_pattern: str | None = None
    format_case_insensitive = False
    numeric_expression = TEXT_NUMERIC

    # -- settings ------------------------------------------------------------------
    def check_settings(self, settings: dict) -> None:
        check_length_bounds(self, settings)

    # -- values --------------------------------------------------------------------
    def parse_value(self, value: Any, settings: dict | None = None) -> str:
        return require_str(value)

    def check_value(self, value: Any, settings: dict) -> str | None:
        return self.check_length(value, settings)

    @staticmethod
    def check_length(value: str, settings: dict) -> str | None:
        max_length, min_length = settings.get("maxLength"), settings.get("minLength")
        if max_length is not None and len(value) > max_length:
            return f"must be at most {max_length} characters (got {len(value)})"
        if min_length is not None and len(value) < min_length:
            return f"must be at least {min_length} characters (got {len(value)})"
        return None

    # -- columns -------------------------------------------------------------------
    def column_type(self, settings: dict | None = None) -> str:
        max_length = (settings or {}).get("maxLength")
        return f"character varying({int(max_length)})" if max_length else "text"

    def format_rules(self, column: str, settings: dict) -> list[CheckRule]:
        """The ``format`` rule(s); the default uses ``format_pattern``."""
        if self.format_pattern is None:
            return []
        return [regex_rule(column, self.format_pattern, "format", self.format_case_insensitive)]

    def check_rules(self, column: str, settings: dict | None = None) -> list[CheckRule]:
        settings = settings or {}
        rules = self.format_rules(column, settings)
        rule = length_rule(column, settings.get("minLength"))
        if rule is not None:
            rules.append(rule)
        return rules

    # -- conversions ---------------------------------------------------------------
    def format_predicate(self, settings: dict, expression: str) -> str | None:
        """A template that is true when ``expression`` breaks the format rule."""
        if self.format_pattern is None:
            return None
        return not_matching(expression, self.format_pattern, self.format_case_insensitive)

    def incoming_predicates(self, settings: dict, expression: str) -> list[str | None]:
        predicates = [self.format_predicate(settings, expression)]
        if settings.get("maxLength"):
            predicates.append(f"char_length({expression}) > {int(settings['maxLength'])}")
        if settings.get("minLength"):
            predicates.append(f"char_length({expression}) < {int(settings['minLength'])}")
        return predicates

    def incoming_conversion(self, source: FieldType, base: Conversion, old_settings: dict,
                            new_settings: dict) -> Conversion:
        """Refine ``base`` (source -> this type) with this type's settings."""
        if isinstance(source, TextLikeFieldType):
            using, prior = self.normalize_using, None
            rewrites = not (
                using == "{column}"
                and relabel_only(source.column_type(old_settings), self.column_type(new_settings))
            )
        else:
            using, prior, rewrites = base.using, base.failure_predicate, base.rewrites
        expression = using if using == "{column}" else f"({using})"
        predicate = any_of(prior, *self.incoming_predicates(new_settings, expression))
        return Conversion(using=using, failure_predicate=predicate, rewrites=rewrites)

    def same_type_conversion(self, old_settings: dict, new_settings: dict) -> Conversion:
        """A new length limit (or format setting): count the rows that break it."""
        predicate = any_of(*self.incoming_predicates(new_settings, "{column}"))
        rewrites = not relabel_only(self.column_type(old_settings), self.column_type(new_settings))
        return Conversion(using="{column}", failure_predicate=predicate, rewrites=rewrites)

