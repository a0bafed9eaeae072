"""JSON: any JSON value, stored as jsonb, optionally constrained by a JSON Schema."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match
from psycopg import sql
from psycopg.types.json import Jsonb

from ...section_field_runner.errors import UnsupportedFilterError
from ...section_field_runner.field_type_decorator import field_type
from .._bounded_patterns import PatternTimeout
from .._common import BuiltinFieldType, object_schema, prop, settings_error
from .._conversions import TO_TEXT
from .._schema_patterns import LinearPatternValidator

_OPERATORS = frozenset({"_eq", "_neq", "_contains", "_null", "_nnull"})


@field_type(category="advanced", icon="json.svg")
class JsonField(BuiltinFieldType):
    """Any JSON value (object, array, string, number, boolean) as ``jsonb``.

    A JSON ``null`` input means SQL NULL. With the ``schema`` setting (a draft 2020-12
    JSON Schema), values must satisfy it; its ``pattern`` and ``patternProperties`` run on
    RE2 where RE2 reads them as Python does, else on Python's ``re`` with a time limit
    (``_schema_patterns``), so no value can stall a write. ``_contains`` filters use ``@>`` (GIN-indexed).
    """

    handle = "json"
    label = "JSON"
    postgres_type = "jsonb"
    ui_component = "json-editor"
    table_cell_component = "JsonCell"
    form_input_component = "JsonEditor"
    description = "Structured JSON data, optionally checked against a JSON Schema."
    filter_operators = _OPERATORS
    sortable = False
    conversions = {"text": TO_TEXT, "textarea": TO_TEXT}

    @property
    def settings_schema(self) -> dict:
        return object_schema(
            {"schema": prop("object", "JSON Schema", "A draft 2020-12 JSON Schema that values must satisfy.")}
        )

    def check_settings(self, settings: dict) -> None:
        schema = settings.get("schema")
        if schema is not None:
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                raise settings_error(self, "schema", f"not a valid JSON Schema: {exc.message}") from None

    def parse_value(self, value: Any, settings: dict | None = None) -> Jsonb:
        if isinstance(value, Jsonb):
            value = value.obj
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"must be JSON data ({exc})") from None
        if "\\u0000" in text:
            raise ValueError("must not contain NUL characters (\\u0000)")
        return Jsonb(value)

    def check_value(self, value: Any, settings: dict) -> str | None:
        schema = settings.get("schema")
        if schema is None:
            return None
        data = value.obj if isinstance(value, Jsonb) else value
        try:
            error = best_match(LinearPatternValidator(schema).iter_errors(data))
        except PatternTimeout as exc:
            return str(exc)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        return f"does not match the schema{f' at /{where}' if where else ''}: {error.message}"

    def index_method(self, settings: dict | None = None) -> str | None:
        return "gin"

    def compile_filter(self, operator: str, column: sql.Composable, value: Any,
                       settings: dict | None = None) -> tuple[sql.Composable, list]:
        if operator == "_contains":
            return sql.SQL("{} @> %s").format(column), [self.parse_value(value)]
        if operator not in self.filter_operators:
            allowed = ", ".join(sorted(self.filter_operators))
            raise UnsupportedFilterError(
                f"operator '{operator}' is not supported on {self.label} fields (allowed: {allowed})"
            )
        return super().compile_filter(operator, column, value, settings)
