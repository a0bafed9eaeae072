"""The registry: the 24 built-ins (20 of ours, 4 PolySynergy handles mapped onto them), their metadata, duplicates, run-time and entry-point plugins."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import polysynergy_section_field as psf
from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldType, FieldTypeRegistry, field_type
from polysynergy_section_field.section_field_runner.base_field_type import ALL_OPERATORS
from polysynergy_section_field.section_field_runner.errors import (
    DuplicateFieldTypeError,
    UnknownFieldTypeError,
)

ICONS = Path(__file__).resolve().parents[2] / "icons"
HANDLES = {
    "text", "textarea", "number", "integer", "decimal", "boolean", "date", "datetime", "time",
    "select", "multi_select", "relation", "json", "email", "url", "slug", "phone", "color",
    "currency", "percentage",
    # PolySynergy's handles that have no name of ours (issue 19).
    "relation_many_to_one", "relation_many_to_many", "image", "file", "relation_one_to_many",
}
# canonical format_type spellings of the default column types
DEFAULT_TYPES = {
    "text": "text", "textarea": "text", "number": "double precision", "integer": "bigint",
    "decimal": "numeric(12,2)", "boolean": "boolean", "date": "date",
    "datetime": "timestamp with time zone", "time": "time without time zone", "select": "text",
    "multi_select": "text[]", "relation": "uuid", "json": "jsonb", "email": "text", "url": "text",
    "slug": "text", "phone": "text", "color": "text", "currency": "numeric(14,2)",
    "percentage": "numeric(7,4)", "relation_many_to_one": "uuid", "relation_many_to_many": "uuid",
    "image": "character varying(500)", "file": "character varying(500)", "relation_one_to_many": "VIRTUAL",
}
#: ``postgres_type`` as PolySynergy's migration generator reads it from the class (its markers).
POLYSYNERGY_MARKERS = {"relation_many_to_one": "UUID", "relation_many_to_many": "JUNCTION_TABLE",
                       "image": "VARCHAR(500)", "file": "VARCHAR(500)",
                       # PolySynergy's API writes multi_select values as JSON (issue 19).
                       "multi_select": "JSONB", "relation_one_to_many": "VIRTUAL"}


def test_exactly_the_twenty_five_builtins():
    registry = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
    assert set(registry.handles()) == HANDLES
    assert len(BUILTIN_FIELD_TYPES) == 25
    assert {cls.handle for cls in psf.registered_field_types} == HANDLES


@pytest.mark.parametrize("cls", BUILTIN_FIELD_TYPES, ids=lambda c: c.handle)
def test_metadata(cls):
    instance = cls()
    assert isinstance(instance, FieldType)
    assert getattr(cls, "_is_field_type", False), "decorated with @field_type"
    assert instance.label and instance.description and instance.ui_component
    assert instance.category in {"text", "number", "basic", "date", "choice", "relational", "advanced", "media"}
    assert instance.icon == f"{instance.handle}.svg"
    icon = ICONS / instance.icon
    assert icon.is_file()
    svg = icon.read_text()
    assert 'viewBox="0 0 24 24"' in svg and 'stroke="currentColor"' in svg
    assert instance.postgres_type == POLYSYNERGY_MARKERS.get(instance.handle, DEFAULT_TYPES[instance.handle])
    assert instance.column_type({"targetSection": "x", "options": ["a"]}) == DEFAULT_TYPES[instance.handle]
    assert instance.filter_operators <= ALL_OPERATORS and instance.filter_operators
    summary = instance.describe()
    assert summary["handle"] == instance.handle and summary["icon"] == instance.icon


@pytest.mark.parametrize("cls", BUILTIN_FIELD_TYPES, ids=lambda c: c.handle)
def test_settings_schema_is_valid_draft_2020_12(cls):
    schema = cls().settings_schema
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    for name, prop in schema["properties"].items():
        assert prop.get("title") and prop.get("description"), f"{cls.handle}.{name}"


@pytest.mark.parametrize("cls", BUILTIN_FIELD_TYPES, ids=lambda c: c.handle)
def test_unknown_setting_is_rejected(cls):
    with pytest.raises(ValueError, match="noSuchSetting"):
        cls().validate_settings({"noSuchSetting": 1, "targetSection": "x", "options": ["a"]})


def test_default_registry_and_get_field_type():
    registry = psf.default_registry(reload=True)
    assert HANDLES <= set(registry.handles())
    assert psf.get_field_type("email").handle == "email"
    with pytest.raises(UnknownFieldTypeError, match="nope"):
        registry.get("nope")


def test_duplicate_handle_is_an_error():
    @field_type(category="text", icon="text.svg")
    class OtherText(FieldType):
        handle = "text"
        label = "Another text"

    registry = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
    with pytest.raises(DuplicateFieldTypeError, match="'text'"):
        registry.register(OtherText)
    # registering the same class again is harmless
    assert registry.register(BUILTIN_FIELD_TYPES[0]).handle == "text"


def test_register_at_run_time():
    @field_type(category="custom", icon="stars.svg")
    class StarsField(FieldType):
        handle = "stars"
        label = "Stars"
        postgres_type = "smallint"

    registry = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
    instance = registry.register(StarsField)
    assert registry.get("stars") is instance
    assert instance.category == "custom" and instance.icon == "stars.svg"
    assert len(registry) == len(BUILTIN_FIELD_TYPES) + 1


def test_entry_point_plugins_are_loaded(tmp_path, monkeypatch):
    (tmp_path / "ft_plugin_demo.py").write_text(
        textwrap.dedent(
            """
            from polysynergy_section_field import FieldType, field_type

            @field_type(category="custom", icon="isbn.svg")
            class IsbnField(FieldType):
                handle = "isbn_demo"
                label = "ISBN"

            @field_type(category="custom")
            class IssnField(FieldType):
                handle = "issn_demo"
                label = "ISSN"

            BOTH = [IssnField]
            """
        )
    )
    dist = tmp_path / "ft_plugin_demo-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ft-plugin-demo\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[polysynergy_section_field.field_types]\n"
        "isbn = ft_plugin_demo:IsbnField\n"
        "more = ft_plugin_demo:BOTH\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
    added = registry.load_entry_points()
    assert {"isbn_demo", "issn_demo"} <= set(added)
    assert registry.get("isbn_demo").label == "ISBN"
    assert registry.get("isbn_demo").icon == "isbn.svg"


def test_describe_is_json_safe():
    import json

    for cls in BUILTIN_FIELD_TYPES:
        json.dumps(cls().describe())
