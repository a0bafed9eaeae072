"""Multi select: several values from a list of options, stored as text[]."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ...section_field_runner.base_field_type import CheckRule, Conversion, FieldType
from ...section_field_runner.errors import UnsupportedFilterError
from ...section_field_runner.field_type_decorator import field_type
from .._common import BuiltinFieldType, any_of, null_or, object_schema, prop, settings_error, text_array
from ._options import OPTIONS_SCHEMA, OptionsMixin

def _noun(count: int) -> str:
    return "value" if count == 1 else "values"


_OPERATORS = frozenset({"_eq", "_neq", "_in", "_nin", "_contains", "_null", "_nnull"})


@field_type(category="choice", icon="multi_select.svg")
class MultiSelectField(OptionsMixin, BuiltinFieldType):
    """Any number of the configured options, stored as ``text[]`` (GIN-indexed).

    Input is a list of option values without repeats; order is kept. Filters:

    - ``_contains``: a value or a list; the entry has *all* of them (``@>``).
    - ``_in``: a list; the entry has *at least one* of them (``&&``). ``_nin``: none.
    - ``_eq``: a list (or one value); the entry has exactly these values, in any
      order. ``_neq``: anything else, NULL included.
    """

    handle = "multi_select"
    label = "Multi Select"
    #: What PolySynergy's own migration generator creates for this handle (its API writes
    #: the values as JSON); our engine's column is ``column_type``: ``text[]``.
    postgres_type = "JSONB"
    ui_component = "multi-select"
    table_cell_component = "TagsCell"
    form_input_component = "MultiSelect"
    description = "Several values from a fixed list of options."
    filter_operators = _OPERATORS
    sortable = False
    def column_type(self, settings: dict | None = None) -> str:
        return "text[]"

    conversions = {
        "text": Conversion(using="array_to_string({column}, ', ')"),
        "textarea": Conversion(using="array_to_string({column}, ', ')"),
        "json": Conversion(using="to_jsonb({column})"),
    }

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {
                "options": OPTIONS_SCHEMA,
                "minItems": prop("integer", "Minimum selected", "Fewest options an entry must have.",
                                 minimum=0),
                "maxItems": prop("integer", "Maximum selected", "Most options an entry may have.",
                                 minimum=1),
                "default": prop("array", "Default", "Option values of new entries when none are given.",
                                items={"type": "string"}, uniqueItems=True),
            },
            required=["options"],
        )

    def check_settings(self, settings: dict) -> None:
        self.check_options(settings)
        values = self.option_values(settings)
        low, high = settings.get("minItems"), settings.get("maxItems")
        if low is not None and high is not None and low > high:
            raise settings_error(self, "minItems", f"'minItems' ({low}) must not be greater than "
                                                   f"'maxItems' ({high})")
        if low is not None and low > len(values):
            raise settings_error(self, "minItems", f"'minItems' ({low}) is more than the "
                                                   f"{len(values)} options")
        for value in settings.get("default") or []:
            if value not in values:
                raise settings_error(self, "default", f"{value!r} is not one of the options")

    # -- values --------------------------------------------------------------------
    def parse_value(self, value: Any, settings: dict | None = None) -> list[str]:
        if not isinstance(value, (list, tuple)):
            raise ValueError("must be a list of option values")
        seen: set[str] = set()
        for item in value:
            if not isinstance(item, str):
                raise ValueError("must be a list of option values (strings)")
            if item in seen:
                raise ValueError(f"must not repeat a value ({item!r} appears twice)")
            seen.add(item)
        return list(value)

    def check_value(self, value: list[str], settings: dict) -> str | None:
        allowed = set(self.option_values(settings))
        unknown = [item for item in value if item not in allowed]
        if unknown:
            return (f"may only contain the options {self.describe_options(settings)} "
                    f"(got {', '.join(repr(u) for u in unknown)})")
        low, high = settings.get("minItems"), settings.get("maxItems")
        if high is not None and len(value) > high:
            return f"must have at most {high} {_noun(high)} (got {len(value)})"
        if low is not None and len(value) < low:
            return f"must have at least {low} {_noun(low)} (got {len(value)})"
        return None

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        return None if value is None else [str(item) for item in value]

    # -- columns -------------------------------------------------------------------
    def check_rules(self, column: str, settings: dict | None = None) -> list[CheckRule]:
        settings = settings or {}
        col = sql.Identifier(column)
        rules = []
        values = self.option_values(settings)
        if values:
            rules.append(CheckRule("options", null_or(column, sql.SQL("{} <@ {}").format(col, text_array(values)))))
        parts = []
        if settings.get("minItems"):
            parts.append(sql.SQL("cardinality({}) >= {}").format(col, sql.Literal(int(settings["minItems"]))))
        if settings.get("maxItems") is not None:
            parts.append(sql.SQL("cardinality({}) <= {}").format(col, sql.Literal(int(settings["maxItems"]))))
        if parts:
            rules.append(CheckRule("items", null_or(column, sql.SQL(" AND ").join(parts))))
        return rules

    def index_method(self, settings: dict | None = None) -> str | None:
        return "gin"

    # -- conversions ---------------------------------------------------------------
    def predicates(self, expression: str, settings: dict) -> list[str | None]:
        predicates: list[str | None] = []
        if self.option_values(settings):
            predicates.append(f"NOT ({expression} <@ {self.options_template(settings)})")
        if settings.get("minItems"):
            predicates.append(f"cardinality({expression}) < {int(settings['minItems'])}")
        if settings.get("maxItems") is not None:
            predicates.append(f"cardinality({expression}) > {int(settings['maxItems'])}")
        return predicates

    def incoming_conversion(self, source: FieldType, base: Conversion, old_settings: dict,
                            new_settings: dict) -> Conversion:
        predicate = any_of(base.failure_predicate, *self.predicates(f"({base.using})", new_settings))
        return Conversion(using=base.using, failure_predicate=predicate, rewrites=base.rewrites)

    def same_type_conversion(self, old_settings: dict, new_settings: dict) -> Conversion:
        return Conversion(using="{column}", failure_predicate=any_of(*self.predicates("{column}", new_settings)),
                          rewrites=False)

    # -- filters -------------------------------------------------------------------
    def _values(self, operator: str, value: Any) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        raise ValueError(f"{operator} takes an option value or a list of option values")

    def compile_filter(self, operator: str, column: sql.Composable, value: Any,
                       settings: dict | None = None) -> tuple[sql.Composable, list]:
        if operator not in self.filter_operators:
            allowed = ", ".join(sorted(self.filter_operators))
            raise UnsupportedFilterError(
                f"operator '{operator}' is not supported on {self.label} fields (allowed: {allowed})"
            )
        if operator in ("_null", "_nnull") or (operator in ("_eq", "_neq") and value is None):
            return super().compile_filter(operator, column, value, settings)
        values = self._values(operator, value)
        if operator == "_contains":
            return sql.SQL("{} @> %s::text[]").format(column), [values]
        if operator == "_in":
            return sql.SQL("{} && %s::text[]").format(column), [values]
        if operator == "_nin":
            return sql.SQL("({0} IS NULL OR NOT ({0} && %s::text[]))").format(column), [values]
        same = sql.SQL("({0} @> %s::text[] AND {0} <@ %s::text[])").format(column)
        if operator == "_eq":
            return same, [values, values]
        return sql.SQL("({} IS NULL OR NOT {})").format(column, same), [values, values]
