"""The pattern subset of validation rules (``rule_patterns``), without a database: the RE2
form the engine searches with and the PostgreSQL form the CHECK runs, and every construct
outside the subset refused with a message naming it and its position. (That PostgreSQL reads
the two forms alike is proven against the real server in
``tests/entries/test_rule_pattern_agreement.py``.) Fast, so mutation testing runs them per mutant."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.rules.language import Rule
from polysynergy_nodes_content.content_engine.rules.patterns import (
    MAX_DEPTH,
    MAX_PATTERN,
    MAX_REPEAT,
    UnsupportedPattern,
    rule_pattern,
    rule_regexes,
)

SUBSET = "(\\d \\s \\w \\D \\S \\W \\n \\t \\r \\f \\v and \\ before punctuation)"


def forms(source: str) -> tuple[str, str]:
    p = rule_pattern(source)
    assert p.source == source
    return p.engine.pattern.decode(), p.postgres


def refusal(source) -> str:
    with pytest.raises(UnsupportedPattern) as exc:
        rule_pattern(source)
    return str(exc.value)


def matches(source: str, text: str) -> bool:
    return rule_pattern(source).search(text)


# -- the two forms ----------------------------------------------------------------------

@pytest.mark.parametrize("source, engine, postgres", [
    ("^a.b$", "^a.b\\z", "^a.b$"),
    ("\\d\\D", "[0-9][^0-9]", "[0-9][^0-9]"),
    ("\\s\\S", "[\\t\\n\\v\\f\\r ][^\\t\\n\\v\\f\\r ]", "[\\t\\n\\v\\f\\r ][^\\t\\n\\v\\f\\r ]"),
    ("\\w\\W", "[0-9A-Za-z_][^0-9A-Za-z_]", "[0-9A-Za-z_][^0-9A-Za-z_]"),
    ("\\n\\t\\r\\f\\v", "\\n\\t\\r\\f\\v", "\\n\\t\\r\\f\\v"),
    ("\\.\\-\\\\\\$", "\\.\\-\\\\\\$", "\\.\\-\\\\\\$"),
    ("a-b c_d!#'", "a\\-b c_d\\!\\#\\'", "a-b c_d!#'"),
    ("é", "é", "é"), ("aXb", "aXb", "aXb"),
    ("(a|b)(?:c)|", "(a|b)(?:c)|", "(a|b)(?:c)|"),
    ("a*b+c?d{2}e{2,}f{2,3}g*?h{1}?", "a*b+c?d{2}e{2,}f{2,3}g*?h{1}?", "a*b+c?d{2}e{2,}f{2,3}g*?h{1}?"),
    (".{255}", ".{255}", ".{255}"), ("a{0,255}", "a{0,255}", "a{0,255}"), ("a{3,3}", "a{3,3}", "a{3,3}"),
    ("(a)+", "(a)+", "(a)+"), ("[a]*", "[a]*", "[a]*"),
    ("[^a-z]", "[^a-z]", "[^a-z]"),
    ("[\\d\\s_\\n\\]\\\\-]", "[0-9\\t\\n\\v\\f\\r _\\n\\]\\\\\\-]", "[0-9\\t\\n\\v\\f\\r _\\n\\]\\\\-]"),
    ("[\\w]", "[0-9A-Za-z_]", "[0-9A-Za-z_]"),
    ("[a-]", "[a\\-]", "[a-]"), ("[-a]", "[\\-a]", "[-a]"), ("[.$]", "[\\.\\$]", "[.$]"),
    ("[\\.-\\/]", "[\\.-\\/]", "[\\.-\\/]"), ("[\\t-\\r]", "[\\t-\\r]", "[\\t-\\r]"), ("[a-a]", "[a-a]", "[a-a]"),
    ("", "", ""), ("\\n+", "\\n+", "\\n+"), ("\\.*", "\\.*", "\\.*"),
])
def test_both_forms(source, engine, postgres):
    assert forms(source) == (engine, postgres)


def test_the_engine_form_searches_like_postgres():
    assert matches("b", "abc") and not matches("d", "abc")  # unanchored
    assert matches("a.b", "a\nb")  # '.' matches a newline, as in PostgreSQL
    assert matches("a$", "ba") and not matches("a$", "a\n")  # '$' is the very end
    assert matches("^\\d+$", "123") and not matches("^\\d+$", "١٢٣")  # \d is ASCII
    assert matches("^\\w$", "_") and not matches("^\\w$", "é")
    assert matches("^\\s$", "\v") and not matches("^\\s$", "\u00a0")
    assert matches("^[\\t-\\r]$", "\v") and not matches("^[\\t-\\r]$", " ")
    assert matches("^é+$", "éé") and matches("^[é]$", "é")
    assert matches("^(ab|cd)$", "cd") and not matches("^(ab|cd)$", "ad")
    assert matches("^a{2,3}$", "aaa") and not matches("^a{2,3}$", "aaaa")
    assert matches("^a-b$", "a-b") and matches("^a!$", "a!")
    assert matches("^[-a]$", "-") and matches("^[a-]$", "-") and not matches("^[a-]$", "b")


def test_a_text_that_cannot_be_utf8_is_an_error():
    with pytest.raises(UnicodeEncodeError):
        matches("a", "\ud800")


def test_forms_are_cached_per_source():
    assert rule_pattern("^x+$") is rule_pattern("^x+$")


# -- refusals, each naming the construct and where -------------------------------------

@pytest.mark.parametrize("source, message", [
    (5, "must be a text"),
    ("a" * (MAX_PATTERN + 1), "is longer than 1000 characters"),
    ("(", "uses '(' at position 1: the group is not closed"),
    ("(a", "uses '(' at position 2: the group is not closed"),
    ("a)", "uses ')' at position 1: closes a group that was not opened (write \\) for the character)"),
    ("*a", "uses '*' at position 0: repeats nothing (write \\* for the character)"),
    ("a|+", "uses '+' at position 2: repeats nothing (write \\+ for the character)"),
    ("(?", "uses '(?' at position 1: inline flags such as (?i) or (?x) are not supported: write the cases out "
           "([Aa]) and leave out the spaces"),
    ("??", "uses '?' at position 0: repeats nothing (write \\? for the character)"),
    ("{2}", "uses '{' at position 0: is a repetition count with nothing to repeat (write \\{ for the character)"),
    ("a]", "uses ']' at position 1: is ambiguous outside a set (write \\] for the character)"),
    ("}", "uses '}' at position 0: is ambiguous outside a set (write \\} for the character)"),
    ("^*", "uses '*' at position 1: repeats the anchor '^', which PostgreSQL refuses"),
    ("a$+", "uses '+' at position 2: repeats the anchor '$', which PostgreSQL refuses"),
    ("$?", "uses '?' at position 1: repeats the anchor '$', which PostgreSQL refuses"),
    ("^{2}", "uses '{' at position 1: repeats the anchor '^', which PostgreSQL refuses"),
    ("a**", "uses 'a**' at position 2: a repetition of a repetition (possessive forms such as a*+ included) "
            "is not supported: group it, as (a*)+"),
    ("a+?+", "uses 'a+?+' at position 3: a repetition of a repetition (possessive forms such as a*+ included) "
             "is not supported: group it, as (a*)+"),
    ("a?{2}", "uses 'a?{' at position 2: a repetition of a repetition (possessive forms such as a*+ included) "
              "is not supported: group it, as (a*)+"),
    ("a*?", None), ("a{2}?", None), ("a??", None),
    ("a???", "uses 'a???' at position 3: a repetition of a repetition (possessive forms such as a*+ included) "
             "is not supported: group it, as (a*)+"),
    ("a{256}", "uses '{256}' at position 1: PostgreSQL repeats at most 255 times"),
    ("a{1,256}", "uses '{1,256}' at position 1: PostgreSQL repeats at most 255 times"),
    ("a{3,2}", "uses '{3,2}' at position 1: the upper count is below the lower one"),
    ("a{,3}", "uses '{' at position 1: only {n}, {n,} and {n,m} repeat (write \\{ for the character; {,m} "
              "means different things in the two dialects)"),
    ("a{1000}", "uses '{' at position 1: only {n}, {n,} and {n,m} repeat (write \\{ for the character; {,m} "
                "means different things in the two dialects)"),
    ("a{x}", "uses '{' at position 1: only {n}, {n,} and {n,m} repeat (write \\{ for the character; {,m} "
             "means different things in the two dialects)"),
    ("a{2", "uses '{' at position 1: only {n}, {n,} and {n,m} repeat (write \\{ for the character; {,m} "
            "means different things in the two dialects)"),
    ("(?=a)", "uses '(?=...)' at position 1: lookaround is not supported (Python allows only fixed-width lookbehind)"),
    ("(?!a)", "uses '(?!...)' at position 1: lookaround is not supported (Python allows only fixed-width lookbehind)"),
    ("(?<=a)", "uses '(?<=...)' at position 1: lookaround is not supported (Python allows only fixed-width "
               "lookbehind)"),
    ("(?<!a)", "uses '(?<!...)' at position 1: lookaround is not supported (Python allows only fixed-width "
               "lookbehind)"),
    ("(?P<n>a)", "uses a named group at position 1: (?P<name>...) and (?<name>...) are Python forms that "
                 "PostgreSQL refuses; use (...) or (?:...)"),
    ("(?<n>a)", "uses a named group at position 1: (?P<name>...) and (?<name>...) are Python forms that "
                "PostgreSQL refuses; use (...) or (?:...)"),
    ("(?>a)", "uses an atomic group '(?>...)' at position 1: PostgreSQL has no atomic groups"),
    ("(?#c)", "uses a comment '(?#...)' at position 1: comments are not supported"),
    ("x(?i)a", "uses '(?i' at position 2: inline flags such as (?i) or (?x) are not supported: write the cases "
               "out ([Aa]) and leave out the spaces"),
    ("a\\", "uses a trailing '\\' at position 1: it escapes nothing"),
    ("a\\1", "uses '\\1' at position 1: back references and octal escapes are not supported"),
    ("\\b", "uses '\\b' at position 0: a word boundary in Python but a backspace in PostgreSQL"),
    ("\\B", "uses '\\B' at position 0: a non-boundary in Python but a backslash in PostgreSQL"),
    ("\\A", "uses '\\A' at position 0: a string anchor of Python and PostgreSQL: write ^ (here the start of the "
            "value in both)"),
    ("\\Z", "uses '\\Z' at position 0: a string anchor of Python and PostgreSQL: write $ (here the very end of "
            "the value in both, never before a trailing newline)"),
    ("\\z", "uses '\\z' at position 0: a string anchor of recent Pythons only: write $ (here the very end of "
            "the value)"),
    ("\\m", "uses '\\m' at position 0: a word anchor of PostgreSQL only"),
    ("\\M", "uses '\\M' at position 0: a word anchor of PostgreSQL only"),
    ("\\y", "uses '\\y' at position 0: a word anchor of PostgreSQL only"),
    ("\\Y", "uses '\\Y' at position 0: a word anchor of PostgreSQL only"),
    ("\\x41", "uses '\\x' at position 0: a hex escape (its length differs between the dialects): write the "
              "character itself"),
    ("\\u0041", "uses '\\u' at position 0: a Unicode escape: write the character itself"),
    ("\\U00000041", "uses '\\U' at position 0: a Unicode escape: write the character itself"),
    ("\\N{DASH}", "uses '\\N' at position 0: a named character: write the character itself"),
    ("\\p{L}", "uses '\\p' at position 0: a Unicode property class, which PostgreSQL does not have"),
    ("\\P{L}", "uses '\\P' at position 0: a Unicode property class, which PostgreSQL does not have"),
    ("\\q", f"uses '\\q' at position 0: this escape is not in the supported subset {SUBSET}"),
    ("\\é", f"uses '\\é' at position 0: this escape is not in the supported subset {SUBSET}"),
    ("a\x00", "uses '\\x00' at position 2: PostgreSQL text cannot hold this character"),
    ("a\ud800", "uses '\\ud800' at position 2: PostgreSQL text cannot hold this character"),
    ("a\udfff", "uses '\\udfff' at position 2: PostgreSQL text cannot hold this character"),
    ("\ud7ff\ue000", None),
    ("[", "uses '[' at position 1: the set is not closed"),
    ("[a", "uses '[' at position 2: the set is not closed"),
    ("[^", "uses '[' at position 2: the set is not closed"),
    ("[]a]", "uses '[]' at position 1: a ']' first in a set is read differently: write \\]"),
    ("[^]a]", "uses '[]' at position 2: a ']' first in a set is read differently: write \\]"),
    ("[[:alpha:]]", "uses '[' in a set at position 2: PostgreSQL reads [: [= [. as classes and collating "
                    "elements: write \\["),
    ("[a-c-e]", "uses '-' in a set at position 5: it is only plain first or last: write \\-"),
    ("[a-\\d]", "uses a range ending in a class at position 5: write the range out"),
    ("[z-a]", "uses the range 'z'-'a' at position 4: it runs backwards"),
    ("[!--a]", "uses '-' in a set at position 4: it is only plain first or last: write \\-"),
    ("[\\D]", "uses '\\D' in a set at position 1: PostgreSQL refuses a negated class inside a set"),
    ("[\\S]", "uses '\\S' in a set at position 1: PostgreSQL refuses a negated class inside a set"),
    ("[\\W]", "uses '\\W' in a set at position 1: PostgreSQL refuses a negated class inside a set"),
    ("[\\q]", f"uses '\\q' in a set at position 1: this escape is not in the supported subset {SUBSET}"),
    ("[\\1]", "uses '\\1' in a set at position 1: back references and octal escapes are not supported"),
    ("[\\b]", "uses '\\b' in a set at position 1: a word boundary in Python but a backspace in PostgreSQL"),
    ("[a\\", "uses a trailing '\\' at position 4: it escapes nothing"),
    ("[\x00]", "uses '\\x00' at position 2: PostgreSQL text cannot hold this character"),
    ("((a{100}){100}){100}", "uses '{100}': nested repetition counts multiply beyond 1000, which RE2 (the "
                             "linear-time engine of the rule check) refuses: lower the counts"),
    ("(?:.{250}){4}" * 76, "is too large for RE2 (the linear-time engine of the rule check): use smaller "
                           "repetition counts"),
])
def test_refusals_name_the_construct_and_where(source, message):
    if message is None:
        rule_pattern(source)
    else:
        assert refusal(source) == message


def test_groups_nest_at_most_max_depth():
    assert MAX_DEPTH == 50
    rule_pattern("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH)
    assert refusal("x" + "(" * (MAX_DEPTH + 1) + ")" * (MAX_DEPTH + 1)) == (
        "uses '(' at position 51: groups nest at most 50 deep")
    # A closed group gives back exactly its own level.
    assert refusal("((" + "(a)" + "(" * 49 + "b" + ")" * 49 + "))") == (
        "uses '(' at position 53: groups nest at most 50 deep")
    rule_pattern("((" + "(a)" + "(" * 48 + "b" + ")" * 48 + "))")
    # Depth counts nesting, not groups one after another.
    rule_pattern("(a)" * (MAX_DEPTH + 5))
    rule_pattern("(?:" * MAX_DEPTH + ")" * MAX_DEPTH)


def test_the_longest_pattern():
    assert MAX_PATTERN == 1000 and MAX_REPEAT == 255
    assert rule_pattern("a" * MAX_PATTERN).search("a" * MAX_PATTERN)


def test_rule_regexes_lists_each_literal_pattern_with_its_field():
    assert list(rule_regexes(Rule("code", {"_regex": "^A", "_neq": "x"}, "m"))) == [("code", "^A")]
    assert list(rule_regexes(Rule("code", {"_regex": {"_field": "other"}}, "m"))) == []
    rule = Rule(None, {"code": {"_regex": "^A"}, "title": "x", "name": {"_eq": "b"},
                       "_or": [{"name": {"_regex": "b+"}}, {"_and": [{"title": {"_regex": "c"}}]}],
                       "_and": {"code": {"_regex": "ignored: not a list"}}}, "m")
    assert list(rule_regexes(rule)) == [("code", "^A"), ("name", "b+"), ("title", "c")]
    # Malformed groups and operator keys name no field: nothing to check, and no crash.
    assert list(rule_regexes(Rule(None, {"_or": 5, "_and": None, "_not": {"_regex": "("}}, "m"))) == []
