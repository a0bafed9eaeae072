"""JSON Schema patterns on the linear validator: on ordinary schemas it gives exactly the
errors ``Draft202012Validator`` gives (``pattern``, ``patternProperties``,
``additionalProperties``, ``unevaluatedProperties``, references and applicators), and a
pathological pattern is answered without backtracking. (``jsonschema`` checks
``additionalProperties`` against the ``patternProperties`` patterns joined by ``|``, which
raises on a pattern with global flags such as ``(?i)``; the linear validator tries each
pattern alone, so the generated patterns use scoped flags.)"""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldTypeRegistry
from polysynergy_section_field.field_types._schema_patterns import LinearPatternValidator

JSON = FieldTypeRegistry(BUILTIN_FIELD_TYPES).get("json")
PATTERNS = [r"^a", r"b$", r"^[a-z]+$", r"\d", r"^x_", r"(?i:^ab)", r"^(a+)+$", r"\bw", r"(.)\1", r"é|ß", r"^$"]
KEYS = ["a", "ab", "AB", "b", "x_1", "1", "", "aa", "w x", "zz", "é", "a\n"]


@st.composite
def _schemas(draw):
    pattern = st.sampled_from(PATTERNS)
    leaf = st.sampled_from([{}, {"type": "integer"}, {"type": "string"}, False, True]) | st.builds(
        lambda p: {"type": "string", "pattern": p}, pattern)
    schema: dict = {"type": "object"}
    if draw(st.booleans()):
        schema["properties"] = draw(st.dictionaries(st.sampled_from(KEYS), leaf, max_size=2))
    if draw(st.booleans()):
        schema["patternProperties"] = draw(st.dictionaries(pattern, leaf, min_size=1, max_size=3))
    if draw(st.booleans()):
        schema["additionalProperties"] = draw(leaf)
    if draw(st.booleans()):
        nested = {"patternProperties": draw(st.dictionaries(pattern, leaf, min_size=1, max_size=2))}
        schema[draw(st.sampled_from(["allOf", "anyOf", "oneOf"]))] = [nested]
    if draw(st.booleans()):
        schema["$defs"] = {"d": {"patternProperties": draw(st.dictionaries(pattern, leaf, min_size=1, max_size=2))}}
        schema["$ref"] = "#/$defs/d"
    if draw(st.booleans()):
        schema["if"] = {"properties": {"a": {"pattern": draw(pattern)}}}
        schema["then"] = {"patternProperties": {draw(pattern): draw(leaf)}}
        schema["else"] = {"properties": {"b": draw(leaf)}}
    if draw(st.booleans()):
        schema["unevaluatedProperties"] = draw(leaf)
    return schema


INSTANCES = st.dictionaries(st.sampled_from(KEYS), st.sampled_from([1, "a", "ab", "w", "aa", "x", ""]), max_size=5)


def _errors(validator_class, schema, instance):
    return sorted((tuple(e.absolute_path), e.message) for e in validator_class(schema).iter_errors(instance))


def _joined_patterns_renumber(node) -> bool:
    """Where jsonschema's ``additionalProperties`` joins several ``patternProperties`` with
    ``|``, a back reference (``\\1``) then names another pattern's group: its verdict is
    wrong there, so it cannot be the reference."""
    if isinstance(node, dict):
        patterns = node.get("patternProperties") or {}
        if "additionalProperties" in node and len(patterns) > 1 and any("\\1" in p for p in patterns):
            return True
        return any(_joined_patterns_renumber(v) for v in node.values())
    if isinstance(node, list):
        return any(_joined_patterns_renumber(v) for v in node)
    return False


@settings(max_examples=800, deadline=None)
@given(schema=_schemas(), instance=INSTANCES)
def test_the_linear_validator_gives_jsonschemas_errors(schema, instance):
    assume(not _joined_patterns_renumber(schema))
    assert _errors(LinearPatternValidator, schema, instance) == _errors(Draft202012Validator, schema, instance)


def test_each_pattern_property_keeps_its_own_back_reference():
    """'zz' matches ``(.)\\1``, so it is not an additional property (jsonschema itself,
    joining the patterns, reads ``\\1`` as the first pattern's group and says it is)."""
    schema = {"type": "object", "patternProperties": {"^(a+)+$": {}, r"(.)\1": {}},
              "additionalProperties": {"type": "integer"}}
    assert _errors(LinearPatternValidator, schema, {"zz": "x"}) == []
    assert _errors(LinearPatternValidator, schema, {"zy": "x"}) == [(("zy",), "'x' is not of type 'integer'")]


def test_pathological_schema_patterns_are_answered_by_the_field_type():
    """Python's ``re`` takes minutes on these; the field type answers at once, with the
    plain verdict (not the time limit's refusal: the RE2 path runs them)."""
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": r"^(a+)+$"}},
              "patternProperties": {r"^(b+)+$": {"type": "integer"}}, "additionalProperties": False}
    settings_ = {"schema": schema}
    JSON.check_settings(settings_)
    bad_value = JSON.check_value({"code": "a" * 5000 + "!"}, settings_)
    assert bad_value.startswith("does not match the schema at /code:") and "does not match '^(a+)+$'" in bad_value
    bad_key = JSON.check_value({"b" * 5000 + "!": 1}, settings_)
    assert "does not match any of the regexes: '^(b+)+$'" in bad_key, bad_key
    assert JSON.check_value({"code": "a" * 5000, "b" * 5000: 1}, settings_) is None
