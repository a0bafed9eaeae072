"""Custom validation rules as the engine reads and evaluates them (``entry_rules``), without a
database: the shape checks and their messages, the names a rule may use, and the verdict of
every operator on values (inclusive bounds, nulls pass like in a CHECK, field references,
text operators, three-valued ``_and`` / ``_or``). Fast, so mutation testing runs them per mutant."""

from __future__ import annotations

import datetime as dt

import pytest
from guard_models import section_model
from psycopg.types.json import Jsonb

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.rules.language import (
    MAX_MESSAGE,
    MAX_RULES,
    OPERATORS,
    Rule,
    broken_rules,
    check_rules_against,
    enforce,
    parse_rules,
    to_config,
)
from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldType, FieldTypeRegistry

FIELDS = {
    "title": ("text", {}), "code": ("text", {}), "prefix": ("text", {}),
    "qty": ("integer", {}), "low": ("integer", {}), "high": ("integer", {}),
    "start_date": ("date", {}), "end_date": ("date", {}),
    "tags": ("multi_select", {"options": ["a", "b", "c"]}),
    "meta": ("json", {}), "done": ("boolean", {}),
}


def model(field_rules=None, section_rules=None):
    return section_model(FIELDS, section_rules, field_rules)


def verdict(handle: str, condition: dict, row: dict) -> bool:
    """True when ``row`` passes the one field rule ``condition``."""
    m = model({handle: [{"rule": condition, "message": "m"}]})
    return not broken_rules(m, row)


def section_verdict(condition: dict, row: dict) -> bool:
    return not broken_rules(model(section_rules=[{"rule": condition, "message": "m"}]), row)


# -- parse_rules: the stored shape ------------------------------------------------------

@pytest.mark.parametrize("empty", [None, "", []])
def test_no_rules(empty):
    assert parse_rules(empty, "field 'x'") == []


def test_one_rule_alone_and_the_default_message():
    rules = parse_rules({"rule": {"_gt": 0}}, "field 'qty'", "qty")
    assert rules == [Rule("qty", {"_gt": 0}, "breaks a validation rule")]
    assert parse_rules([{"rule": {"_gt": 0}, "message": ""}], "w")[0].message == "breaks a validation rule"
    assert parse_rules([{"rule": {"qty": 1}, "message": "say"}], "w") == [Rule(None, {"qty": 1}, "say")]


def test_to_config_round_trips_and_nothing_is_none():
    rules = [Rule("qty", {"_gt": 0}, "positive"), Rule(None, {"qty": 1}, "one")]
    assert parse_rules(to_config(rules), "w", "qty")[0] == rules[0]
    assert to_config(rules) == [{"rule": {"_gt": 0}, "message": "positive"}, {"rule": {"qty": 1}, "message": "one"}]
    assert to_config([]) is None


def test_at_most_max_rules():
    assert len(parse_rules([{"rule": {"_gt": 0}}] * MAX_RULES, "w")) == MAX_RULES == 50
    with pytest.raises(InvalidInput) as exc:
        parse_rules([{"rule": {"_gt": 0}}] * (MAX_RULES + 1), "field 'qty'", "qty")
    assert str(exc.value) == ("field 'qty': validation rules are a list (at most 50) of "
                              "{\"rule\": ..., \"message\": ...}")
    assert exc.value.field == "qty"
    with pytest.raises(InvalidInput) as exc:
        parse_rules("not a list", "section 's'")
    assert exc.value.field == "validation_rules"


@pytest.mark.parametrize("item", ["x", {"rule": {"_gt": 0}, "extra": 1}, {"message": "no rule"}])
def test_a_rule_of_the_wrong_shape_is_refused(item):
    with pytest.raises(InvalidInput) as exc:
        parse_rules([{"rule": {"_gt": 0}}, item], "field 'qty'", "qty")
    assert str(exc.value) == "field 'qty': rule 1 must be {\"rule\": condition, \"message\": text}"
    assert exc.value.field == "qty"
    with pytest.raises(InvalidInput) as exc:
        parse_rules([item], "w")
    assert exc.value.field == "validation_rules"


@pytest.mark.parametrize("condition", [{}, [], "x > 1", None])
def test_the_condition_is_a_non_empty_object(condition):
    with pytest.raises(InvalidInput) as exc:
        parse_rules([{"rule": condition}], "field 'qty'", "qty")
    assert str(exc.value) == "field 'qty': rule 0: the rule is a filter object"
    assert exc.value.field == "qty"
    with pytest.raises(InvalidInput) as exc:
        parse_rules([{"rule": condition}], "w")
    assert exc.value.field == "validation_rules"


def test_the_message_is_a_short_text():
    assert parse_rules([{"rule": {"_gt": 0}, "message": "m" * MAX_MESSAGE}], "w")[0].message == "m" * 500
    for message in ("m" * (MAX_MESSAGE + 1), 7):
        with pytest.raises(InvalidInput) as exc:
            parse_rules([{"rule": {"_gt": 0}, "message": message}], "field 'qty'", "qty")
        assert str(exc.value) == "field 'qty': rule 0: the message is a text of at most 500 characters"
        assert exc.value.field == "qty"
        with pytest.raises(InvalidInput) as exc:
            parse_rules([{"rule": {"_gt": 0}, "message": message}], "w")
        assert exc.value.field == "validation_rules"


# -- check_rules_against: the names a rule uses -----------------------------------------

def _names_ok(rules):
    m = model()
    check_rules_against(m, rules)


@pytest.mark.parametrize("rule", [
    Rule("qty", {"_gt": {"_field": "low"}}, "m"),
    Rule(None, {"_or": [{"qty": {"_gt": 0}}, {"_and": [{"low": 1}, {"id": {"_nnull": True}}]}]}, "m"),
    Rule(None, {"created_at": {"_nnull": True}, "updated_at": {"_nnull": True}}, "m"),
    Rule("qty", {"_between": [{"_field": "low"}, {"_field": "high"}]}, "m"),
])
def test_known_names_pass(rule):
    _names_ok([rule])


@pytest.mark.parametrize("rule, unknown", [
    (Rule("qty", {"_gt": {"_field": "nope"}}, "m"), "nope"),
    (Rule(None, {"nope": 1}, "m"), "nope"),
    (Rule(None, {"_or": [{"qty": 1}, {"nope": 1}]}, "m"), "nope"),
    (Rule(None, {"_and": [{"qty": 1}, {"_or": [{"ghost": 1}]}]}, "m"), "ghost"),
    (Rule("qty", {"_between": [1, {"_field": "ghost"}]}, "m"), "ghost"),
    (Rule("qty", {"_in": [{"_field": "ghost"}]}, "m"), "ghost"),
    (Rule("nope", {"_gt": 1}, "m"), "nope"),
])
def test_an_unknown_name_is_refused_early_and_named(rule, unknown):
    m = model()
    with pytest.raises(InvalidInput) as exc:
        check_rules_against(m, [Rule("qty", {"_gt": 0}, "fine"), rule])
    assert exc.value.field == unknown
    assert str(exc.value).startswith(f"unknown field '{unknown}' in section 'events'")


# -- verdicts ---------------------------------------------------------------------------

@pytest.mark.parametrize("op, operand, passing, failing", [
    ("_eq", 5, 5, 6), ("_neq", 5, 6, 5),
    ("_lt", 5, 4, 5), ("_lte", 5, 5, 6), ("_gt", 5, 6, 5), ("_gte", 5, 5, 4),
    ("_in", [1, 5], 5, 6), ("_nin", [1, 5], 6, 5), ("_in", 5, 5, 6), ("_nin", 5, 6, 5),
])
def test_comparisons_on_a_number(op, operand, passing, failing):
    assert verdict("qty", {op: operand}, {"qty": passing}) is True
    assert verdict("qty", {op: operand}, {"qty": failing}) is False


def test_between_is_inclusive_at_both_ends():
    rule = {"_between": [2, 4]}
    assert [verdict("qty", rule, {"qty": v}) for v in (1, 2, 3, 4, 5)] == [False, True, True, True, False]


def test_between_with_field_bounds_and_a_missing_bound_passes():
    rule = {"_between": [{"_field": "low"}, {"_field": "high"}]}
    assert verdict("qty", rule, {"qty": 3, "low": 3, "high": 3}) is True
    assert verdict("qty", rule, {"qty": 4, "low": 3, "high": 3}) is False
    assert verdict("qty", rule, {"qty": 2, "low": 3, "high": 3}) is False
    assert verdict("qty", rule, {"qty": 9, "low": None, "high": 3}) is True
    assert verdict("qty", rule, {"qty": 0, "low": 3, "high": None}) is True


def test_operands_convert_to_the_field_type():
    rule = {"_gte": "2025-01-10"}
    assert verdict("start_date", rule, {"start_date": dt.date(2025, 1, 10)}) is True
    assert verdict("start_date", rule, {"start_date": dt.date(2025, 1, 9)}) is False
    assert verdict("qty", {"_in": ["3"]}, {"qty": 3}) is True
    assert verdict("start_date", {"_between": ["2025-01-01", "2025-01-31"]}, {"start_date": dt.date(2025, 2, 1)}) is False


def test_an_operand_that_does_not_convert_stays_as_written_and_a_type_clash_passes():
    assert verdict("qty", {"_eq": "many"}, {"qty": 3}) is False  # 3 != "many"
    assert verdict("qty", {"_gt": "many"}, {"qty": 3}) is True  # 3 > "many" cannot be compared: unknown
    assert verdict("qty", {"_lt": "many"}, {"qty": 3}) is True


def test_field_references():
    rule = {"_gte": {"_field": "start_date"}}
    assert verdict("end_date", rule, {"end_date": dt.date(2025, 1, 2), "start_date": dt.date(2025, 1, 2)}) is True
    assert verdict("end_date", rule, {"end_date": dt.date(2025, 1, 1), "start_date": dt.date(2025, 1, 2)}) is False
    assert verdict("end_date", rule, {"end_date": dt.date(2025, 1, 1), "start_date": None}) is True
    assert verdict("end_date", rule, {"end_date": dt.date(2025, 1, 1)}) is True


def test_a_missing_value_passes_every_comparison_but_not_null_checks():
    for op, operand in [("_eq", 1), ("_neq", 1), ("_lt", 1), ("_in", [1]), ("_nin", [1]), ("_between", [0, 2]),
                        ("_gt", {"_field": "low"})]:
        assert verdict("qty", {op: operand}, {"qty": None, "low": 1}) is True, op
    for op, operand in [("_contains", "x"), ("_starts_with", "x"), ("_ends_with", "x"), ("_regex", "^x$")]:
        assert verdict("title", {op: operand}, {"title": None}) is True, op


@pytest.mark.parametrize("op, operand, missing, present", [
    ("_null", True, True, False), ("_null", False, False, True),
    ("_nnull", True, False, True), ("_nnull", False, True, False),
])
def test_null_checks(op, operand, missing, present):
    assert verdict("qty", {op: operand}, {"qty": None}) is missing
    assert verdict("qty", {op: operand}, {}) is missing
    assert verdict("qty", {op: operand}, {"qty": 0}) is present


@pytest.mark.parametrize("op, operand, passing, failing", [
    ("_contains", "ell", "hello", "help"), ("_starts_with", "he", "hello", "ahe"),
    ("_ends_with", "lo", "hello", "lox"), ("_regex", "^[A-Z]{2}[0-9]+$", "NL123", "NL12a"),
    ("_regex", "b", "abc", "ac"),
])
def test_text_operators(op, operand, passing, failing):
    assert verdict("code", {op: operand}, {"code": passing}) is True
    assert verdict("code", {op: operand}, {"code": failing}) is False


def test_text_operators_take_their_operand_as_written_or_from_a_field():
    # "007" would be 7 as an integer; the text operators never convert their operand.
    assert verdict("qty", {"_starts_with": "00"}, {"qty": 7}) is False
    assert verdict("code", {"_starts_with": {"_field": "prefix"}}, {"code": "NL-1", "prefix": "NL"}) is True
    assert verdict("code", {"_starts_with": {"_field": "prefix"}}, {"code": "BE-1", "prefix": "NL"}) is False
    assert verdict("code", {"_starts_with": {"_field": "prefix"}}, {"code": "BE-1", "prefix": None}) is True
    assert verdict("code", {"_regex": {"_field": "prefix"}}, {"code": "xAy", "prefix": "A"}) is True
    assert verdict("code", {"_regex": {"_field": "prefix"}}, {"code": "xby", "prefix": "A"}) is False
    assert verdict("qty", {"_contains": 1}, {"qty": 21}) is True


def test_contains_on_a_list_value():
    assert verdict("tags", {"_contains": "b"}, {"tags": ["a", "b"]}) is True
    assert verdict("tags", {"_contains": "c"}, {"tags": ["a", "b"]}) is False
    assert verdict("tags", {"_contains": {"_field": "code"}}, {"tags": ["a"], "code": "a"}) is True
    assert verdict("tags", {"_contains": {"_field": "code"}}, {"tags": ["a"], "code": None}) is True
    # The other text operators have no meaning on a list: unknown, so they pass.
    assert verdict("tags", {"_starts_with": "z"}, {"tags": ["a"]}) is True


def test_a_json_parameter_is_compared_by_its_value():
    assert verdict("meta", {"_eq": {"k": 1}}, {"meta": Jsonb({"k": 1})}) is True
    assert verdict("meta", {"_eq": {"k": 1}}, {"meta": Jsonb({"k": 2})}) is False
    assert verdict("meta", {"_null": True}, {"meta": Jsonb(None)}) is True


def test_the_regex_runs_on_the_common_subset():
    with pytest.raises(InvalidInput) as exc:
        verdict("code", {"_regex": "\\bword"}, {"code": "a word"})
    assert exc.value.field == "code"
    assert str(exc.value).startswith("validation rule on 'code': the pattern '\\\\bword' uses '\\b' at position 0")
    with pytest.raises(InvalidInput) as exc:
        verdict("code", {"_regex": {"_field": "prefix"}}, {"code": "x", "prefix": "p" * 100 + "("})
    assert str(exc.value).startswith(f"validation rule on 'code': the pattern {('p' * 80)!r} ")


def test_text_that_cannot_be_stored_is_refused_by_the_regex():
    with pytest.raises(InvalidInput) as exc:
        verdict("code", {"_regex": "a"}, {"code": "a\ud800"})
    assert str(exc.value) == ("field 'code' contains characters that are not valid Unicode (a lone surrogate)")
    assert exc.value.field == "code"


def test_an_unknown_operator_is_refused_with_the_list():
    with pytest.raises(InvalidInput) as exc:
        verdict("qty", {"_like": 1}, {"qty": 1})
    assert str(exc.value) == ("validation rule on 'qty': operator '_like' is not supported (use "
                              + ", ".join(sorted(OPERATORS)) + ")")
    assert exc.value.field == "qty"
    assert OPERATORS == {"_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_null", "_nnull",
                         "_between", "_contains", "_starts_with", "_ends_with", "_regex"}


def test_every_operator_is_evaluated():
    row = {"qty": 3, "code": "abc", "low": 1}
    for op, operand in [("_eq", 3), ("_neq", 4), ("_lt", 4), ("_lte", 3), ("_gt", 2), ("_gte", 3), ("_in", [3]),
                        ("_nin", [4]), ("_null", False), ("_nnull", True), ("_between", [3, 3])]:
        assert verdict("qty", {op: operand}, row) is True, op
    for op, operand in [("_contains", "b"), ("_starts_with", "a"), ("_ends_with", "c"), ("_regex", "b")]:
        assert verdict("code", {op: operand}, row) is True, op


def test_a_scalar_condition_means_equal_and_several_operators_all_hold():
    assert section_verdict({"qty": 3}, {"qty": 3}) is True
    assert section_verdict({"qty": 3}, {"qty": 4}) is False
    assert verdict("qty", {"_gt": 1, "_lt": 5}, {"qty": 3}) is True
    assert verdict("qty", {"_gt": 1, "_lt": 5}, {"qty": 5}) is False
    assert verdict("qty", {"_gt": 4, "_lt": 5}, {"qty": 3}) is False


# -- three-valued _and / _or (a CHECK passes on NULL) ------------------------------------

TRUE, FALSE, UNKNOWN = {"qty": {"_gt": 0}}, {"qty": {"_lt": 0}}, {"low": {"_gt": 0}}
ROW = {"qty": 1, "low": None}


@pytest.mark.parametrize("parts, passes", [
    ([TRUE], True), ([FALSE], False), ([UNKNOWN], True),
    ([FALSE, TRUE], True), ([UNKNOWN, TRUE], True), ([FALSE, UNKNOWN], True), ([FALSE, FALSE], False),
])
def test_or(parts, passes):
    assert section_verdict({"_or": parts}, ROW) is passes
    # Negated by a following false part: an unknown _or stays unknown (passes), a true one passes.
    assert section_verdict({"_and": [{"_or": parts}, FALSE]}, ROW) is False


@pytest.mark.parametrize("parts, passes", [
    ([TRUE], True), ([FALSE], False), ([UNKNOWN], True), ([TRUE, TRUE], True),
    ([TRUE, FALSE], False), ([UNKNOWN, FALSE], False), ([UNKNOWN, TRUE], True),
])
def test_and(parts, passes):
    assert section_verdict({"_and": parts}, ROW) is passes


def test_unknown_is_not_true_inside_or():
    # _or [unknown, false] is unknown, so _and with it and a false part is false, while
    # _or [[_or unknown] , false] at the top still passes.
    assert section_verdict({"_or": [{"_or": [UNKNOWN]}, FALSE]}, ROW) is True
    assert section_verdict({"_or": [{"_and": [UNKNOWN, TRUE]}, FALSE]}, ROW) is True
    assert section_verdict({"_or": [{"_and": [FALSE, UNKNOWN]}, FALSE]}, ROW) is False
    assert section_verdict({"_or": [{"_or": [FALSE, FALSE]}, FALSE]}, ROW) is False


def test_unknown_or_false_beside_true_in_a_group_is_false():
    # A group of several fields: one false part makes it false, unknown with true is unknown.
    assert section_verdict({"qty": {"_gt": 0}, "low": {"_gt": 0}}, ROW) is True
    assert section_verdict({"qty": {"_lt": 0}, "low": {"_gt": 0}}, ROW) is False


# -- broken_rules and enforce -----------------------------------------------------------

def test_broken_rules_name_the_field_or_the_entry():
    m = model({"qty": [{"rule": {"_gt": 0}, "message": "must be positive"}],
               "code": [{"rule": {"_regex": "^[A-Z]+$"}, "message": "capitals only"}]},
              [{"rule": {"_or": [{"low": {"_null": True}}, {"qty": {"_gte": {"_field": "low"}}}]},
                "message": "qty below low"}])
    assert broken_rules(m, {"qty": 5, "low": 2, "code": "AB"}) == []
    assert broken_rules(m, {"qty": 0, "low": 2, "code": "ab"}) == [
        ("entry", "qty below low"), ("code", "capitals only"), ("qty", "must be positive")]
    with pytest.raises(InvalidInput) as exc:
        enforce(m, {"qty": 0, "low": 2, "code": "AB"}, "entry 3: ")
    assert str(exc.value) == "entry 3: field 'entry': qty below low; field 'qty': must be positive"
    assert exc.value.field == "entry"
    assert exc.value.errors == [{"field": "entry", "message": "qty below low"},
                                {"field": "qty", "message": "must be positive"}]
    with pytest.raises(InvalidInput) as exc:
        enforce(m, {"qty": 5, "low": 2, "code": "ab"})
    assert str(exc.value) == "field 'code': capitals only"
    assert exc.value.field == "code"
    enforce(m, {"qty": 5, "low": 2, "code": "AB"})


def test_rules_on_a_multiple_relation_compare_entry_ids():
    u1, u2 = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f", "9a1b2c3d-0000-4000-8000-000000000001"
    m = section_model({"readers": ("relation", {"targetSection": "people", "allowMultiple": True})},
                      field_rules={"readers": [{"rule": {"_contains": u1}, "message": "must include the owner"}]})
    linked = m.fields["readers"].to_param([u2, u1])  # the row holds the ids as the write sends them
    assert broken_rules(m, {"readers": linked}) == []
    assert broken_rules(m, {"readers": m.fields["readers"].to_param([u2])}) == [("readers", "must include the owner")]
    m = section_model({"readers": ("relation", {"targetSection": "people", "allowMultiple": True})},
                      field_rules={"readers": [{"rule": {"_eq": [u1]}, "message": "only the owner"}]})
    assert broken_rules(m, {"readers": m.fields["readers"].to_param([u1])}) == []
    assert broken_rules(m, {"readers": m.fields["readers"].to_param([u2])}) == [("readers", "only the owner")]


def test_in_with_a_field_reference():
    assert verdict("qty", {"_in": [{"_field": "low"}, 9]}, {"qty": 4, "low": 4}) is True
    assert verdict("qty", {"_nin": [{"_field": "low"}]}, {"qty": 4, "low": 4}) is False


def test_contains_is_plain_text_not_a_pattern():
    assert verdict("code", {"_contains": "a.c"}, {"code": "abc"}) is False
    assert verdict("code", {"_contains": "f("}, {"code": "f(x)"}) is True


class WordsField(FieldType):
    """A plugin list type that splits each item into words (one operand may be several items)."""

    handle = "words"
    label = "Words"
    postgres_type = "text[]"

    def parse_value(self, value, settings=None):
        if not isinstance(value, list):
            raise ValueError("must be a list")
        return [word for item in value for word in str(item).split()]


def test_an_operand_that_is_several_items_stays_as_written():
    m = section_model({"words": ("words", {})}, field_rules={"words": [{"rule": {"_contains": "a b"}, "message": "m"}]},
                      registry=FieldTypeRegistry([*BUILTIN_FIELD_TYPES, WordsField]))
    assert broken_rules(m, {"words": ["a", "b"]}) == [("words", "m")]  # the item 'a b' is not there
    assert broken_rules(m, {"words": ["a b"]}) == []
