"""The query language (``query``), without a database: the SQL and parameters a filter becomes
(per field type, ``_and`` / ``_or``, relation filters over a column or a junction table), the
caps on depth and size, ``order_by`` and paging, and every refusal with the field it names.
Fast, so mutation testing runs them per mutant."""

from __future__ import annotations

import json
import uuid

import pytest
from guard_models import REGISTRY, render, section_model
from psycopg import sql

from polysynergy_nodes_content.content_engine.entries.query import (
    MAX_CONDITIONS,
    MAX_DEPTH,
    FilterCompiler,
    check_paging,
    compile_order_by,
    parse_json_input,
    unconditional,
)
from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.settings import EngineSettings
from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldType, FieldTypeRegistry

U1, U2 = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f", "9a1b2c3d-0000-4000-8000-000000000001"
POSTS = {
    "title": ("text", {}), "qty": ("integer", {}), "done": ("boolean", {}),
    "tags": ("multi_select", {"options": ["a", "b"]}),
    "author": ("relation", {"targetSection": "authors"}),
    "readers": ("relation", {"targetSection": "authors", "allowMultiple": True}),
}
AUTHORS = {"name": ("text", {}), "age": ("integer", {}), "mentor": ("relation", {"targetSection": "authors"}),
           "fans": ("relation", {"targetSection": "authors", "allowMultiple": True})}
MODELS = {"posts": section_model(POSTS, handle="posts", pending=("draft",)),
          "authors": section_model(AUTHORS, handle="authors")}
T = sql.Identifier("t")


def compiler(load=True) -> FilterCompiler:
    return FilterCompiler(MODELS["posts"], REGISTRY, T, MODELS.__getitem__ if load else None)


def compiled(filters, load=True) -> tuple[str, list]:
    c = compiler(load)
    return render(c.compile(filters)), c.params


def refused(filters, load=True) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        compiler(load).compile(filters)
    return exc.value


# -- parse_json_input and unconditional --------------------------------------------------

def test_parse_json_input():
    assert parse_json_input(' {"a": [1]} ', "filters") == {"a": [1]}
    assert parse_json_input("[]", "filters") == []
    assert parse_json_input("", "filters") is None and parse_json_input("  \n", "filters") is None
    value = {"a": 1}
    assert parse_json_input(value, "filters") is value
    with pytest.raises(InvalidInput) as exc:
        parse_json_input('{"a": }', "order_by")
    assert str(exc.value) == "order_by is not valid JSON: Expecting value at position 6"
    assert exc.value.field == "order_by"


@pytest.mark.parametrize("filters, expected", [
    (None, True), ({}, True), ([], True), ("", False), ([1], False), ({"qty": 1}, False),
    ({"_and": []}, True), ({"_or": []}, True), ({"_and": [{}, None, {"_or": [{}]}]}, True),
    ({"_and": [{}, {"qty": 1}]}, False), ({"_or": [{"qty": 1}, {}]}, True), ({"_or": [{"qty": 1}]}, False),
    ({"_and": {}}, False), ({"_and": [], "qty": 1}, False), ({"_and": [], "_or": [{"qty": 1}]}, False),
])
def test_unconditional(filters, expected):
    assert unconditional(filters) is expected


# -- compile: shapes -----------------------------------------------------------------------

@pytest.mark.parametrize("empty", [None, {}, [], "", " ", "{}", "[]"])
def test_nothing_matches_everything(empty):
    assert compiled(empty) == ("TRUE", [])


def test_a_json_string_is_read():
    assert compiled('{"qty": {"_gt": 3}}') == ('("t"."qty" > %s)', [3])
    exc = refused('{"qty": ')
    assert str(exc) == "filters is not valid JSON: Expecting value at position 7" and exc.field == "filters"


class CentsField(FieldType):
    """A plugin type whose filter operands depend on its settings (whole units stored as cents)."""

    handle = "cents"
    label = "Cents"
    postgres_type = "bigint"
    filter_operators = frozenset({"_eq", "_gt"})

    def parse_value(self, value, settings=None):
        return int(value) * (settings or {}).get("factor", 1)


def test_the_field_type_compiles_with_the_field_settings():
    registry = FieldTypeRegistry([*BUILTIN_FIELD_TYPES, CentsField])
    model = section_model({"price": ("cents", {"factor": 100})}, handle="shop", registry=registry)
    c = FilterCompiler(model, registry, T)
    assert render(c.compile({"price": {"_gt": 2}})) == '("t"."price" > %s)' and c.params == [200]


def test_text_that_cannot_be_stored_is_refused():
    for filters in ({"title": "a\ud800"}, '{"title": "\\ud800"}'):
        exc = refused(filters)
        assert str(exc) == "filters contains characters that are not valid Unicode (a lone surrogate)"
        assert exc.field == "filters"


@pytest.mark.parametrize("filters", [[{"qty": 1}], "[1]", "3", 3])
def test_filters_are_an_object(filters):
    exc = refused(filters)
    assert str(exc) == 'filters must be a JSON object such as {"field": value}' and exc.field == "filters"


def test_a_value_means_equal_and_conditions_of_a_field_all_hold():
    assert compiled({"title": "x"}) == ('("t"."title" = %s)', ["x"])
    assert compiled({"qty": {"_gte": 1, "_lt": 5}, "done": True}) == (
        '("t"."qty" >= %s AND "t"."qty" < %s AND "t"."done" = %s)', [1, 5, True])


def test_and_or():
    assert compiled({"_or": [{"qty": 1}, {"_and": [{"qty": 2}, {"done": False}]}]}) == (
        '((("t"."qty" = %s) OR ((("t"."qty" = %s) AND ("t"."done" = %s)))))', [1, 2, False])
    assert compiled({"_and": [{}]}) == ("((TRUE))", [])


@pytest.mark.parametrize("filters, message", [
    ({"_and": []}, "filters._and must be a non-empty list of filter objects"),
    ({"_or": {"qty": 1}}, "filters._or must be a non-empty list of filter objects"),
    ({"_or": [{"qty": 1}, 2]}, "filters._or[1] must be a filter object"),
    ({"_and": [{"_or": [{"qty": 1}, [2]]}]}, "filters._and[0]._or[1] must be a filter object"),
    ({"_or": [{"_and": "x"}]}, "filters._or[0]._and must be a non-empty list of filter objects"),
])
def test_groups_are_lists_of_objects(filters, message):
    exc = refused(filters)
    assert str(exc) == message and exc.field == "filters"


def nested(depth: int, field: str = "qty") -> dict:
    node = {field: 1}
    for _ in range(depth):
        node = {"_and": [node]}
    return node


def test_nesting_is_capped():
    assert MAX_DEPTH == 8
    text, params = compiled(nested(MAX_DEPTH))
    assert params == [1] and text.count("(") == 2 * MAX_DEPTH + 1
    exc = refused(nested(MAX_DEPTH + 1))
    assert str(exc) == ("filters" + "._and[0]" * (MAX_DEPTH + 1)
                        + ": filters are nested too deeply (at most 8 levels; setting max_filter_depth, "
                          "environment variable SECTIONS_MAX_FILTER_DEPTH)")
    assert exc.field == "filters"


def test_the_number_of_conditions_is_capped():
    assert MAX_CONDITIONS == 200
    half = {f"_{op}": 1 for op in ("gt",)}
    ok = {"_or": [{"qty": {"_gt": i}} for i in range(MAX_CONDITIONS)]}
    assert len(compiled(ok)[1]) == MAX_CONDITIONS
    exc = refused({"_or": [{"qty": half}] * (MAX_CONDITIONS + 1)})
    assert str(exc) == ("filters._or[200].qty: too many filter conditions (at most 200; setting "
                        "max_filter_conditions, environment variable SECTIONS_MAX_FILTER_CONDITIONS)")
    assert exc.field == "filters"
    # Conditions inside a relation filter count too.
    exc = refused({"_or": [{"qty": 1}] * (MAX_CONDITIONS - 1) + [{"author": {"name": "a", "age": 3}}]})
    assert str(exc).startswith("filters._or[199].author.age: too many filter conditions (at most 200;")
    assert len(compiled({"_or": [{"qty": 1}] * (MAX_CONDITIONS - 1) + [{"author": {"name": "a"}}]})[1]) == 200


def test_an_empty_condition_and_a_non_operator_are_refused():
    exc = refused({"_or": [{"title": {}}]})
    assert str(exc) == "filters._or[0].title: empty condition" and exc.field == "title"
    exc = refused({"qty": {"gt": 1}})
    assert str(exc) == "filters.qty: 'gt' is not an operator (operators start with _, e.g. _eq)"
    assert exc.field == "qty"
    exc = refused({"qty": {"_gt": 1, 5: 1}})
    assert str(exc) == "filters.qty: '5' is not an operator (operators start with _, e.g. _eq)"
    exc = refused({"qty": {"x" * 50: 1}})
    assert str(exc) == f"filters.qty: '{'x' * 40}' is not an operator (operators start with _, e.g. _eq)"


def test_unknown_and_pending_fields_are_named():
    exc = refused({"nope": 1})
    assert str(exc) == ("unknown field 'nope' in section 'posts' (fields: author, done, qty, readers, tags, "
                        "title)")
    assert exc.field == "nope"
    exc = refused({"draft": 1})
    assert str(exc).startswith("field 'draft' is configured but not in the table yet") and exc.field == "draft"
    exc = refused({"_not": [{"qty": 1}]})
    assert str(exc) == "unknown filter operator '_not' at the top level (use _and or _or)"
    assert exc.field == "filters"
    exc = refused({"_" + "x" * 60: 1})
    assert str(exc) == f"unknown filter operator '_{'x' * 39}' at the top level (use _and or _or)"
    exc = refused({7: 1})
    assert exc.field == "7" and str(exc).startswith("unknown field '7'")
    exc = refused({"n" * 100: 1})
    assert exc.field == "n" * 80


def test_system_columns():
    assert compiled({"id": U1}) == ('("t"."id" = %s)', [uuid.UUID(U1)])
    text, params = compiled({"created_at": {"_gte": "2025-01-01T00:00:00Z"}, "updated_at": {"_null": False}})
    assert text == '("t"."created_at" >= %s AND "t"."updated_at" IS NOT NULL)'
    assert params[0].isoformat() == "2025-01-01T00:00:00+00:00"
    exc = refused({"id": {"_gt": U1}})
    assert exc.field == "id" and str(exc).startswith("filter on 'id': operator '_gt' is not supported")


def test_operators_of_the_field_type_and_their_refusals():
    assert compiled({"title": {"_contains": "50%_off"}}) == ('("t"."title"::text LIKE %s)', ["%50\\%\\_off%"])
    assert compiled({"tags": {"_contains": ["a"]}}) == ('("t"."tags" @> %s::text[])', [["a"]])
    assert compiled({"qty": {"_in": [1, "2"]}}) == ('("t"."qty" = ANY(%s))', [[1, 2]])
    assert compiled({"qty": {"_between": [1, 3]}}) == ('("t"."qty" BETWEEN %s AND %s)', [1, 3])
    exc = refused({"done": {"_gt": True}})
    assert str(exc) == ("filter on 'done': operator '_gt' is not supported on Boolean fields "
                        "(allowed: _eq, _neq, _nnull, _null)")
    assert exc.field == "done"
    exc = refused({"qty": {"_in": 3}})
    assert str(exc) == "filter on 'qty': _in takes a list of values" and exc.field == "qty"
    exc = refused({"qty": {"_eq": "many"}})
    assert exc.field == "qty" and str(exc).startswith("filter on 'qty': ")


# -- relations -------------------------------------------------------------------------------

def test_a_single_relation_by_id():
    assert compiled({"author": U1}) == ('("t"."author" = %s)', [uuid.UUID(U1)])
    assert compiled({"author": {"_in": [U1, U2]}}) == ('("t"."author" = ANY(%s))', [[uuid.UUID(U1), uuid.UUID(U2)]])
    assert compiled({"author": {"_null": True}}) == ('("t"."author" IS NULL)', [])


def test_a_filter_on_the_related_entry():
    expected = ('(EXISTS (SELECT 1 FROM "content"."authors" "r1" WHERE "r1".id = "t"."author" '
                'AND ("r1"."name" = %s)))', ["Ada"])
    assert compiled({"author": {"name": "Ada"}}) == expected
    assert compiled({"author": {"_some": {"name": "Ada"}}}) == expected
    assert compiled({"author": {"_none": {"name": "Ada"}}}) == (
        '(NOT EXISTS (SELECT 1 FROM "content"."authors" "r1" WHERE "r1".id = "t"."author" '
        'AND ("r1"."name" = %s)))', ["Ada"])
    assert compiled({"author": {"_or": [{"name": "Ada"}, {"age": {"_gt": 30}}]}}) == (
        '(EXISTS (SELECT 1 FROM "content"."authors" "r1" WHERE "r1".id = "t"."author" '
        'AND ((("r1"."name" = %s) OR ("r1"."age" > %s)))))', ["Ada", 30])


def test_related_filters_nest_and_share_aliases_and_parameters():
    text, params = compiled({"qty": 1, "author": {"mentor": {"name": "Bo"}, "age": 40}, "done": True})
    assert text == (
        '("t"."qty" = %s AND EXISTS (SELECT 1 FROM "content"."authors" "r1" WHERE "r1".id = "t"."author" AND '
        '(EXISTS (SELECT 1 FROM "content"."authors" "r2" WHERE "r2".id = "r1"."mentor" AND ("r2"."name" = %s)) '
        'AND "r1"."age" = %s)) AND "t"."done" = %s)')
    assert params == [1, "Bo", 40, True]


def test_a_filter_on_the_entries_of_a_multiple_relation():
    assert compiled({"readers": {"_some": {"age": {"_lt": 18}}}}) == (
        '(EXISTS (SELECT 1 FROM "content"."posts_readers" "j2" JOIN "content"."authors" "r1" ON "r1".id = '
        '"j2".target_id WHERE "j2".source_id = "t".id AND ("r1"."age" < %s)))', [18])
    assert compiled({"readers": {"_none": {"name": "x"}}})[0].startswith("(NOT EXISTS (SELECT 1 FROM ")
    assert compiled({"readers": {"name": "x"}})[0].startswith("(EXISTS (SELECT 1 FROM ")


def test_related_depth_counts_from_the_relation():
    # The related filter starts one level down: MAX_DEPTH - 1 groups inside it still compile.
    compiled({"author": nested(MAX_DEPTH - 1, "age")})
    exc = refused({"author": nested(MAX_DEPTH, "age")})
    assert str(exc).startswith("filters.author" + "._and[0]" * MAX_DEPTH + ": filters are nested too deeply")
    exc = refused({"author": {"_some": nested(MAX_DEPTH, "age")}})
    assert str(exc).startswith("filters.author._some._and[0]")


@pytest.mark.parametrize("filters, message, field", [
    ({"author": {"_some": {"name": "a"}, "_none": {"name": "b"}}},
     'filters.author: use _some alone, e.g. {"author": {"_some": {"name": "Ada"}}}', "author"),
    ({"author": {"_none": {"name": "a"}, "age": 1}},
     'filters.author: use _none alone, e.g. {"author": {"_none": {"name": "Ada"}}}', "author"),
    ({"author": {"_some": {}}}, "filters.author._some must be a filter object on the related entries", "author"),
    ({"author": {"_none": [{"name": "a"}]}}, "filters.author._none must be a filter object on the related entries",
     "author"),
    ({"readers": {"_some": "x"}}, "filters.readers._some must be a filter object on the related entries", "readers"),
    ({"author": {"ghost": 1}}, "unknown field 'ghost' in section 'authors' (fields: age, fans, mentor, name)",
     "ghost"),
])
def test_related_filter_refusals(filters, message, field):
    exc = refused(filters)
    assert str(exc) == message and exc.field == field


def test_related_filters_need_the_target_models():
    for filters in ({"author": {"name": "Ada"}}, {"readers": {"_some": {"name": "Ada"}}}):
        exc = refused(filters, load=False)
        key = next(iter(filters))
        assert str(exc) == f"filters.{key}: filters on related fields are not available here"
        assert exc.field == key
    assert compiled({"author": U1}, load=False)[1] == [uuid.UUID(U1)]


def test_multiple_relation_conditions_over_the_junction():
    assert compiled({"readers": {"_contains": [U1, U2]}}) == (
        '(EXISTS (SELECT 1 FROM "content"."posts_readers" "j1" WHERE "j1".source_id = "t".id '
        'AND "j1".target_id = ANY(%s)))', [[uuid.UUID(U1), uuid.UUID(U2)]])
    assert compiled({"readers": {"_contains": U1}})[1] == [[uuid.UUID(U1)]]
    exists = 'EXISTS (SELECT 1 FROM "content"."posts_readers" "j1" WHERE "j1".source_id = "t".id)'
    assert compiled({"readers": {"_null": True}}) == (f"(NOT {exists})", [])
    assert compiled({"readers": {"_null": False}}) == (f"({exists})", [])
    assert compiled({"readers": {"_nnull": True}}) == (f"({exists})", [])
    assert compiled({"readers": {"_nnull": False}}) == (f"(NOT {exists})", [])


@pytest.mark.parametrize("condition, message", [
    ({"_null": "yes"}, "filter on 'readers': _null takes true or false"),
    ({"_nnull": 1}, "filter on 'readers': _nnull takes true or false"),
    ({"_contains": [U1, "x"]}, "filter on 'readers': _contains takes entry ids (UUIDs)"),
    ({"_eq": U1}, "filter on 'readers': operator '_eq' is not supported on multiple relations (allowed: _contains, "
                  "_null, _nnull, and _some / _none with a filter on the related entries)"),
    ({"_" + "x" * 50: U1}, f"filter on 'readers': operator '_{'x' * 39}' is not supported on multiple relations "
                           "(allowed: _contains, _null, _nnull, and _some / _none with a filter on the related "
                           "entries)"),
])
def test_multiple_relation_refusals(condition, message):
    exc = refused({"readers": condition})
    assert str(exc) == message and exc.field == "readers"


def test_aliases_are_unique_across_the_filter():
    text, _ = compiled({"readers": {"_nnull": True}, "_or": [{"readers": {"_contains": U1}},
                                                            {"author": {"fans": {"_some": {"name": "x"}}}}]})
    for alias in ('"j1"', '"j2"', '"r3"', '"j5"', '"r4"'):
        assert alias in text
    assert '"r4".id = "j5".target_id WHERE "j5".source_id = "r3".id' in text


# -- order_by ---------------------------------------------------------------------------------

def order(value) -> str:
    return render(compile_order_by(MODELS["posts"], value, T))


@pytest.mark.parametrize("empty", [None, "", "  ", []])
def test_order_by_default(empty):
    assert order(empty) == '"t"."created_at" DESC, "t".id'


def test_order_by_parts():
    assert order("title, qty desc nulls first, done ASC NULLS LAST") == (
        '"t"."title" ASC, "t"."qty" DESC NULLS FIRST, "t"."done" ASC NULLS LAST, "t".id')
    assert order(["  updated_at Desc ", "author nulls last"]) == (
        '"t"."updated_at" DESC, "t"."author" ASC NULLS LAST, "t".id')
    assert order("qty, title, qty desc") == '"t"."qty" ASC, "t"."title" ASC, "t".id'
    assert order("qty, qty desc, title") == '"t"."qty" ASC, "t"."title" ASC, "t".id'
    assert order("id desc, qty") == '"t"."id" DESC, "t"."qty" ASC'


def test_order_by_takes_at_most_ten_columns():
    assert order(["qty"] * 10) == '"t"."qty" ASC, "t".id'
    with pytest.raises(InvalidInput) as exc:
        order(",".join(["qty"] * 11))
    assert str(exc.value) == "order_by takes at most 10 columns" and exc.value.field == "order_by"


@pytest.mark.parametrize("value, message", [
    (5, 'order_by must be a string like "created_at DESC, title"'),
    (["qty", 5], 'order_by must be a string like "created_at DESC, title"'),
    ({"qty": "asc"}, 'order_by must be a string like "created_at DESC, title"'),
    ("qty sideways", "order_by part 'qty sideways' is invalid: use \"field\", \"field ASC\" or \"field DESC\""),
    ("qty, ", "order_by part '' is invalid: use \"field\", \"field ASC\" or \"field DESC\""),
    ("  " + "-" * 70 + "  ", f"order_by part {'-' * 60!r} is invalid: use \"field\", \"field ASC\" or \"field DESC\""),
    ("qty desc nulls", "order_by part 'qty desc nulls' is invalid: use \"field\", \"field ASC\" or \"field DESC\""),
    ("ghost", "order_by: unknown field 'ghost' in section 'posts'"),
    ("readers", "order_by: 'readers' is a multiple relation and has no column to sort on"),
])
def test_order_by_refusals(value, message):
    with pytest.raises(InvalidInput) as exc:
        order(value)
    assert str(exc.value) == message and exc.value.field == "order_by"


def test_order_by_a_pending_field_says_so():
    with pytest.raises(InvalidInput) as exc:
        order("draft")
    assert str(exc.value).startswith("field 'draft' is configured but not in the table yet")
    assert exc.value.field == "draft"


# -- paging -------------------------------------------------------------------------------------

SETTINGS = EngineSettings(default_limit=20, max_limit=100)


@pytest.mark.parametrize("limit, offset, expected", [
    (None, None, (20, 0)), ("", "", (20, 0)), (1, 0, (1, 0)), (100, 7, (100, 7)), ("5", "3", (5, 3)),
    (" 5 ", " 3 ", (5, 3)),
])
def test_paging(limit, offset, expected):
    assert check_paging(limit, offset, SETTINGS) == expected


@pytest.mark.parametrize("limit", [0, 101, -1, True, 2.0, "x", "-1", "101"])
def test_limit_refusals(limit):
    with pytest.raises(InvalidInput) as exc:
        check_paging(limit, 0, SETTINGS)
    assert str(exc.value) == "limit must be a whole number from 1 to 100" and exc.value.field == "limit"


@pytest.mark.parametrize("offset", [-1, False, 1.0, "x", "-2"])
def test_offset_refusals(offset):
    with pytest.raises(InvalidInput) as exc:
        check_paging(10, offset, SETTINGS)
    assert str(exc.value) == "offset must be a whole number of at least 0" and exc.value.field == "offset"


def test_json_filters_and_dicts_agree():
    filters = {"_or": [{"qty": {"_in": [1, 2]}}, {"author": {"name": "A"}}]}
    assert compiled(json.dumps(filters)) == compiled(filters)


# -- the caps of the engine's settings (FilterLimits) ------------------------------------
def refused_under(filters, limits) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        compiler().compile(filters, limits)
    return exc.value


def test_configured_caps_hold_inside_relation_filters_too():
    """The limits given to compile reach the compilers of related sections (shared), not
    the defaults."""
    from polysynergy_nodes_content.content_engine.postgres.read_limits import FilterLimits

    tight = FilterLimits(operand_length=6, conditions=3, depth=2, bytes=400)
    compiler().compile({"author": {"name": "a", "age": 3, "mentor": {"_null": True}}}, tight)  # at the caps
    exc = refused_under({"author": {"name": "a", "age": 3, "mentor": {"_null": True}}, "qty": 1}, tight)
    assert "too many filter conditions (at most 3;" in str(exc)
    exc = refused_under({"_or": [{"_and": [{"_or": [{"qty": 1}]}]}]}, tight)
    assert "nested too deeply (at most 2 levels;" in str(exc)
    exc = refused_under({"author": {"_and": [{"_or": [{"_and": [{"name": "a"}]}]}]}}, tight)
    assert "nested too deeply (at most 2 levels;" in str(exc)
    exc = refused_under({"title": "abcdefg"}, tight)  # operator names count too: none is used here
    assert str(exc).startswith("filters.title: a text of 7 characters is longer than the 6")
    exc = refused_under({"_or": [{"qty": i} for i in range(3)] + [{"title": "x" * 6}] * 30}, tight)
    assert "bytes as JSON, more than the 400 allowed" in str(exc)


def test_containers_nested_past_the_walk_cap_are_refused_before_compiling():
    deep: object = 1
    for _ in range(80):
        deep = {"_and": [deep]}
    exc = refused(deep)
    assert "levels of objects and lists" in str(exc) and exc.field == "filters"
