"""Rule patterns in the subset that the engine (RE2) and PostgreSQL's ``~`` read alike.

A rule's ``_regex`` is checked twice: by the engine before SQL and by the rule's
CHECK (PostgreSQL's Advanced Regular Expressions). The dialects (Python's too, in which
users often write) differ in places (``\\b`` is a word boundary in one and a backspace in
the other, ``$`` matches before a trailing newline in Python only, ``.`` matches a newline
in PostgreSQL only, ``\\d``/``\\w`` follow Unicode in Python, ASCII in RE2 and the server's
locale in PostgreSQL, ...). So a pattern is
parsed here once, anything outside a small common subset is refused with the construct
named, and both forms are written out from the parse: the engine's form with ``$`` as
``\\z`` and ``.`` matching newlines, the PostgreSQL form as written except that the class
shorthands become explicit ASCII sets. Both are searched (unanchored), like ``~``.

The engine's form runs on RE2 (``google-re2``), not on Python's backtracking ``re``: a
pattern such as ``^(a+)+$`` must not let any writer stall a write with a long value, and
RE2, like PostgreSQL's engine, answers in time linear in the value. RE2 refuses nested
repetition counts that multiply beyond 1000; such a pattern is refused when defined.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import psycopg
import re2

from ..errors import InvalidInput

MAX_PATTERN = 1000
MAX_DEPTH = 50
#: PostgreSQL's largest repetition count (DUPMAX).
MAX_REPEAT = 255
#: The class shorthands as explicit ASCII sets (the same in both dialects).
_SHORTHAND = {"d": "0-9", "s": "\\t\\n\\v\\f\\r ", "w": "0-9A-Za-z_"}
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
#: RE2 with ``.`` matching a newline (as in PostgreSQL), no captures (only whether it
#: matches counts); errors are raised, not logged.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.dot_nl = True
_RE2_OPTIONS.never_capture = True
_RE2_OPTIONS.log_errors = False
_REFUSED_ESCAPES = {
    "b": "a word boundary in Python but a backspace in PostgreSQL",
    "B": "a non-boundary in Python but a backslash in PostgreSQL",
    "A": "a string anchor of Python and PostgreSQL: write ^ (here the start of the value in both)",
    "Z": "a string anchor of Python and PostgreSQL: write $ (here the very end of the value in both, "
         "never before a trailing newline)",
    "z": "a string anchor of recent Pythons only: write $ (here the very end of the value)",
    "m": "a word anchor of PostgreSQL only", "M": "a word anchor of PostgreSQL only",
    "y": "a word anchor of PostgreSQL only", "Y": "a word anchor of PostgreSQL only",
    "x": "a hex escape (its length differs between the dialects): write the character itself",
    "u": "a Unicode escape: write the character itself", "U": "a Unicode escape: write the character itself",
    "N": "a named character: write the character itself",
    "p": "a Unicode property class, which PostgreSQL does not have",
    "P": "a Unicode property class, which PostgreSQL does not have",
}


class UnsupportedPattern(ValueError):
    """The pattern uses a construct outside the common subset; the text names it and why."""


@dataclass(frozen=True)
class RulePattern:
    source: str
    engine: re2._Regexp  # the RE2 form, compiled over UTF-8 bytes
    postgres: str

    def search(self, text: str) -> bool:
        """Whether the pattern occurs in ``text``; raises UnicodeEncodeError for a lone surrogate
        (text PostgreSQL cannot hold either). RE2 reads UTF-8 as characters; giving it the
        bytes skips the wrapper's mapping of byte offsets back to ``str`` (2-3x faster)."""
        return self.engine.search(text.encode()) is not None


def rule_pattern(source: str) -> RulePattern:
    """Both forms of ``source``; raise UnsupportedPattern naming the construct."""
    if not isinstance(source, str):
        raise UnsupportedPattern("must be a text")
    return _rule_pattern(source)


@functools.lru_cache(maxsize=1024)
def _rule_pattern(source: str) -> RulePattern:
    if len(source) > MAX_PATTERN:
        raise UnsupportedPattern(f"is longer than {MAX_PATTERN} characters")
    engine_form, postgres = _Parser(source).parse()
    return RulePattern(source, _compile_re2(engine_form), postgres)


def _compile_re2(form: str):
    try:
        return re2.compile(form.encode(), _RE2_OPTIONS)
    except re2.error as exc:
        text = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        repeat = re.match(r"invalid repetition size: (.*)", text)
        if repeat:
            raise UnsupportedPattern(
                f"uses '{repeat.group(1)}': nested repetition counts multiply beyond 1000, which RE2 "
                "(the linear-time engine of the rule check) refuses: lower the counts") from None
        if "too large" in text:
            raise UnsupportedPattern("is too large for RE2 (the linear-time engine of the rule check): "
                                     "use smaller repetition counts") from None
        raise UnsupportedPattern(f"is refused by RE2 (the linear-time engine of the rule check): {text}") from None


class _Parser:
    """Recursive descent over the subset, writing the RE2 and PostgreSQL forms at once."""

    def __init__(self, source: str):
        self.s, self.i, self.depth = source, 0, 0

    def parse(self) -> tuple[str, str]:
        en, pg = self._alternation()
        if self.i < len(self.s):  # only an unmatched ')' stops an alternation early
            self._refuse("')'", "closes a group that was not opened (write \\) for the character)")
        return en, pg

    def _refuse(self, construct: str, why: str, at: int | None = None):
        raise UnsupportedPattern(f"uses {construct} at position {self.i if at is None else at}: {why}")

    def _peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.s[j] if j < len(self.s) else ""

    def _alternation(self) -> tuple[str, str]:
        branches = [self._sequence()]
        while self._peek() == "|":
            self.i += 1
            branches.append(self._sequence())
        return "|".join(b[0] for b in branches), "|".join(b[1] for b in branches)

    def _sequence(self) -> tuple[str, str]:
        en, pg = [], []
        while self._peek() not in ("", "|", ")"):
            start = self.i
            atom_en, atom_pg, repeatable = self._atom()
            q_en, q_pg = self._quantifier(start, repeatable)
            en.append(atom_en + q_en)
            pg.append(atom_pg + q_pg)
        return "".join(en), "".join(pg)

    def _atom(self) -> tuple[str, str, bool]:
        c = self._peek()
        if c in "*+?":
            self._refuse(f"'{c}'", "repeats nothing (write \\" + c + " for the character)")
        if c == "{":
            self._refuse("'{'", "is a repetition count with nothing to repeat (write \\{ for the character)")
        if c in "]}":
            self._refuse(f"'{c}'", f"is ambiguous outside a set (write \\{c} for the character)")
        self.i += 1
        if c == "^":
            return "^", "^", False
        if c == "$":
            return "\\z", "$", False
        if c == ".":
            return ".", ".", True
        if c == "(":
            return self._group()
        if c == "[":
            return self._set()
        if c == "\\":
            return self._escape()
        self._check_char(c)
        return _set_escape(c), c, True

    def _check_char(self, c: str):
        if c == "\x00" or "\ud800" <= c <= "\udfff":
            self._refuse(repr(c), "PostgreSQL text cannot hold this character")

    def _group(self) -> tuple[str, str, bool]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self._refuse("'('", f"groups nest at most {MAX_DEPTH} deep", self.i - 1)
        opening = "("
        if self._peek() == "?":
            if self._peek(1) != ":":
                self._refuse_group_extension()
            self.i += 2
            opening = "(?:"
        en, pg = self._alternation()
        if self._peek() != ")":
            self._refuse("'('", "the group is not closed")
        self.i += 1
        self.depth -= 1
        return f"{opening}{en})", f"{opening}{pg})", True

    def _refuse_group_extension(self):
        rest = self.s[self.i:self.i + 4]
        if rest.startswith(("?=", "?!", "?<=", "?<!")):
            self._refuse(f"'({rest[:3] if rest[1] == '<' else rest[:2]}...)'",
                         "lookaround is not supported (Python allows only fixed-width lookbehind)")
        if rest.startswith(("?P", "?<")):
            self._refuse("a named group", "(?P<name>...) and (?<name>...) are Python forms that PostgreSQL refuses; "
                                          "use (...) or (?:...)")
        if rest.startswith("?>"):
            self._refuse("an atomic group '(?>...)'", "PostgreSQL has no atomic groups")
        if rest.startswith("?#"):
            self._refuse("a comment '(?#...)'", "comments are not supported")
        self._refuse(f"'({rest[:2]}'", "inline flags such as (?i) or (?x) are not supported: write the cases out "
                                       "([Aa]) and leave out the spaces")

    def _quantifier(self, start: int, repeatable: bool) -> tuple[str, str]:
        c = self._peek()
        if c not in ("*", "+", "?", "{"):
            return "", ""
        if not repeatable:
            self._refuse(f"'{c}'", f"repeats the anchor {self.s[start:self.i]!r}, which PostgreSQL refuses")
        if c == "{":
            text = self._bound()
        else:
            self.i += 1
            text = c
        if self._peek() == "?":  # lazy: which match is found changes, whether one exists does not
            self.i += 1
            text += "?"
        if self._peek() in ("*", "+", "?", "{"):
            self._refuse(f"'{self.s[start:self.i + 1]}'", "a repetition of a repetition (possessive forms such as "
                                                        "a*+ included) is not supported: group it, as (a*)+")
        return text, text

    def _bound(self) -> str:
        match = re.compile(r"\{([0-9]{1,3})(,([0-9]{0,3}))?\}").match(self.s, self.i)
        if match is None:
            self._refuse("'{'", "only {n}, {n,} and {n,m} repeat (write \\{ for the character; "
                                "{,m} means different things in the two dialects)")
        low, high = int(match.group(1)), match.group(3)
        if low > MAX_REPEAT or (high and int(high) > MAX_REPEAT):
            self._refuse(f"'{match.group(0)}'", f"PostgreSQL repeats at most {MAX_REPEAT} times")
        if high and int(high) < low:
            self._refuse(f"'{match.group(0)}'", "the upper count is below the lower one")
        self.i = match.end()
        return match.group(0)

    def _escape(self) -> tuple[str, str, bool]:
        c = self._peek()
        if c == "":
            self._refuse("a trailing '\\'", "it escapes nothing", self.i - 1)
        self.i += 1
        if c.lower() in _SHORTHAND:
            chars = _SHORTHAND[c.lower()]
            text = f"[{chars}]" if c.islower() else f"[^{chars}]"
            return text, text, True
        if c in _CONTROL:
            return f"\\{c}", f"\\{c}", True
        if c.isascii() and not c.isalnum():
            return _set_escape(c), f"\\{c}", True
        self._refuse(f"'\\{c}'", _escape_reason(c), self.i - 2)

    def _set(self) -> tuple[str, str, bool]:
        negated = self._peek() == "^"
        if negated:
            self.i += 1
        en, pg = ["[^" if negated else "["], ["[^" if negated else "["]
        first = True
        while True:
            c = self._peek()
            if c == "":
                self._refuse("'['", "the set is not closed")
            if c == "]":
                if first:
                    self._refuse("'[]'", "a ']' first in a set is read differently: write \\]")
                self.i += 1
                break
            item_en, item_pg = self._set_item(first)
            en.append(item_en)
            pg.append(item_pg)
            first = False
        return "".join(en) + "]", "".join(pg) + "]", True

    def _set_item(self, first: bool) -> tuple[str, str]:
        low, low_en, low_pg = self._set_char(first)
        if low is None or self._peek() != "-" or self._peek(1) == "]":
            return low_en, low_pg
        self.i += 1
        high, high_en, high_pg = self._set_char(False)
        if high is None:
            self._refuse("a range ending in a class", "write the range out")
        if high < low:
            self._refuse(f"the range {low!r}-{high!r}", "it runs backwards")
        return f"{low_en}-{high_en}", f"{low_pg}-{high_pg}"

    def _set_char(self, first: bool) -> tuple[str | None, str, str]:
        """(the character or None for a class shorthand, its RE2 form, its PostgreSQL form)."""
        c = self._peek()
        self.i += 1
        if c == "[":
            self._refuse("'[' in a set", "PostgreSQL reads [: [= [. as classes and collating elements: write \\[")
        if c == "-" and not first and self._peek() != "]":
            self._refuse("'-' in a set", "it is only plain first or last: write \\-")
        if c != "\\":
            self._check_char(c)
            return c, _set_escape(c), c
        e = self._peek()
        self.i += 1
        if e == "":
            self._refuse("a trailing '\\'", "it escapes nothing")
        if e in _SHORTHAND:
            return None, _SHORTHAND[e], _SHORTHAND[e]
        if e.lower() in _SHORTHAND:
            self._refuse(f"'\\{e}' in a set", "PostgreSQL refuses a negated class inside a set",
                         self.i - 2)
        if e in _CONTROL:
            return _CONTROL[e], f"\\{e}", f"\\{e}"
        if e.isascii() and not e.isalnum():
            return e, f"\\{e}", f"\\{e}"
        self._refuse(f"'\\{e}' in a set", _escape_reason(e), self.i - 2)


def _set_escape(c: str) -> str:
    """A character for RE2, in or outside a set: ASCII punctuation escaped, the rest as is."""
    return f"\\{c}" if c.isascii() and not c.isalnum() and c not in " _" else c


def _escape_reason(c: str) -> str:
    if c.isdigit():
        return "back references and octal escapes are not supported"
    if c in _REFUSED_ESCAPES:
        return _REFUSED_ESCAPES[c]
    return ("this escape is not in the supported subset "
            "(\\d \\s \\w \\D \\S \\W \\n \\t \\r \\f \\v and \\ before punctuation)")


def rule_regexes(rule):
    """(field, pattern) of every literal ``_regex`` in a rule (a ``{"_field": ...}`` operand
    is a pattern read from the entry, checked when the entry is written)."""
    condition = {rule.field: rule.condition} if rule.field else rule.condition
    yield from _regexes(condition)


def _regexes(node):
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("_and", "_or"):
            for item in value if isinstance(value, list) else []:
                yield from _regexes(item)
        elif not key.startswith("_") and isinstance(value, dict):
            pattern = value.get("_regex")
            if isinstance(pattern, str):
                yield key, pattern


def check_patterns(conn: psycopg.Connection, rules: list, where: str) -> None:
    """Refuse a rule whose pattern is outside the common subset, or that PostgreSQL cannot
    compile (too complex, say): both dialects read every stored pattern alike."""
    for index, rule in enumerate(rules):
        for field, pattern in rule_regexes(rule):
            label = f"{where}: rule {index} ('{rule.message[:80]}'), pattern on field '{field}'"
            try:
                forms = rule_pattern(pattern)
            except UnsupportedPattern as exc:
                raise InvalidInput(f"{label} {exc}", field=rule.field or "validation_rules") from None
            try:
                with conn.transaction():
                    conn.execute("SELECT '' ~ %s", (forms.postgres,))
            except psycopg.errors.InvalidRegularExpression as exc:
                raise InvalidInput(f"{label}: PostgreSQL refuses it ({exc.diag.message_primary})",
                                   field=rule.field or "validation_rules") from None
