"""The text type's ``pattern`` setting runs on RE2 where RE2 reads it as Python's ``re``
does: generated Python patterns (flags, classes, sets, anchors, repeats) full-match the same
values through RE2 as through ``re.fullmatch``; patterns with constructs RE2 lacks keep
Python's engine; a pathological pattern on a long value is answered."""

from __future__ import annotations

import re
import string
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldTypeRegistry
from polysynergy_section_field.field_types._bounded_patterns import TIMEOUT_ENV
from polysynergy_section_field.field_types._linear_patterns import full_pattern, search_pattern

TEXT = FieldTypeRegistry(BUILTIN_FIELD_TYPES).get("text")
VALUE_CHARS = ["a", "b", "A", "0", "9", "_", " ", "-", ".", "\n", "\t", "\v", "\x1c", "\x85", "é", "É", "ß", "٣",
               "²", "\u00a0", "\u2028", "ǅ", "K", "\U0001d7d8"]
SPECIAL = "\\^$.[]|()?*+{}"
LITERALS = ["a", "b", "A", "0", "_", " ", "-", "é", "٣", "\n", "#"] + ["\\" + c for c in SPECIAL]
SET_CHARS = ["a", "b", "z", "A", "0", "9", "_", " ", "é", "٣", ".", "\\-", "\\]", "\\[", "\\\\", "\\n", "\\d",
             "\\D", "\\w", "\\W", "\\s", "\\S", "^"]


@st.composite
def _set(draw):
    items = draw(st.lists(st.sampled_from(SET_CHARS), min_size=1, max_size=3))
    if draw(st.booleans()):
        low, high = sorted(draw(st.lists(st.sampled_from("0a9zAé"), min_size=2, max_size=2)))
        items.append(f"{low}-{high}")
    return "[" + ("^" if draw(st.booleans()) else "") + "".join(items) + "]"


def _patterns():
    leaf = (st.sampled_from(LITERALS) | st.sampled_from([".", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\b"])
            | _set())
    quantifier = st.sampled_from(["", "", "", "*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?", "{1,2}?"])
    anchor = st.sampled_from(["^", "$", "\\A", "\\Z"])

    def grow(inner):
        opening = st.sampled_from(["(", "(?:", "(?s:", "(?m:", "(?a:", "(?i:", "(?-s:"])
        group = st.tuples(opening, st.lists(inner, min_size=1, max_size=3)).map(lambda g: g[0] + "|".join(g[1]) + ")")
        piece = st.tuples(leaf | group, quantifier).map("".join) | anchor
        return st.lists(piece, min_size=1, max_size=4).map("".join)

    body = st.recursive(leaf, grow, max_leaves=8)
    flags = st.sampled_from(["", "", "", "(?s)", "(?m)", "(?a)", "(?x)", "(?i)", "(?sm)"])
    return st.tuples(flags, body).map("".join)


VALUES = st.lists(st.text(alphabet=VALUE_CHARS, max_size=6), min_size=1, max_size=12).map(
    lambda vs: vs + ["", "\n", "a\n", "a", "ab", "٣", "a\nb"])


def _compiles(pattern: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except re.error:
        return False
    return True


@settings(max_examples=1500, deadline=None)
@given(pattern=_patterns(), values=VALUES)
def test_re2_full_matches_what_python_does(pattern, values):
    if not _compiles(pattern):
        return
    compiled = full_pattern(pattern)
    python = [re.fullmatch(pattern, v) is not None for v in values]
    assert [compiled.fullmatch(v) for v in values] == python, pattern
    if compiled.linear is not None:  # the RE2 side itself, not the fallback
        assert [compiled.linear.fullmatch(v.encode()) is not None for v in values] == python, (
            pattern, compiled.linear.pattern)


LINEAR = [r"[A-Z]{3}-[0-9]+", r"^[a-z]+$", r"\d{4}-\d{2}-\d{2}", r"[\w.+-]+@[\w-]+\.[a-z]{2,}", r"(?s).*",
          r"(?m)^a$\n^b$", r"(?x) [a-z]+ \# [0-9]+ ", r"[^\W\d_]+", r"(?a)\w+", r"(a|ab)(c|bcd)(d*)",
          r"^(a+)+$", r"(?P<year>[0-9]{4})", r"a$|b\Z", r"\S+\s\S+"]
PYTHON_ONLY = [r"(a)\1", r"(?i)abc", r"\bword\b", r"a(?=b)b", r"(?<!x)y", r"a$\n", r"(?>a+)b", r"a*+b",
               r"a{1001}", r"(a)?(?(1)b|c)"]


@pytest.mark.parametrize("pattern", LINEAR)
def test_common_patterns_run_on_re2(pattern):
    assert full_pattern(pattern).linear is not None, pattern


@pytest.mark.parametrize("pattern", PYTHON_ONLY)
def test_constructs_re2_lacks_keep_pythons_engine_and_verdicts(pattern):
    compiled = full_pattern(pattern)
    assert compiled.linear is None, pattern
    for value in ["aa", "ab", "abc", "ABC", "word", "y", "xy", "a\n", "aab", "a" * 1001, "b"]:
        assert compiled.fullmatch(value) == (re.fullmatch(pattern, value) is not None), (pattern, value)


def test_a_pathological_pattern_on_a_long_value_is_answered_by_the_field_type():
    """``^(a+)+$`` on 'a' * 5000 + '!': Python's re would backtrack for longer than anyone waits."""
    settings_ = {"pattern": r"^(a+)+$"}
    TEXT.check_settings(settings_)
    assert TEXT.check_value("a" * 5000 + "!", settings_) == r"must match the pattern ^(a+)+$"
    assert TEXT.check_value("a" * 5000, settings_) is None
    assert TEXT.check_value("a" * 20 + "!", settings_) == r"must match the pattern ^(a+)+$"
    assert (re.fullmatch(r"^(a+)+$", "a" * 20 + "!") is None)  # the verdict Python's re gives, where it can


def test_a_value_with_a_lone_surrogate_gets_pythons_verdict():
    compiled = full_pattern(r"a.b")
    assert compiled.linear is not None
    assert compiled.fullmatch("a\ud800b") and not compiled.fullmatch("a\ud800")


def test_every_ascii_character_as_a_literal_and_in_a_set():
    for c in string.printable:
        for pattern in (re.escape(c), "[" + re.escape(c) + "]", "[^" + re.escape(c) + "]"):
            compiled = full_pattern(pattern)
            assert compiled.linear is not None, pattern
            for value in (c, "a", "\n", c + c):
                assert compiled.fullmatch(value) == (re.fullmatch(pattern, value) is not None), (pattern, value)


@settings(max_examples=1000, deadline=None)
@given(pattern=_patterns(), values=VALUES)
def test_re2_searches_what_python_does(pattern, values):
    """JSON Schema's ``pattern`` is ``re.search``: the RE2 search form agrees with it."""
    if not _compiles(pattern):
        return
    compiled = search_pattern(pattern)
    python = [re.search(pattern, v) is not None for v in values]
    assert [compiled.search(v) for v in values] == python, pattern
    if compiled.linear is not None:
        assert [compiled.linear.search(v.encode()) is not None for v in values] == python, (
            pattern, compiled.linear.pattern)


@pytest.mark.parametrize("pattern", LINEAR + [r"a$", r"a$$", r"(?:x|a$)"])
def test_common_search_patterns_run_on_re2(pattern):
    assert search_pattern(pattern).linear is not None, pattern


@pytest.mark.parametrize("pattern", PYTHON_ONLY + [r"a$\Z"])
def test_search_patterns_re2_lacks_keep_pythons_verdicts_in_the_bounded_child(pattern):
    compiled = search_pattern(pattern)
    assert compiled.linear is None, pattern
    for value in ["aa", "ab", "abc", "ABC", "a word.", "y", "xy", "a\n", "aab", "b", "\ud800a"]:
        assert compiled.search(value) == (re.search(pattern, value) is not None), (pattern, value)


def test_a_backtracking_pattern_re2_lacks_is_stopped_at_the_time_limit(monkeypatch):
    """``^(a+)+\\b$`` needs Python's ``re`` (``\\b``) and backtracks for minutes on 40 characters:
    the child running it is killed at the limit, the value refused, and the next value answered."""
    monkeypatch.setenv(TIMEOUT_ENV, "50")
    settings_ = {"pattern": r"^(a+)+\b$"}
    message = TEXT.check_value("a" * 40 + "!", settings_)
    assert message.startswith(r"could not be checked against the pattern '^(a+)+\\b$' within 50 ms"), message
    assert TIMEOUT_ENV in message
    assert TEXT.check_value("aaa", settings_) is None
    assert TEXT.check_value("aa!", settings_) == r"must match the pattern ^(a+)+\b$"
