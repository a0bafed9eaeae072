"""Per type: values that pass, values that fail with a useful reason, settings checks."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from psycopg.types.json import Jsonb

from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldTypeRegistry
from polysynergy_section_field.section_field_runner.errors import FieldSettingsError

REGISTRY = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
UID = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"
UID2 = "9a1b2c3d-0000-4000-8000-000000000001"
REL = {"targetSection": "authors"}
RELS = {"targetSection": "authors", "allowMultiple": True, "maxItems": 2}
OPTS = {"options": ["draft", {"value": "published", "label": "Published"}]}
MOPTS = {"options": ["a", "b", "c"], "maxItems": 2, "minItems": 1}

# (handle, settings, input, parameter psycopg receives)
VALID = [
    ("text", {}, "hello", "hello"),
    ("text", {"maxLength": 5}, "12345", "12345"),
    ("text", {"pattern": "[A-Z]{3}-[0-9]+"}, "ABC-12", "ABC-12"),
    ("textarea", {"minLength": 2}, "a\nb", "a\nb"),
    ("number", {}, 1.5, 1.5),
    ("number", {}, "2e3", 2000.0),
    ("number", {"min": 0, "max": 1}, 1, 1.0),
    ("integer", {}, 42, 42),
    ("integer", {}, " -7 ", -7),
    ("integer", {}, 3.0, 3),
    ("integer", {}, -(2**63), -(2**63)),
    ("integer", {"min": 1, "max": 10}, 10, 10),
    ("decimal", {}, "12.34", Decimal("12.34")),
    ("decimal", {}, 0.1, Decimal("0.1")),
    ("decimal", {}, "12.50", Decimal("12.50")),
    ("decimal", {"precision": 4, "scale": 0}, 9999, Decimal(9999)),
    ("decimal", {"min": "0.05"}, "0.05", Decimal("0.05")),
    ("currency", {"currency": "JPY", "scale": 0}, 1500, Decimal(1500)),
    ("currency", {}, "999999999999.99", Decimal("999999999999.99")),
    ("percentage", {}, 42, Decimal("42.0000")),
    ("percentage", {}, "42.5", Decimal("42.5000")),
    ("percentage", {}, 12.34565, Decimal("12.3457")),
    ("percentage", {"min": -50, "max": 500}, -50, Decimal("-50.0000")),
    ("boolean", {}, True, True),
    ("boolean", {}, " False ", False),
    ("date", {}, "2024-02-29", dt.date(2024, 2, 29)),
    ("date", {"min": "2024-01-01", "max": "2024-12-31"}, "2024-12-31", dt.date(2024, 12, 31)),
    ("datetime", {}, "2025-10-31T10:30:00Z", dt.datetime(2025, 10, 31, 10, 30, tzinfo=dt.timezone.utc)),
    ("datetime", {}, "2025-10-31 10:30", dt.datetime(2025, 10, 31, 10, 30, tzinfo=dt.timezone.utc)),
    ("datetime", {}, dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)),
    ("time", {}, "08:15", dt.time(8, 15)),
    ("time", {"min": "09:00", "max": "17:00"}, "17:00:00", dt.time(17)),
    ("select", OPTS, "published", "published"),
    ("multi_select", MOPTS, ["c", "a"], ["c", "a"]),
    ("relation", REL, UID, uuid.UUID(UID)),
    ("relation", REL, uuid.UUID(UID), uuid.UUID(UID)),
    ("relation", RELS, [UID, UID2], [uuid.UUID(UID), uuid.UUID(UID2)]),
    ("relation", RELS, [], []),
    ("email", {}, "first.last+tag@Example.ORG", "first.last+tag@example.org"),
    ("url", {}, "https://example.com", "https://example.com"),
    ("url", {"allowedSchemes": ["ftp"]}, "ftp://files.example.com/a", "ftp://files.example.com/a"),
    ("url", {}, "HTTP://EXAMPLE.COM:8080/x", "HTTP://EXAMPLE.COM:8080/x"),
    ("slug", {}, "a-1-b", "a-1-b"),
    ("phone", {}, "+44 (20) 7946.0958", "+442079460958"),
    ("phone", {}, "0044 20 7946 0958", "+442079460958"),
    ("phone", {"defaultCountryCode": "31"}, "06-12345678", "+31612345678"),
    ("color", {}, " #ABC ", "#aabbcc"),
    ("color", {}, "#00ff7F", "#00ff7f"),
]


@pytest.mark.parametrize("handle,settings,value,parameter", VALID)
def test_valid_values(handle, settings, value, parameter):
    field_type = REGISTRY.get(handle)
    settings = field_type.validate_settings(settings)
    assert field_type.validate(value, settings) == (True, None)
    serialized = field_type.serialize(value, settings)
    assert serialized == parameter
    assert type(serialized) is type(parameter)


def test_json_parameter_is_jsonb():
    field_type = REGISTRY.get("json")
    parameter = field_type.serialize({"a": 1})
    assert isinstance(parameter, Jsonb) and parameter.obj == {"a": 1}
    assert field_type.validate([1, "x", None, True]) == (True, None)


def test_null_is_always_valid():
    for field_type in REGISTRY:
        assert field_type.validate(None, {}) == (True, None)
        assert field_type.serialize(None, {}) is None


# (handle, settings, input, words the message must contain)
INVALID = [
    ("text", {}, 5, "must be a string"),
    ("text", {}, "nul\x00char", "NUL"),
    ("text", {"maxLength": 200}, "x" * 250, "at most 200 characters (got 250)"),
    ("text", {"minLength": 3}, "ab", "at least 3 characters (got 2)"),
    ("text", {"pattern": "[0-9]+"}, "12a", "must match the pattern [0-9]+"),
    ("textarea", {"maxLength": 3}, "abcd", "at most 3 characters"),
    ("number", {}, True, "not true/false"),
    ("number", {}, float("nan"), "NaN"),
    ("number", {}, float("inf"), "Infinity"),
    ("number", {}, "NaN", "must be a number"),
    ("number", {}, "abc", "must be a number"),
    ("number", {}, 10**400, "too large"),
    ("number", {"min": 0}, -0.5, "at least 0 (got -0.5)"),
    ("number", {"max": 10}, 11, "at most 10 (got 11)"),
    ("integer", {}, False, "whole number"),
    ("integer", {}, 1.5, "must be a whole number"),
    ("integer", {}, "1.0", "must be a whole number"),
    ("integer", {}, 2**63, "between -9223372036854775808 and 9223372036854775807"),
    ("integer", {"max": 5}, 6, "at most 5 (got 6)"),
    ("decimal", {}, "1.234", "at most 2 decimal places (got 3)"),
    ("decimal", {}, "10000000000", "at most 10 digits before the decimal point"),
    ("decimal", {}, "Infinity", "must be a number"),
    ("decimal", {}, Decimal("NaN"), "NaN"),
    ("decimal", {}, True, "true/false"),
    ("decimal", {"min": "0.10"}, "0.09", "at least 0.1 (got 0.09)"),
    ("currency", {}, "19.999", "at most 2 decimal places"),
    ("currency", {}, "€10", "must be a number"),
    ("percentage", {}, 101, "at most 100 (got 101)"),
    ("percentage", {}, -1, "at least 0 (got -1)"),
    ("percentage", {}, "abc", "percentage"),
    ("percentage", {"max": 999}, 1000, "between -999.9999 and 999.9999"),
    ("boolean", {}, 1, "must be true or false"),
    ("boolean", {}, "yes", "must be true or false"),
    ("date", {}, "31-10-2025", "ISO-8601 date (YYYY-MM-DD)"),
    ("date", {}, "2025-02-30", "not a day of the calendar"),
    ("date", {}, dt.datetime(2025, 1, 1), "not a date and time"),
    ("date", {"min": "2025-01-01"}, "2024-12-31", "earlier than 2025-01-01 (got 2024-12-31)"),
    ("datetime", {}, "2025-10-31", "ISO-8601 date and time"),
    ("datetime", {}, "yesterday", "ISO-8601 date and time"),
    ("datetime", {"max": "2025-01-01T00:00:00Z"}, "2025-01-01T00:00:01Z", "later than 2025-01-01T00:00:00+00:00"),
    ("time", {}, "25:00", "not a time of day"),
    ("time", {}, "10:30+02:00", "without time zone"),
    ("time", {"min": "09:00"}, "08:59", "earlier than 09:00:00"),
    ("select", OPTS, "archived", "must be one of: draft, published (got 'archived')"),
    ("select", OPTS, 1, "must be one of the options"),
    ("multi_select", MOPTS, "a", "must be a list"),
    ("multi_select", MOPTS, ["a", "a"], "'a' appears twice"),
    ("multi_select", MOPTS, ["a", "x"], "may only contain the options a, b, c (got 'x')"),
    ("multi_select", MOPTS, ["a", "b", "c"], "at most 2 values (got 3)"),
    ("multi_select", MOPTS, [], "at least 1 value (got 0)"),
    ("relation", REL, "not-a-uuid", "must be an entry id"),
    ("relation", REL, [UID], "must be an entry id"),
    ("relation", RELS, UID, "must be a list of entry ids"),
    ("relation", RELS, [UID, UID], "must not link the same entry twice"),
    ("relation", RELS, [UID, UID2, str(uuid.uuid4())], "at most 2 entries (got 3)"),
    ("json", {}, float("nan"), "must be JSON data"),
    ("json", {}, {"a": {1, 2}}, "must be JSON data"),
    ("json", {}, {"a": "\x00"}, "NUL"),
    ("json", {"schema": {"type": "object", "required": ["name"]}}, {"age": 3}, "'name' is a required property"),
    ("json", {"schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}, {"n": "x"}, "at /n"),
    ("email", {}, "not-an-email", "must be a valid email address"),
    ("email", {}, "a b@example.com", "must be a valid email address"),
    ("email", {"maxLength": 10}, "someone@example.com", "at most 10 characters"),
    ("url", {}, "example.com", "must start with http:// or https://"),
    ("url", {}, "https://", "needs a host"),
    ("url", {}, "https://exa mple.com", "without spaces"),
    ("url", {}, "javascript:alert(1)", "must start with"),
    ("url", {}, "https://example.com:99999/", "must be a URL"),
    ("slug", {}, "Hello-World", "must be a slug"),
    ("slug", {}, "a--b", "must be a slug"),
    ("slug", {}, "a-b\n", "must be a slug"),
    ("phone", {}, "12345", "6 to 15 digits"),
    ("phone", {}, "+31 6 abc", "6 to 15 digits"),
    ("color", {}, "#12345", "hex colour"),
    ("color", {}, "rgb(1,2,3)", "hex colour"),
]


@pytest.mark.parametrize("handle,settings,value,words", INVALID)
def test_invalid_values(handle, settings, value, words):
    field_type = REGISTRY.get(handle)
    settings = field_type.validate_settings(settings)
    ok, message = field_type.validate(value, settings)
    assert not ok
    assert words in message


GOOD_SETTINGS = [
    ("text", {"maxLength": 200, "minLength": 1, "pattern": "^[a-z]+$", "placeholder": "Name"}),
    ("textarea", {"rows": 10, "maxLength": 5000}),
    ("number", {"min": -1.5, "max": 1.5}),
    ("integer", {"min": 0, "max": 2**63 - 1}),
    ("decimal", {"precision": 20, "scale": 20}),
    ("decimal", {"precision": 5, "scale": 2, "min": "-999.99", "max": 999.99}),
    ("currency", {"currency": "USD", "precision": 10, "scale": 4}),
    ("percentage", {"min": -100, "max": 200}),
    ("boolean", {"default": True}),
    ("date", {"min": "2020-01-01", "max": "2030-12-31"}),
    ("datetime", {"min": "2020-01-01T00:00:00Z"}),
    ("time", {"min": "08:00", "max": "18:00"}),
    ("select", {"options": ["a", {"value": "b"}], "default": "b"}),
    ("multi_select", {"options": ["a", "b"], "minItems": 0, "maxItems": 2, "default": ["a"]}),
    ("relation", {"targetSection": "blog_posts", "allowMultiple": True, "maxItems": 5}),
    ("json", {"schema": {"type": "array", "items": {"type": "string"}}}),
    ("email", {"maxLength": 254}),
    ("url", {"allowedSchemes": ["https", "git+ssh"], "maxLength": 2000}),
    ("slug", {"maxLength": 80}),
    ("phone", {"defaultCountryCode": "1"}),
    ("color", {"presets": ["#ff0000", "#00FF00"]}),
]


@pytest.mark.parametrize("handle,settings", GOOD_SETTINGS)
def test_good_settings(handle, settings):
    assert REGISTRY.get(handle).validate_settings(settings) == settings


# (handle, settings, the setting the error must name)
BAD_SETTINGS = [
    ("text", {"maxLength": 0}, "maxLength"),
    ("text", {"maxLength": 10485761}, "maxLength"),
    ("text", {"maxLength": 5, "minLength": 6}, "minLength"),
    ("text", {"pattern": "([a-z"}, "pattern"),
    ("textarea", {"rows": 101}, "rows"),
    ("number", {"min": 5, "max": 1}, "min"),
    ("number", {"min": "5"}, "min"),
    ("integer", {"min": 1.5}, "min"),
    ("integer", {"max": 2**63}, "max"),
    ("decimal", {"precision": 0}, "precision"),
    ("decimal", {"precision": 1001}, "precision"),
    ("decimal", {"precision": 4, "scale": 5}, "scale"),
    ("decimal", {"max": "12abc"}, "max"),
    ("decimal", {"precision": 4, "scale": 2, "max": 100}, "max"),
    ("currency", {"currency": "eur"}, "currency"),
    ("currency", {"currency": "EURO"}, "currency"),
    ("percentage", {"min": 150}, "min"),
    ("percentage", {"max": 1000}, "max"),
    ("boolean", {"default": "yes"}, "default"),
    ("date", {"min": "2020-13-01"}, "min"),
    ("date", {"min": "2021-01-01", "max": "2020-01-01"}, "min"),
    ("datetime", {"max": "soon"}, "max"),
    ("time", {"min": "7am"}, "min"),
    ("select", {}, "settings"),
    ("select", {"options": []}, "options"),
    ("select", {"options": ["a", {"value": "a", "label": "A again"}]}, "options"),
    ("select", {"options": [{"label": "no value"}]}, "options"),
    ("select", {"options": ["a"], "default": "b"}, "default"),
    ("multi_select", {"options": ["a"], "maxItems": 0}, "maxItems"),
    ("multi_select", {"options": ["a", "b"], "minItems": 2, "maxItems": 1}, "minItems"),
    ("multi_select", {"options": ["a"], "minItems": 2}, "minItems"),
    ("multi_select", {"options": ["a"], "default": ["z"]}, "default"),
    ("relation", {}, "targetSection"),
    ("relation", {"targetSection": "Bad-Name"}, "targetSection"),
    ("relation", {"targetSection": "x" * 64}, "targetSection"),
    ("relation", {"targetSection": "authors", "maxItems": 3}, "maxItems"),
    ("json", {"schema": {"type": "nonsense"}}, "schema"),
    ("json", {"schema": []}, "schema"),
    ("email", {"maxLength": -1}, "maxLength"),
    ("url", {"allowedSchemes": []}, "allowedSchemes"),
    ("url", {"allowedSchemes": ["HTTP"]}, "allowedSchemes"),
    ("slug", {"pattern": "x"}, "pattern"),
    ("phone", {"defaultCountryCode": "+31"}, "defaultCountryCode"),
    ("color", {"presets": ["red"]}, "presets"),
]


@pytest.mark.parametrize("handle,settings,setting", BAD_SETTINGS)
def test_bad_settings(handle, settings, setting):
    with pytest.raises(FieldSettingsError) as info:
        REGISTRY.get(handle).validate_settings(settings)
    assert setting in str(info.value)
    assert handle in str(info.value)


def test_option_values_in_both_forms():
    select = REGISTRY.get("select")
    assert select.option_values(OPTS) == ["draft", "published"]
    assert REGISTRY.get("multi_select").option_values({"options": [{"value": "x", "label": "X"}, "y"]}) == ["x", "y"]


def test_relation_storage_and_targets():
    relation = REGISTRY.get("relation")
    assert relation.stores_column(REL) and not relation.stores_column(RELS)
    assert relation.foreign_key_target(RELS) == "authors"
    assert relation.index_method(REL) == "btree" and relation.index_method(RELS) is None
    assert relation.deserialize([uuid.UUID(UID)]) == [UID]
    assert relation.operators_for(RELS) == {"_contains", "_null", "_nnull"}


def test_column_types_from_settings():
    get = REGISTRY.get
    assert get("text").column_type({"maxLength": 200}) == "character varying(200)"
    assert get("email").column_type({"maxLength": 254}) == "character varying(254)"
    assert get("decimal").column_type({"precision": 20, "scale": 6}) == "numeric(20,6)"
    assert get("currency").column_type({"scale": 0}) == "numeric(14,0)"
    assert get("multi_select").index_method({}) == "gin"
    assert get("json").index_method({}) == "gin"
    assert get("text").index_method({}) is None


def test_deserialize_outputs():
    get = REGISTRY.get
    assert get("decimal").deserialize(Decimal("12.5"), {}) == "12.50"
    assert get("decimal").deserialize(Decimal("-0.00"), {}) == "0.00"
    assert get("decimal").deserialize(Decimal("123456789012345678901234567890.12"),
                                      {"precision": 40, "scale": 2}) == "123456789012345678901234567890.12"
    assert get("currency").deserialize(Decimal("7"), {"scale": 3}) == "7.000"
    assert get("integer").deserialize(5) == 5
    assert get("number").deserialize(Decimal("2.5")) == 2.5
    amsterdam = dt.timezone(dt.timedelta(hours=2))
    assert get("datetime").deserialize(dt.datetime(2025, 10, 31, 12, 30, tzinfo=amsterdam)) == "2025-10-31T10:30:00+00:00"
    assert get("time").deserialize(dt.time(7, 5)) == "07:05:00"
    assert get("boolean").deserialize(None) is None
