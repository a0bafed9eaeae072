"""The text type's ``pattern`` setting, checked in linear time where that keeps its meaning.

The setting is a Python regular expression the whole value must match (``re.fullmatch``),
and stored settings rely on exactly that reading. Python's ``re`` backtracks, so a pattern
such as ``^(a+)+$`` lets a long value stall a write. Here a pattern is read with Python's
own parser and, where every construct has the same meaning in RE2, written out for RE2
(linear time): literals as code points, ``.`` as ``[^\\n]`` (or any character under
``(?s)``), ``\\d`` ``\\w`` ``\\s`` as the exact sets Python's ``re`` uses (Unicode unless
``(?a)``), ``$`` at the end as ``\\z``. A pattern with a construct RE2 lacks or reads
otherwise (back references, lookaround, ``\\b``, ``(?i)``, possessive or atomic forms, a
``$`` before more pattern, counts over 1000) keeps Python's reading, with the same
verdicts as before, on a matcher with a hard time limit (``_bounded_patterns``): it never
holds a write longer than that. ``linear`` tells which engine a pattern gets.

The same holds for ``re.search`` (JSON Schema's ``pattern``): ``search_pattern``. There a
``$`` at the end becomes "an optional newline, then the very end".
"""

from __future__ import annotations

import array
import functools
import re
import sys
from dataclasses import dataclass

import re2

from ._bounded_patterns import matches as bounded_matches

#: RE2 repeats at most this many times.
_RE2_MAX_REPEAT = 1000
_CATEGORY_ESCAPE = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
                    "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}
_END_ANCHORS = ("AT_END", "AT_END_STRING")
#: A ``$`` with only end anchors after it: the very end in a full match; in a search an
#: optional final newline, then the end (the newline taken, nothing else must match).
_WHOLE_END = "\\z"
_SEARCH_END = "(?:\\n?\\z)"
_OPTIONS = re2.Options()
_OPTIONS.never_capture = True
_OPTIONS.log_errors = False


class _NotLinear(Exception):
    """The pattern has a construct RE2 cannot run with Python's meaning."""


@dataclass(frozen=True)
class LinearPattern:
    source: str
    linear: re2._Regexp | None  # None: only Python's reading is right, run with a time limit
    whole: bool  # re.fullmatch (True) or re.search

    def matches(self, text: str) -> bool:
        """Python's verdict; raises PatternTimeout when the bounded fallback runs out of time."""
        if self.linear is not None:
            try:
                encoded = text.encode()
            except UnicodeEncodeError:  # a lone surrogate: not UTF-8, so RE2 cannot read it
                pass
            else:
                found = self.linear.fullmatch(encoded) if self.whole else self.linear.search(encoded)
                return found is not None
        return bounded_matches(self.source, text, self.whole)

    def fullmatch(self, text: str) -> bool:
        return self.matches(text)

    def search(self, text: str) -> bool:
        return self.matches(text)


@functools.lru_cache(maxsize=1024)
def full_pattern(source: str) -> LinearPattern:
    """``source`` compiled for ``re.fullmatch`` (raises ``re.error`` as ``re.compile`` does)
    and, where its meaning allows, for RE2."""
    return _compile(source, whole=True)


@functools.lru_cache(maxsize=1024)
def search_pattern(source: str) -> LinearPattern:
    """``source`` compiled for ``re.search``, on RE2 where its meaning allows."""
    return _compile(source, whole=False)


def _compile(source: str, whole: bool) -> LinearPattern:
    re.compile(source)
    try:
        linear = re2.compile(re2_form(source, whole).encode(), _OPTIONS)
    except (_NotLinear, re2.error):
        linear = None
    except Exception:  # noqa: BLE001 - Python's parse tree is internal: an unknown shape keeps the old engine
        linear = None
    return LinearPattern(source, linear, whole)


def re2_form(source: str, whole: bool = True) -> str:
    """The RE2 pattern that matches exactly what ``re.fullmatch(source, ...)`` (``whole``) or
    ``re.search`` does; raises _NotLinear when there is none this module can write."""
    parsed = re._parser.parse(source)
    return _sequence(list(parsed), parsed.state.flags, terminal=_WHOLE_END if whole else _SEARCH_END)


def _sequence(items: list, flags: int, terminal: str | None) -> str:
    """``terminal``: what a ``$`` becomes where nothing but end anchors follows it (None: the
    sequence has more pattern after it)."""
    out = []
    for i, (op, arg) in enumerate(items):
        rest = [a.name for o, a in items[i + 1:] if o.name == "AT"]
        rest_is_end = len(rest) == len(items) - i - 1 and all(name in _END_ANCHORS for name in rest)
        if terminal == _SEARCH_END and "AT_END_STRING" in rest:  # `$\Z`: the newline may not be taken
            rest_is_end = False
        out.append(_item(op.name, arg, flags, terminal if rest_is_end else None))
    return "".join(out)


def _item(op: str, arg, flags: int, terminal: str | None) -> str:
    if flags & re.IGNORECASE:
        raise _NotLinear("case folding differs")
    if op == "LITERAL":
        return _char(arg)
    if op == "NOT_LITERAL":
        return f"[^{_char(arg)}]"
    if op == "ANY":
        return "(?s:.)" if flags & re.DOTALL else "[^\\n]"
    if op == "IN":
        return _set(arg, flags)
    if op == "CATEGORY":
        return "[" + _category(arg.name, flags) + "]"
    if op == "BRANCH":
        return "(?:" + "|".join(_sequence(list(alt), flags, terminal) for alt in arg[1]) + ")"
    if op == "SUBPATTERN":
        _group, add, remove, body = arg
        return "(?:" + _sequence(list(body), (flags | add) & ~remove, terminal) + ")"
    if op in ("MAX_REPEAT", "MIN_REPEAT"):
        return _repeat(op, arg, flags)
    if op == "AT":
        return _anchor(arg.name, flags, terminal)
    raise _NotLinear(op)  # back references, lookaround, atomic groups, possessive repeats, ...


def _repeat(op: str, arg, flags: int) -> str:
    low, high, body = arg
    unbounded = high == re._constants.MAXREPEAT
    if low > _RE2_MAX_REPEAT or (not unbounded and high > _RE2_MAX_REPEAT):
        raise _NotLinear("count")
    count = f"{{{low},}}" if unbounded else f"{{{low},{high}}}"
    return "(?:" + _sequence(list(body), flags, terminal=None) + ")" + count + ("?" if op == "MIN_REPEAT" else "")


def _anchor(at: str, flags: int, terminal: str | None) -> str:
    if at == "AT_BEGINNING":
        return "(?m:^)" if flags & re.MULTILINE else "\\A"
    if at == "AT_BEGINNING_STRING":
        return "\\A"
    if at == "AT_END_STRING":
        return "\\z"
    if at == "AT_END":
        if flags & re.MULTILINE:
            return "(?m:$)"
        if terminal:  # Python's $ also matches before a final newline; at the end of a full match it cannot
            return terminal
    raise _NotLinear(at)  # \b, \B, or a $ with more pattern after it


def _set(items, flags: int) -> str:
    negated, parts = False, []
    for op, arg in items:
        op = op.name
        if op == "NEGATE":
            negated = True
        elif op == "LITERAL":
            parts.append(_char(arg))
        elif op == "RANGE":
            parts.append(f"{_char(arg[0])}-{_char(arg[1])}")
        elif op == "CATEGORY":
            parts.append(_category(arg.name, flags))
        else:
            raise _NotLinear(op)
    return "[" + ("^" if negated else "") + "".join(parts) + "]"


def _char(code: int) -> str:
    if 0xD800 <= code <= 0xDFFF:
        raise _NotLinear("surrogate")
    c = chr(code)
    return c if c.isascii() and c.isalnum() else f"\\x{{{code:x}}}"


def _category(name: str, flags: int) -> str:
    if name not in _CATEGORY_ESCAPE:
        raise _NotLinear(name)
    return "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in _ranges(_CATEGORY_ESCAPE[name], bool(flags & re.ASCII)))


@functools.lru_cache(maxsize=None)
def _ranges(escape: str, ascii_only: bool) -> tuple:
    """The code point ranges Python's ``re`` gives a class escape (surrogates left out: no
    UTF-8 value holds one)."""
    # Every code point but the surrogates, built through UTF-32 (3x faster than chr one by one).
    uint32 = "I" if array.array("I").itemsize == 4 else "L"
    code_points = array.array(uint32, range(0xD800)) + array.array(uint32, range(0xE000, 0x110000))
    every = code_points.tobytes().decode(f"utf-32-{sys.byteorder[0]}e")
    found = re.finditer(f"{escape}+", every, re.ASCII if ascii_only else 0)
    spans = [(m.start(), m.end() - 1) for m in found]
    gap = 0xE000 - 0xD800
    out = []
    for lo, hi in spans:
        lo, hi = lo + (gap if lo >= 0xD800 else 0), hi + (gap if hi >= 0xD800 else 0)
        if lo < 0xD800 <= hi:  # a run across the gap: split it around the surrogates
            out += [(lo, 0xD7FF), (0xE000, hi)]
        else:
            out.append((lo, hi))
    return tuple(out)
