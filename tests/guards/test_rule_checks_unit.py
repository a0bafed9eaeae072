"""Custom validation rules as CHECK constraints (``rule_checks``), without a database: the SQL
each rule becomes, the rules that stay with the engine (no CHECK form), and the constraint
names (stable across a field rename, read back to the rule's message). Fast, so mutation
testing runs them per mutant."""

from __future__ import annotations

import re

import pytest
from guard_models import SECTION_ID, field_id, planned_fields, render, snapshot
from psycopg.types.json import Jsonb

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.rules.check_constraints import (
    applied_rule_checks,
    config_rules,
    desired_rule_checks,
    is_rule_check,
    rule_name,
)
from polysynergy_nodes_content.content_engine.rules.language import Rule
from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldType, FieldTypeRegistry

FIELDS = {
    "title": ("text", {}), "qty": ("integer", {}), "low": ("integer", {}), "high": ("integer", {}),
    "price": ("decimal", {}), "day": ("date", {}), "done": ("boolean", {}),
    "tags": ("multi_select", {"options": ["a", "b"]}), "meta": ("json", {}),
    "author": ("relation", {"targetSection": "authors"}),
    "readers": ("relation", {"targetSection": "authors", "allowMultiple": True}),
    "kind": ("select", {"options": ["a", "b"]}),
}


def checks(field_rules=None, section_rules=None):
    snap = snapshot(FIELDS, section_rules, field_rules)
    return desired_rule_checks(snap, planned_fields(snap))


def check_sql(handle: str, condition: dict) -> str:
    """The CHECK expression of one field rule (it must have one)."""
    out, engine_only = checks({handle: [{"rule": condition, "message": "m"}]})
    assert engine_only == [], f"{condition} has no CHECK form"
    (_, expression), = out.values()
    return render(expression)


def section_sql(condition: dict) -> str:
    out, engine_only = checks(section_rules=[{"rule": condition, "message": "m"}])
    assert engine_only == []
    (_, expression), = out.values()
    return render(expression)


def engine_only(handle: str | None, condition: dict) -> bool:
    if handle is None:
        out, rest = checks(section_rules=[{"rule": condition, "message": "m"}])
    else:
        out, rest = checks({handle: [{"rule": condition, "message": "m"}]})
    return out == {} and len(rest) == 1


# -- the SQL of each operator -----------------------------------------------------------

@pytest.mark.parametrize("op, sql_op", [("_eq", "="), ("_neq", "<>"), ("_lt", "<"), ("_lte", "<="), ("_gt", ">"),
                                        ("_gte", ">=")])
def test_comparisons_with_a_literal_of_the_column_type(op, sql_op):
    assert check_sql("qty", {op: 5}) == f'("qty" {sql_op} 5::bigint)'


def test_literals_are_converted_by_the_field_type():
    assert check_sql("qty", {"_gt": "7"}) == '("qty" > 7::bigint)'
    assert check_sql("price", {"_gte": "1.5"}) == '("price" >= 1.5::numeric(12,2))'
    assert check_sql("day", {"_lt": "2025-02-01"}) == "(\"day\" < '2025-02-01'::date::date)"
    assert check_sql("title", {"_eq": "it's"}) == "(\"title\" = 'it''s'::text)"
    assert check_sql("done", {"_eq": True}) == '("done" = true::boolean)'


def test_comparison_with_another_column():
    assert check_sql("high", {"_gte": {"_field": "low"}}) == '("high" >= "low")'


def test_in_and_not_in():
    assert check_sql("qty", {"_in": [1, 2]}) == '("qty" IN (1::bigint, 2::bigint))'
    assert check_sql("qty", {"_nin": [1, {"_field": "low"}]}) == '("qty" NOT IN (1::bigint, "low"))'
    assert check_sql("qty", {"_in": 3}) == '("qty" IN (3::bigint))'


def test_between_is_inclusive():
    assert check_sql("qty", {"_between": [1, {"_field": "high"}]}) == '("qty" BETWEEN 1::bigint AND "high")'


@pytest.mark.parametrize("op, operand, expected", [
    ("_null", True, '("qty" IS NULL)'), ("_null", False, '("qty" IS NOT NULL)'),
    ("_nnull", True, '("qty" IS NOT NULL)'), ("_nnull", False, '("qty" IS NULL)'),
])
def test_null_checks(op, operand, expected):
    assert check_sql("qty", {op: operand}) == expected


def test_null_checks_also_on_list_and_json_columns():
    assert check_sql("tags", {"_nnull": True}) == '("tags" IS NOT NULL)'
    assert check_sql("meta", {"_null": False}) == '("meta" IS NOT NULL)'


def test_text_operators():
    assert check_sql("title", {"_contains": "a%b"}) == "(strpos(\"title\", 'a%b') > 0)"
    assert check_sql("title", {"_starts_with": "ab"}) == "(starts_with(\"title\", 'ab'))"
    assert check_sql("title", {"_ends_with": "o'k"}) == "(right(\"title\", 3) = 'o''k')"


def test_regex_is_written_in_the_postgres_form():
    assert check_sql("title", {"_regex": "^\\d+$"}) == "(\"title\" ~ '^[0-9]+$')"


def test_several_operators_and_groups():
    assert check_sql("qty", {"_gt": 0, "_lt": 9}) == '("qty" > 0::bigint AND "qty" < 9::bigint)'
    assert section_sql({"_or": [{"qty": {"_null": True}}, {"qty": {"_gte": {"_field": "low"}}}]}) == (
        '((("qty" IS NULL) OR ("qty" >= "low")))')
    assert section_sql({"_and": [{"qty": 1}, {"low": 2}], "high": 3}) == (
        '((("qty" = 1::bigint) AND ("low" = 2::bigint)) AND "high" = 3::bigint)')
    assert section_sql({"qty": 1, "low": {"_lt": 2}}) == '("qty" = 1::bigint AND "low" < 2::bigint)'


# -- what has no CHECK form (the engine alone enforces it) -------------------------------

@pytest.mark.parametrize("handle, condition", [
    (None, {"_and": []}), (None, {"_or": {"qty": 1}}), (None, {"_or": [{"qty": 1}, {"_and": [{}]}]}),
    (None, {"readers": {"_null": True}}),  # no column
    ("readers", {"_nnull": True}),
    (None, {"ghost": 1}),
    ("qty", {"_null": "yes"}), ("qty", {"_nnull": 1}),
    ("tags", {"_contains": "a"}), ("tags", {"_eq": ["a"]}), ("meta", {"_eq": {"k": 1}}),
    ("qty", {"_in": []}), ("qty", {"_nin": []}),
    ("qty", {"_between": [1]}), ("qty", {"_between": [1, 2, 3]}), ("qty", {"_between": 1}),
    ("qty", {"_contains": "1"}), ("day", {"_starts_with": "2025"}), ("title", {"_contains": 1}),
    ("title", {"_starts_with": {"_field": "title"}}), ("title", {"_regex": "\\bword"}),
    ("qty", {"_like": 1}),
    ("qty", {"_gt": "many"}), ("kind", {"_eq": "c"}), ("qty", {"_in": [1, "x"]}),
    ("qty", {"_eq": None}), ("qty", {"_gt": {"_field": None}}),
    ("qty", {"_gt": {"_field": "ghost"}}), ("qty", {"_gt": {"_field": "readers"}}),
    ("qty", {"_between": [1, {"_field": "ghost"}]}),
])
def test_engine_only(handle, condition):
    assert engine_only(handle, condition)


def test_a_rule_without_a_check_form_does_not_hide_the_others():
    out, rest = checks({"qty": [{"rule": {"_gt": 0}, "message": "positive"},
                                {"rule": {"_gt": "many"}, "message": "odd"}]})
    assert [r.message for r, _ in out.values()] == ["positive"]
    assert [r.message for r in rest] == ["odd"]
    out, rest = checks({"qty": [{"rule": {"_gt": "many"}, "message": "odd"},
                                {"rule": {"_gt": 0}, "message": "positive"}]})
    assert [r.message for r, _ in out.values()] == ["positive"]
    assert [r.message for r in rest] == ["odd"]


# -- names --------------------------------------------------------------------------------

IDS = {"qty": field_id("qty"), "low": field_id("low")}


def test_the_name_is_stable():
    # A database holds constraints by these names: a change would drop and re-create every rule CHECK.
    rule = Rule("qty", {"_gte": {"_field": "low"}}, "not below low")
    assert rule_name(SECTION_ID, rule, IDS) == "cr_5ec7f00d0000_b1c262af00"
    assert re.fullmatch(r"cr_5ec7f00d0000_[0-9a-f]{10}", rule_name(SECTION_ID, Rule(None, {"x": 1}, ""), {}))


def test_the_name_follows_field_ids_not_handles():
    renamed = {"amount": IDS["qty"], "minimum": IDS["low"]}
    for before, after in [
        (Rule("qty", {"_gte": {"_field": "low"}}, "m"), Rule("amount", {"_gte": {"_field": "minimum"}}, "m")),
        (Rule(None, {"_or": [{"qty": 1}, {"low": {"_in": [{"_field": "qty"}]}}]}, "m"),
         Rule(None, {"_or": [{"amount": 1}, {"minimum": {"_in": [{"_field": "amount"}]}}]}, "m")),
    ]:
        assert rule_name(SECTION_ID, before, IDS) == rule_name(SECTION_ID, after, renamed)
    other_ids = {"qty": field_id("qty"), "low": field_id("other")}
    rule = Rule("qty", {"_gte": {"_field": "low"}}, "m")
    assert rule_name(SECTION_ID, rule, IDS) != rule_name(SECTION_ID, rule, other_ids)
    section_rule = Rule(None, {"low": 1}, "m")
    assert rule_name(SECTION_ID, section_rule, IDS) != rule_name(SECTION_ID, section_rule, other_ids)
    nested = Rule(None, {"_or": [{"qty": {"_in": [{"_field": "low"}]}}]}, "m")
    assert rule_name(SECTION_ID, nested, IDS) != rule_name(SECTION_ID, nested, other_ids)


def test_the_name_changes_with_the_rule_the_message_and_the_section():
    rule = Rule("qty", {"_gt": 0}, "m")
    names = {rule_name(SECTION_ID, rule, IDS), rule_name(SECTION_ID, Rule("qty", {"_gt": 1}, "m"), IDS),
             rule_name(SECTION_ID, Rule("qty", {"_gt": 0}, "n"), IDS),
             rule_name(SECTION_ID, Rule("low", {"_gt": 0}, "m"), IDS),
             rule_name("aaaaaaaa-0000-4000-8000-000000000001", rule, IDS)}
    assert len(names) == 5
    # A field rule and the same condition as a section rule are one constraint.
    assert rule_name(SECTION_ID, rule, IDS) == rule_name(SECTION_ID, Rule(None, {"qty": {"_gt": 0}}, "m"), IDS)


def test_the_name_ignores_key_order():
    # Rules come back from JSONB with their keys reordered.
    assert rule_name(SECTION_ID, Rule(None, {"qty": 1, "low": {"_gt": 1, "_lt": 5}}, "m"), IDS) == rule_name(
        SECTION_ID, Rule(None, {"low": {"_lt": 5, "_gt": 1}, "qty": 1}, "m"), IDS)


def test_names_without_an_id_keep_their_handle():
    assert rule_name(SECTION_ID, Rule("qty", {"_gt": {"_field": "a"}}, "m"), IDS) != rule_name(
        SECTION_ID, Rule("qty", {"_gt": {"_field": "b"}}, "m"), IDS)
    assert rule_name(SECTION_ID, Rule(None, {"a": 1}, "m"), IDS) != rule_name(SECTION_ID, Rule(None, {"b": 1}, "m"), IDS)


def test_is_rule_check():
    assert is_rule_check("cr_5ec7f00d0000_b1c262af00")
    assert not is_rule_check("events_qty_check") and not is_rule_check("xcr_1")


def test_desired_checks_are_named_after_the_rule():
    out, _ = checks({"qty": [{"rule": {"_gte": {"_field": "low"}}, "message": "not below low"}]})
    assert list(out) == ["cr_5ec7f00d0000_b1c262af00"]


def test_applied_checks_tell_the_field_or_entry_and_the_message():
    snap = snapshot(FIELDS, [{"rule": {"qty": {"_gt": 0}}, "message": "positive entry"}],
                    {"qty": [{"rule": {"_gte": {"_field": "low"}}, "message": "not below low"}]})
    assert applied_rule_checks(snap) == {
        rule_name(SECTION_ID, Rule(None, {"qty": {"_gt": 0}}, "positive entry"), IDS): ("entry", "positive entry"),
        "cr_5ec7f00d0000_b1c262af00": ("qty", "not below low"),
    }


def test_config_rules_the_section_first_then_each_field():
    snap = snapshot(FIELDS, [{"rule": {"qty": 1}, "message": "s"}],
                    {"low": [{"rule": {"_gt": 0}, "message": "l"}], "qty": [{"rule": {"_gt": 1}, "message": "q"}]})
    assert config_rules(snap) == [Rule(None, {"qty": 1}, "s"), Rule("qty", {"_gt": 1}, "q"),
                                  Rule("low", {"_gt": 0}, "l")]


def test_config_rules_refuse_a_bad_shape_naming_where():
    with pytest.raises(InvalidInput) as exc:
        config_rules(snapshot(FIELDS, [{"rule": {}}]))
    assert str(exc.value) == "section 'events': rule 0: the rule is a filter object"
    assert exc.value.field == "validation_rules"
    with pytest.raises(InvalidInput) as exc:
        config_rules(snapshot(FIELDS, None, {"low": [{"rule": []}]}))
    assert str(exc.value) == "field 'low': rule 0: the rule is a filter object"
    assert exc.value.field == "low"


# -- plugin field types: the CHECK takes the literal exactly as the type would store it ----

class ScaledField(FieldType):
    """Stores a whole number times its ``factor`` setting (cents of a price, say)."""

    handle = "scaled"
    label = "Scaled"
    postgres_type = "bigint"

    def parse_value(self, value, settings=None):
        return int(value) * (settings or {}).get("factor", 1)


class WrappedField(FieldType):
    """Sends a JSON parameter to a text column: no literal of the column type."""

    handle = "wrapped"
    label = "Wrapped"
    postgres_type = "text"

    def parse_value(self, value, settings=None):
        return Jsonb(value)


class TagListField(FieldType):
    """A list column whose type reads one tag as a text."""

    handle = "tag_list"
    label = "Tag list"
    postgres_type = "text[]"

    def parse_value(self, value, settings=None):
        return str(value)


class DocumentField(FieldType):
    """A JSON column whose type passes plain values through."""

    handle = "document"
    label = "Document"
    postgres_type = "jsonb"

    def parse_value(self, value, settings=None):
        return value


def plugin_checks(handle: str, settings: dict, condition: dict):
    registry = FieldTypeRegistry([*BUILTIN_FIELD_TYPES, ScaledField, WrappedField, TagListField, DocumentField])
    snap = snapshot({"f": (handle, settings)}, None, {"f": [{"rule": condition, "message": "m"}]})
    return desired_rule_checks(snap, planned_fields(snap, registry))


def test_a_literal_is_converted_with_the_field_settings():
    out, rest = plugin_checks("scaled", {"factor": 100}, {"_gt": 2})
    assert rest == [] and [render(e) for _, e in out.values()] == ['("f" > 200::bigint)']
    # The settings also decide whether a value is valid (a select's options).
    assert check_sql("kind", {"_eq": "a"}) == "(\"kind\" = 'a'::text)"


def test_a_json_parameter_has_no_literal_form():
    out, rest = plugin_checks("wrapped", {}, {"_eq": "x"})
    assert out == {} and len(rest) == 1


@pytest.mark.parametrize("handle", ["tag_list", "document"])
def test_list_and_json_columns_are_compared_by_the_engine_only(handle):
    for condition in ({"_eq": "x"}, {"_in": ["x"]}, {"_contains": "x"}, {"_between": ["a", "b"]}):
        out, rest = plugin_checks(handle, {}, condition)
        assert out == {} and len(rest) == 1, condition
    out, rest = plugin_checks(handle, {}, {"_null": False})
    assert [render(e) for _, e in out.values()] == ['("f" IS NOT NULL)']
