"""CHECK constraints of a table made elsewhere, read back as field settings where their
meaning is plain: bounds (``min``/``max``), lengths (``minLength``/``maxLength``) and
lists of allowed values (``options``). Anything else stays a table constraint:
PostgreSQL keeps enforcing it, the section just does not show it as a rule."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .catalog import CatalogConstraint

_NUMBER = r"'?(-?\d+(?:\.\d+)?)'?(?:::[a-z ]+)?"
_BOUND = re.compile(rf"^\(?([a-z][a-z0-9_]*) (>=|>|<=|<) \(?{_NUMBER}\)?\)?$")
_LENGTH = re.compile(rf"^\(?(?:char_length|length|character_length)\(\(?([a-z][a-z0-9_]*)\)?\) (>=|>|<=|<) {_NUMBER}\)?$")
_OPTIONS = re.compile(r"^\(?\(?([a-z][a-z0-9_]*)\)?(?:::text)? = ANY \(\(?ARRAY\[(.*)\]\)?(?:::text\[\])?\)\)?$")
_OPTION = re.compile(r"'((?:[^']|'')*)'::(?:text|character varying)")


def _atoms(definition: str) -> list[str]:
    """``CHECK ((a >= 0) AND (a <= 9))`` -> ["(a >= 0)", "(a <= 9)"] (top-level ANDs only)."""
    body = definition.strip()
    if not body.upper().startswith("CHECK "):
        return []
    body = body[6:].strip()
    if body.endswith(" NOT VALID"):
        body = body[: -len(" NOT VALID")]
    while body.startswith("(") and _closing(body, 0) == len(body) - 1:
        body = body[1:-1].strip()
    parts, depth, start, i = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "'":
            i = body.index("'", i + 1) if "'" in body[i + 1:] else len(body)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and body.startswith(" AND ", i):
            parts.append(body[start:i].strip())
            start = i + 5
        i += 1
    parts.append(body[start:].strip())
    return parts


def _closing(text: str, at: int) -> int:
    depth = 0
    for i in range(at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _number(text: str):
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else value


def _bound(op: str, value, whole: bool) -> tuple[str, object] | None:
    """(setting, value) for a bound; a strict bound is readable only on whole numbers."""
    if op in (">=", "<="):
        return ("min" if op == ">=" else "max"), value
    if whole and isinstance(value, int):
        return ("min", value + 1) if op == ">" else ("max", value - 1)
    return None


def _atom_settings(atom: str, whole: bool) -> tuple[str, dict] | None:
    if m := _LENGTH.match(atom):
        value = _number(m.group(3))
        if isinstance(value, int):
            bound = _bound(m.group(2), value, True)
            return m.group(1), {("minLength" if bound[0] == "min" else "maxLength"): bound[1]}
        return None
    if m := _BOUND.match(atom):
        value = _number(m.group(3))
        bound = _bound(m.group(2), value, whole) if value is not None else None
        return (m.group(1), {bound[0]: bound[1] if isinstance(bound[1], int) else str(bound[1])}) if bound else None
    if m := _OPTIONS.match(atom):
        options = [o.replace("''", "'") for o in _OPTION.findall(m.group(2))]
        return (m.group(1), {"options": options}) if options else None
    return None


def read_check(check: CatalogConstraint, whole_columns: set) -> dict:
    """The report of one CHECK: its definition and, when every part of it reads as a
    setting of its one column, ``rule`` {"column", "settings"}."""
    out = {"name": check.name, "definition": check.definition, "columns": list(check.columns)}
    atoms = _atoms(check.definition)
    settings, column = {}, None
    for atom in atoms:
        read = _atom_settings(atom, whole=bool(check.columns) and check.columns[0] in whole_columns)
        if read is None or (column is not None and read[0] != column):
            settings = {}
            break
        column = read[0]
        settings.update(read[1])
    if settings and list(check.columns) == [column]:
        out["rule"] = {"column": column, "settings": settings}
    else:
        out["kept_by_table"] = "not readable as a field setting: PostgreSQL keeps enforcing it"
    return out
