"""Coercion of node inputs (node_support.json_input): the shapes the runtime delivers."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.node_support.json_input import (
    coerce_bool,
    coerce_entry_data,
    coerce_int,
    coerce_object,
    is_handle_value_pairs,
    optional_text,
    required_text,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"maxLength": 200}, {"maxLength": 200}),
        ('{"maxLength": 200}', {"maxLength": 200}),
        ("[]", {}),
        ([], {}),
        (None, {}),
        ("", {}),
        ("   ", {}),
        ({}, {}),
        ([{"handle": "maxLength", "value": 200}], {"maxLength": 200}),
        ([{"handle": "a", "value": "x", "type": "str"}, {"handle": "b", "value": "2", "type": "int"}], {"a": "x", "b": 2}),
        ('[{"handle": "rows", "value": 5}]', {"rows": 5}),
    ],
)
def test_coerce_object_shapes(value, expected):
    assert coerce_object(value, "field_settings") == expected


def test_coerce_object_returns_a_copy():
    original = {"a": 1}
    coerced = coerce_object(original, "filters")
    coerced["b"] = 2
    assert original == {"a": 1}


def test_coerce_object_allow_none_for_empty():
    for empty in (None, "", [], {}, "[]", "{}"):
        assert coerce_object(empty, "filters", allow_none=True) is None


def test_dock_pairs_with_json_values_decode_when_asked():
    pairs = [{"handle": "options", "value": '["hoog", "middel", "laag"]'}, {"handle": "note", "value": "[draft"}]
    assert coerce_object(pairs, "field_settings", decode_nested=True) == {
        "options": ["hoog", "middel", "laag"],
        "note": "[draft",
    }
    assert coerce_object(pairs, "field_data")["options"] == '["hoog", "middel", "laag"]'


def test_bad_json_names_the_input():
    with pytest.raises(InvalidInput) as caught:
        coerce_object('{"maxLength": 200', "field_settings")
    assert str(caught.value).startswith("field_settings is not valid JSON")
    assert caught.value.field == "field_settings"


@pytest.mark.parametrize("value", ['"text"', "5", "[1, 2]", 5, True, ["a", "b"]])
def test_non_objects_are_refused_with_the_input_name(value):
    with pytest.raises(InvalidInput, match=r"^updates must be a JSON object"):
        coerce_object(value, "updates")


def test_pairs_detection():
    assert is_handle_value_pairs([{"handle": "a", "value": 1}])
    assert is_handle_value_pairs([{"handle": "a", "value": 1, "type": "int"}])
    assert not is_handle_value_pairs([])
    assert not is_handle_value_pairs([{"handle": "a"}])
    assert not is_handle_value_pairs([{"company_name": "SWIS"}])


def test_entry_data_single_batch_and_pairs():
    assert coerce_entry_data({"company_name": "SWIS"}, "field_data") == {"company_name": "SWIS"}
    assert coerce_entry_data('{"company_name": "SWIS"}', "field_data") == {"company_name": "SWIS"}
    assert coerce_entry_data([{"handle": "company_name", "value": "SWIS"}], "field_data") == {"company_name": "SWIS"}
    assert coerce_entry_data("[]", "field_data") == {}
    assert coerce_entry_data([], "field_data") == {}
    batch = coerce_entry_data('[{"company_name": "A"}, {"company_name": "B"}]', "field_data")
    assert batch == [{"company_name": "A"}, {"company_name": "B"}]
    assert coerce_entry_data([{"company_name": "A"}, '{"company_name": "B"}'], "field_data") == batch


def test_entry_data_errors_name_the_input_and_item():
    with pytest.raises(InvalidInput, match=r"^field_data is not valid JSON"):
        coerce_entry_data("{nope", "field_data")
    with pytest.raises(InvalidInput, match=r"^field_data\[1\] must be a JSON object"):
        coerce_entry_data([{"company_name": "A"}, 7], "field_data")
    with pytest.raises(InvalidInput, match=r"^field_data must be a JSON object or a list of objects"):
        coerce_entry_data(7, "field_data")


@pytest.mark.parametrize(
    "value, expected",
    [(True, True), (False, False), (None, False), ("true", True), ("False", False), ("yes", True),
     ("0", False), (1, True), (0, False), ("", False)],
)
def test_coerce_bool(value, expected):
    assert coerce_bool(value, "confirm") is expected


@pytest.mark.parametrize("value", ["maybe", 2, [], {}])
def test_coerce_bool_refuses(value):
    with pytest.raises(InvalidInput, match=r"^confirm must be true or false"):
        coerce_bool(value, "confirm")


def test_coerce_int():
    assert coerce_int(50, "limit") == 50
    assert coerce_int("50", "limit") == 50
    assert coerce_int(" -1 ", "sort_order") == -1
    assert coerce_int(5.0, "limit") == 5
    assert coerce_int(None, "limit") is None
    assert coerce_int("", "offset", default=0) == 0
    for bad in (True, "5x", 5.5, [], float("nan")):
        with pytest.raises(InvalidInput, match=r"^limit must be a whole number"):
            coerce_int(bad, "limit")


def test_text_inputs():
    assert required_text("  research_companies ", "handle") == "research_companies"
    assert optional_text("", "icon") is None
    assert optional_text(None, "icon") is None
    assert optional_text(12, "icon") == "12"
    with pytest.raises(InvalidInput, match=r"^section_id is required$"):
        required_text("  ", "section_id")
    with pytest.raises(InvalidInput, match=r"^handle must be text"):
        required_text({"a": 1}, "handle")


def test_null_text_means_not_given_everywhere():
    from polysynergy_nodes_content.node_support.json_input import is_not_given, optional_value

    for empty in (None, "", "  ", "null", "NULL", " Null "):
        assert is_not_given(empty)
        assert coerce_bool(empty, "confirm") is False
        assert coerce_bool(empty, "confirm", default=True) is True
        assert coerce_int(empty, "limit", default=50) == 50
        assert optional_text(empty, "icon") is None
        assert optional_value(empty, "default_value") is None
        assert coerce_object(empty, "filters", allow_none=True) is None
        assert coerce_entry_data(empty, "field_data") == {}
    for given in ("0", "false", "nullable", "[]"):
        assert not is_not_given(given)
    with pytest.raises(InvalidInput, match=r"^entry_id is required$"):
        required_text("null", "entry_id")


def test_optional_value_decodes_json_containers_only():
    from polysynergy_nodes_content.node_support.json_input import optional_value

    assert optional_value('["a", "b"]', "default_value") == ["a", "b"]
    assert optional_value('{"a": 1}', "default_value") == {"a": 1}
    assert optional_value("10", "default_value") == "10"  # the field type reads it
    assert optional_value(10, "default_value") == 10
    with pytest.raises(InvalidInput, match=r"^default_value is not valid JSON"):
        optional_value("[1, 2,]", "default_value")
    assert optional_value("[draft", "default_value") == "[draft"
