"""Every pattern a write evaluates is bounded, through real writes against PostgreSQL:
JSON-Schema ``pattern`` and ``patternProperties`` in a json field's schema run on RE2
(pathological patterns give their plain verdict at once), and a pattern only Python's
``re`` reads (text ``pattern`` or JSON Schema) is stopped at the time limit, refusing the
write with the field named."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_section_field.field_types._bounded_patterns import TIMEOUT_ENV

SCHEMA = {"type": "object", "properties": {"code": {"type": "string", "pattern": r"^(a+)+$"}},
          "patternProperties": {r"^(b+)+$": {"type": "integer"}}, "additionalProperties": False}
SLOW_SCHEMA = {"type": "object", "properties": {"code": {"type": "string", "pattern": r"^(a+)+\b$"}}}


@pytest.fixture
def docs(engine, build):
    build(engine, "docs", [("data", "json", {"schema": SCHEMA}, False, False),
                           ("slow", "json", {"schema": SLOW_SCHEMA}, False, False),
                           ("word", "text", {"pattern": r"^(a+)+\b$"}, False, False)])
    return engine


def test_a_json_schema_pattern_is_answered_on_re2(docs):
    with pytest.raises(InvalidInput, match=r"does not match the schema at /code: .* does not match '\^\(a\+\)\+\$'") as info:
        docs.create_entry("docs", {"data": {"code": "a" * 5000 + "!"}})
    assert info.value.field == "data"
    stored = docs.create_entry("docs", {"data": {"code": "a" * 5000}})
    assert stored["data"] == {"code": "a" * 5000}


def test_json_schema_pattern_properties_are_answered_on_re2(docs):
    with pytest.raises(InvalidInput, match=r"does not match any of the regexes: '\^\(b\+\)\+\$'") as info:
        docs.create_entries("docs", [{"data": {"b" * 5000 + "!": 1}}])
    assert info.value.field == "data"
    with pytest.raises(InvalidInput, match="is not of type 'integer'"):
        docs.create_entry("docs", {"data": {"b" * 5000: "x"}})
    assert docs.create_entry("docs", {"data": {"b" * 5000: 1}})["data"] == {"b" * 5000: 1}


@pytest.mark.parametrize("field, value", [("word", "a" * 40 + "!"), ("slow", {"code": "a" * 40 + "!"})])
def test_a_pattern_only_python_reads_is_stopped_at_the_limit(docs, monkeypatch, field, value):
    monkeypatch.setenv(TIMEOUT_ENV, "100")
    with pytest.raises(InvalidInput, match=r"could not be checked against the pattern '\^\(a\+\)\+\\\\b\$' "
                                           r"within 100 ms .*SECTIONS_PATTERN_TIMEOUT_MS") as info:
        docs.create_entry("docs", {field: value})
    assert info.value.field == field
    ok = {"word": "aaa", "slow": {"code": "aaa"}}[field]
    assert docs.create_entry("docs", {field: ok})[field] == ok
    assert docs.query_entries("docs", count="exact")["total_count"] == 1
