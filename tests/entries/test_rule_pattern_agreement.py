"""A rule's ``_regex`` gives the same verdict in the engine (RE2, before SQL) and in its
CHECK (PostgreSQL's ``~``): generated patterns and values go through the engine's rule check
and through the CHECK expression the migration would create, evaluated by the real server
under the default, the "C" and an ICU collation."""

from __future__ import annotations

import dataclasses
import os
import re
import string

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from polysynergy_nodes_content.content_engine.config.store import ConfigStore
from polysynergy_nodes_content.content_engine.migrations.planning.desired import desired_fields
from polysynergy_nodes_content.content_engine.rules.check_constraints import desired_rule_checks
from polysynergy_nodes_content.content_engine.rules.language import Rule, broken_rules
from polysynergy_nodes_content.content_engine.rules.patterns import UnsupportedPattern, rule_pattern

#: The collations the CHECK is evaluated under; the ICU one where the server has ICU.
COLLATIONS = ("default", "C", "und-x-icu")
#: Characters where the dialects part: newlines, non-ASCII digits, letters and spaces, case pairs.
VALUE_CHARS = ["a", "b", "A", "B", "0", "9", "_", "-", " ", ".", "$", "\n", "\t", "\r", "\v", "é", "É", "ß", "٣",
               "\u00a0", "\u2028", "ǅ", "K", "k", "[", "]", "\\", "^"]
SPECIAL = "\\^$.[]|()?*+{}"
LITERAL_CHARS = ["a", "b", "A", "0", "_", " ", "é", "٣", "\n"] + [c for c in string.punctuation if c not in SPECIAL]
SET_CHARS = ["a", "b", "z", "A", "Z", "0", "9", "_", " ", "é", "٣", ".", "$", "*", "^", "-", "]", "[", "\\", "|",
             "&", "~", "\n"]


def _literal(c: str, escape: bool) -> str:
    return "\\" + c if c in SPECIAL or (escape and c.isascii() and not c.isalnum() and c != "_") else c


def _set_char(c: str) -> str:
    return "\\" + c if c in "]-[\\^" else ("\\n" if c == "\n" else c)


@st.composite
def _set(draw):
    items = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["char", "range", "class"]))
        if kind == "class":
            items.append("\\" + draw(st.sampled_from("dsw")))
        elif kind == "range":
            low, high = sorted(draw(st.lists(st.sampled_from(SET_CHARS), min_size=2, max_size=2)))
            items.append(_set_char(low) + "-" + _set_char(high))
        else:
            items.append(_set_char(draw(st.sampled_from(SET_CHARS))))
    tail = "-" if draw(st.booleans()) else ""
    return "[" + ("^" if draw(st.booleans()) else "") + "".join(items) + tail + "]"


def _quantifier():
    bounds = st.tuples(st.integers(0, 3), st.integers(0, 2)).map(lambda b: f"{{{b[0]},{b[0] + b[1]}}}")
    plain = st.sampled_from(["", "", "", "*", "+", "?", "{2}", "{1,}"]) | bounds
    return st.tuples(plain, st.booleans()).map(lambda q: q[0] + ("?" if q[0] and q[1] else ""))


def _patterns():
    literal = st.tuples(st.sampled_from(LITERAL_CHARS + list(SPECIAL)), st.booleans()).map(lambda t: _literal(*t))
    shorthand = st.sampled_from(["\\d", "\\D", "\\s", "\\S", "\\w", "\\W", "\\n", "\\t", "."])
    leaf = literal | shorthand | _set()

    def grow(inner):
        group = st.tuples(st.sampled_from(["(", "(?:"]), st.lists(inner, min_size=1, max_size=3)).map(
            lambda g: g[0] + "|".join(g[1]) + ")")
        return st.lists(st.one_of(st.tuples(leaf | group, _quantifier()).map("".join),
                                  st.sampled_from(["^", "$"])), min_size=1, max_size=4).map("".join)

    return st.recursive(leaf, grow, max_leaves=8)


VALUES = st.lists(st.text(alphabet=VALUE_CHARS, max_size=6), min_size=1, max_size=10).map(
    lambda vs: vs + ["", "\n", "a\n", "a", "ab", "٣", "é\n"])


@pytest.fixture
def collations(raw) -> tuple:
    """COLLATIONS the server has. A server built without ICU (the embedded PostgreSQL of
    the README's test command) lacks the ICU one; CI's server must have it."""
    have = {r[0] for r in raw.execute("SELECT collname FROM pg_collation")} | {"default"}
    if "und-x-icu" not in have and os.environ.get("CI"):
        pytest.fail("the test server has no ICU collation (und-x-icu): CI's PostgreSQL must be built with ICU")
    return tuple(c for c in COLLATIONS if c in have)


@pytest.fixture
def oracle(engine, build, raw, collations):
    """The engine's rule check and the CHECK expression in PostgreSQL, for one pattern."""
    section = build(engine, "codes", [("code", "text", {}, False, False)])
    model = engine.entries.models.get(raw, "codes", refresh=True)
    with engine.connection() as conn:
        snapshot = ConfigStore(conn, engine.settings, engine.registry).snapshot(section["id"])
    fields = desired_fields(snapshot, engine.registry)

    def engine_verdicts(pattern: str, values: list) -> list[bool]:
        ruled = dataclasses.replace(model, rules=[Rule("code", {"_regex": pattern}, "m")])
        return [not broken_rules(ruled, {"code": ruled.fields["code"].to_param(v)}) for v in values]

    def check_verdicts(pattern: str, values: list) -> dict:
        """Collation -> the CHECK's verdict on each value."""
        return {collation: check_verdicts_in(pattern, values, collation) for collation in collations}

    def check_verdicts_in(pattern: str, values: list, collation: str) -> list[bool]:
        config = dict(snapshot, fields=[dict(f, custom_validation_rules=[{"rule": {"_regex": pattern}, "message": "m"}])
                                        for f in snapshot["fields"]])
        checks, engine_only = desired_rule_checks(config, fields)
        assert not engine_only and len(checks) == 1, f"{pattern!r} has no CHECK form"
        (_, expression), = checks.values()
        # No parameters: the expression's literal may hold a '%' (the pattern as written).
        query = sql.SQL("SELECT coalesce({}, true) FROM (SELECT v COLLATE {} AS code, n "
                        "FROM unnest({}::text[]) WITH ORDINALITY AS u(v, n)) t ORDER BY n").format(
            expression, sql.Identifier(collation), sql.Literal(values))
        return [r[0] for r in raw.execute(query)]

    return engine_verdicts, check_verdicts


def _assert_agree(oracle, pattern: str, values: list):
    engine_verdicts, check_verdicts = oracle
    expected = engine_verdicts(pattern, values)
    for collation, got in check_verdicts(pattern, values).items():
        disagree = [(v, e, g) for v, e, g in zip(values, expected, got) if e != g]
        assert not disagree, (f"pattern {pattern!r} (PostgreSQL form {rule_pattern(pattern).postgres!r}, "
                              f"collation {collation}): (value, engine, CHECK) {disagree}")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(pattern=_patterns(), values=VALUES)
def test_engine_and_check_agree_on_generated_patterns(oracle, pattern, values):
    try:
        rule_pattern(pattern)
    except UnsupportedPattern:
        return  # generated text can still hold refused forms (a quantified anchor, say)
    _assert_agree(oracle, pattern, values)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(pattern=st.text(alphabet=list(SPECIAL) + ["a", "b", "0", "-", "d", "w", "s", "n", ",", "1", "2", ":", "é"],
                       max_size=10), values=VALUES)
def test_any_accepted_pattern_text_compiles_and_agrees(oracle, pattern, values):
    """Raw text over the special characters: whatever the parser accepts PostgreSQL compiles,
    and both give the same verdicts."""
    try:
        rule_pattern(pattern)
    except UnsupportedPattern:
        return
    _assert_agree(oracle, pattern, values)


#: Patterns whose plain readings differ between Python's re and PostgreSQL's ~ on some value.
PLAIN_DIFFERENCES = [
    (r"^ab$", "ab\n"),  # Python's $ matches before a trailing newline
    (r"^.$", "\n"),  # PostgreSQL's . matches a newline
    (r"^\d$", "٣"),  # Python's \d is Unicode, PostgreSQL's follows the locale
    (r"^\s$", "\u00a0"),
    (r"^\w+$", "ǅé"),
]


@pytest.mark.parametrize("pattern,value", PLAIN_DIFFERENCES)
def test_the_plain_dialects_differ_and_the_rule_forms_agree(oracle, raw, collations, pattern, value):
    python_plain = re.search(pattern, value) is not None
    postgres_plain = {raw.execute(sql.SQL("SELECT %s::text COLLATE {} ~ %s").format(sql.Identifier(c)),
                                  (value, pattern)).fetchone()[0] for c in collations}
    assert postgres_plain != {python_plain}, "the dialects agree here: the case proves nothing"
    _assert_agree(oracle, pattern, [value])


#: Patterns whose plain RE2 reading (default options) differs from PostgreSQL's on some value.
RE2_PLAIN_DIFFERENCES = [
    (r"^a.b$", "a\nb"),  # RE2's . leaves out a newline unless told otherwise
    (r"^\s$", "\v"),  # RE2's \s has no vertical tab, PostgreSQL's has
    (r"^\w$", "é"),  # RE2's \w is ASCII, PostgreSQL's follows the collation
]


@pytest.mark.parametrize("pattern,value", RE2_PLAIN_DIFFERENCES)
def test_the_plain_re2_reading_differs_and_the_rule_forms_agree(oracle, raw, collations, pattern, value):
    options = re2.Options()
    options.log_errors = False
    re2_plain = re2.compile(pattern, options).search(value) is not None
    postgres_plain = {raw.execute(sql.SQL("SELECT %s::text COLLATE {} ~ %s").format(sql.Identifier(c)),
                                  (value, pattern)).fetchone()[0] for c in collations}
    assert postgres_plain != {re2_plain}, "RE2 and PostgreSQL agree here: the case proves nothing"
    _assert_agree(oracle, pattern, [value])


#: Patterns that make a backtracking engine take time exponential in the value's length.
PATHOLOGICAL = [r"^(a+)+$", r"^(a|aa)+$", r"^(a*)*b$", r"(x+x+)+y", r"^([a-z]+[a-z]*)+[0-9]$", r"^(.*a){12}$"]


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_a_pathological_pattern_on_a_long_value_is_checked_and_agrees(oracle, pattern):
    """Python's re would not finish these (``^(a+)+$`` on 30 characters would take over a minute):
    the engine's check runs on RE2 and gives PostgreSQL's verdict on 5,000 characters."""
    engine_verdicts, _ = oracle
    long_values = ["a" * 5000 + "!", "a" * 5000, "x" * 5000, "x" * 5000 + "y", "a" * 4999 + "b", "ab" * 2500 + "!"]
    verdicts = engine_verdicts(pattern, long_values)
    _assert_agree(oracle, pattern, long_values)
    if pattern == r"^(a+)+$":
        assert verdicts == [False, True, False, False, False, False]
    if pattern == r"(x+x+)+y":
        assert verdicts == [False, False, False, True, False, False]


def test_dollar_and_dot_mean_the_same_in_both(oracle):
    engine_verdicts, _ = oracle
    values = ["ab", "ab\n", "a\nb", "\n"]
    assert engine_verdicts("^ab$", values) == [True, False, False, False]
    assert engine_verdicts("^a.b$", values) == [False, False, True, False]
    assert engine_verdicts(r"^\d+$", ["12", "١٢", "1\n"]) == [True, False, False]
    for pattern in ("^ab$", "^a.b$", r"^\d+$", r"^[\w.-]+@[a-z]+\.org$"):
        _assert_agree(oracle, pattern, values + ["12", "١٢", "a.b@x.org", "é@x.org"])


def test_a_backslash_before_any_ascii_punctuation_is_that_character(oracle):
    engine_verdicts, _ = oracle
    for c in string.punctuation + " ":
        pattern = f"^[a\\{c}]\\{c}$"
        assert engine_verdicts(pattern, [c + c, "a" + c, "aa"]) == [True, True, False], pattern
        _assert_agree(oracle, pattern, [c + c, "a" + c, "aa", c, "\\" + c])
