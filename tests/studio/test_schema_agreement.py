"""The entry JSON Schema and the engine agree: hypothesis sends many values through the
real engine (``create_entry`` on a real table) and through a JSON Schema validator.

For most configurations the verdicts must be equal. For the few rules JSON Schema
cannot state (email syntax, URL hosts, phone digits, date-time parsing) the schema is
allowed to be looser, never stricter: a value the engine accepts always passes it.
Values are drawn in their canonical JSON form: numbers as numbers, booleans as
booleans (the engine's extra leniency for form text is not part of the schema).
"""

from __future__ import annotations

import string
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from studio_helpers import build

from polysynergy_nodes_content.content_engine.descriptors import entry_schema
from polysynergy_nodes_content.content_engine.errors import DatabaseFailure, InvalidInput

# psycopg_pool draws its connection-lifetime jitter from the random module whenever it
# opens a connection during an example; Hypothesis reports that as a strategy using it.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")

OTHERS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
NO_NUL = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TEXT = st.text(NO_NUL, max_size=12)
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
NUMBERS = st.one_of(st.integers(-(10**21), 10**21), st.floats(allow_nan=False, allow_infinity=False))
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(-1e6, 1e6), TEXT)
JSON = st.recursive(JSON_LEAF, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                      st.dictionaries(st.sampled_from("nab"), kids, max_size=3)),
                    max_leaves=6)

EXACT = {
    "t_text": ("text", {"maxLength": 5, "minLength": 2}, st.one_of(ANY_TEXT, OTHERS)),
    "t_area": ("textarea", {"maxLength": 8}, st.one_of(ANY_TEXT, OTHERS)),
    "t_slug": ("slug", {"maxLength": 10}, st.one_of(st.from_regex(r"[a-z0-9-]{0,12}\n?", fullmatch=True), TEXT)),
    "t_color": ("color", {}, st.one_of(st.from_regex(r"\s?#[0-9a-fA-Fg]{2,7}\s?", fullmatch=True), TEXT, OTHERS)),
    "t_int": ("integer", {"min": -5, "max": 10**15}, st.one_of(NUMBERS, OTHERS)),
    "t_num": ("number", {"min": -1.5, "max": 1e6}, st.one_of(NUMBERS, OTHERS)),
    "t_pct": ("percentage", {}, st.one_of(st.integers(-200, 200), st.floats(-150, 150).map(lambda x: round(x, 4)),
                                          OTHERS)),
    "t_dec": ("decimal", {"precision": 6, "scale": 2},
              st.one_of(st.integers(-(10**6), 10**6),
                        st.from_regex(r"\s?[-+]?[0-9]{0,6}(\.[0-9]{0,4})?\s?", fullmatch=True), OTHERS)),
    "t_bool": ("boolean", {}, st.one_of(st.booleans(), st.integers(), st.floats(allow_nan=False), OTHERS)),
    "t_date": ("date", {}, st.one_of(st.dates().map(lambda d: d.isoformat()),
                                     st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
                                     st.text(string.ascii_letters + string.digits + "-:", max_size=12), OTHERS)),
    "t_time": ("time", {}, st.one_of(st.times().map(lambda t: t.isoformat()),
                                     st.from_regex(r"\s?[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?\s?", fullmatch=True),
                                     TEXT, OTHERS)),
    "t_select": ("select", {"options": ["a", "b", {"value": "c", "label": "See"}]},
                 st.one_of(st.sampled_from(["a", "b", "c", "See", "A", "d", ""]), TEXT, OTHERS)),
    "t_multi": ("multi_select", {"options": ["a", "b", "c"], "minItems": 1, "maxItems": 2},
                st.one_of(st.lists(st.sampled_from(["a", "b", "c", "z"]), max_size=4), st.lists(OTHERS, max_size=2),
                          TEXT, OTHERS)),
    "t_json": ("json", {"schema": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}},
               st.one_of(JSON, st.fixed_dictionaries({"n": JSON_LEAF}))),
}
LOOSER = {
    "t_email": ("email", {}, st.one_of(
        st.from_regex(r"[a-zA-Z0-9._+-]{1,10}@[a-z0-9-]{1,10}\.[a-z]{2,4}", fullmatch=True), TEXT,
        st.from_regex(r"[a-z]{1,4}@[a-z]{1,4}(\.[a-z]{1,3})?", fullmatch=True), OTHERS)),
    "t_url": ("url", {"allowedSchemes": ["https"]},
              st.one_of(st.from_regex(r"(https?|HTTPS|ftp)://[a-z]{0,5}(\.[a-z]{2,3})?(/[a-z]*)?", fullmatch=True),
                        TEXT, OTHERS)),
    "t_phone": ("phone", {}, st.one_of(st.from_regex(r"\+?[0-9 ().-]{0,18}", fullmatch=True), TEXT, OTHERS)),
    "t_dt": ("datetime", {}, st.one_of(st.datetimes().map(lambda d: d.isoformat()),
                                       st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.{0,8}",
                                                     fullmatch=True), TEXT, OTHERS)),
}


def _verdicts(engine, section: str, validator):
    def engine_accepts(handle, value) -> bool:
        try:
            engine.create_entry(section, {handle: value})
            return True
        except (InvalidInput, DatabaseFailure):
            return False

    def schema_accepts(handle, value) -> bool:
        return validator.is_valid({handle: value})

    return engine_accepts, schema_accepts


def _section(engine, handle, configs):
    fields = [dict(handle=name, field_type_handle=kind, field_settings=cfg) for name, (kind, cfg, _) in configs.items()]
    section = build(engine, handle, fields)
    schema = entry_schema(section, engine.registry)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


CHECKS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def test_schema_and_engine_agree_exactly(engine):
    validator = _section(engine, "agree", EXACT)
    engine_accepts, schema_accepts = _verdicts(engine, "agree", validator)
    seen = {}
    for handle, (_, _, values) in sorted(EXACT.items()):

        @CHECKS
        @given(values)
        def check(value):
            verdict = engine_accepts(handle, value)
            seen.setdefault(handle, set()).add(verdict)
            assert schema_accepts(handle, value) == verdict, (handle, value)

        check()
    # Every configuration saw values on both sides of its rules.
    assert all(verdicts == {True, False} for verdicts in seen.values()), seen


def test_schema_is_never_stricter_than_the_engine(engine):
    validator = _section(engine, "looser", LOOSER)
    engine_accepts, schema_accepts = _verdicts(engine, "looser", validator)
    for handle, (_, _, values) in sorted(LOOSER.items()):

        @CHECKS
        @given(values)
        def check(value):
            if engine_accepts(handle, value):
                assert schema_accepts(handle, value), (handle, value)

        check()


def test_relations_required_unknown_keys_and_defaults(engine):
    targets = build(engine, "targets", [dict(handle="name", field_type_handle="text")])
    ids = [engine.create_entry("targets", {"name": n})["id"] for n in "abc"]
    section = build(engine, "links", [
        dict(handle="title", field_type_handle="text", is_required=True),
        dict(handle="kind", field_type_handle="select", field_settings={"options": ["x", "y"]}, is_required=True,
             default_value="x"),
        dict(handle="one", field_type_handle="relation", field_settings={"targetSection": "targets"}),
        dict(handle="many", field_type_handle="relation",
             field_settings={"targetSection": targets["handle"], "allowMultiple": True, "maxItems": 2}),
    ])
    validator = Draft202012Validator(entry_schema(section, engine.registry),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    engine_accepts, _ = _verdicts(engine, "links", validator)

    def engine_ok(doc) -> bool:
        try:
            engine.create_entry("links", doc)
            return True
        except (InvalidInput, DatabaseFailure):
            return False

    documents = [
        {"title": "t"}, {}, {"title": None}, {"title": "t", "kind": None}, {"title": "t", "kind": "y"},
        {"title": "t", "extra": 1}, {"title": "t", "id": str(uuid.uuid4())},
        {"title": "t", "one": ids[0]}, {"title": "t", "one": ids[0].upper()}, {"title": "t", "one": "nope"},
        {"title": "t", "one": None}, {"title": "t", "many": ids[:2]}, {"title": "t", "many": ids},
        {"title": "t", "many": [ids[0], ids[0]]}, {"title": "t", "many": []}, {"title": "t", "many": "x"},
    ]
    for doc in documents:
        assert validator.is_valid(doc) == engine_ok(doc), doc
