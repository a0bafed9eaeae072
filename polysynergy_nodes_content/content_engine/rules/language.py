"""Custom validation rules: the design's third kind of validation, in the filter language.

A field's ``custom_validation_rules`` and a section's ``validation_rules`` are lists of
``{"rule": condition, "message": text}``. On a field the condition is an operator object
for that field (``{"_regex": "^[A-Z]{2}[0-9]+$"}``, ``{"_gte": {"_field": "start_date"}}``);
on a section it is a filter over the entry (``{"_or": [{"discount": {"_null": true}},
{"price": {"_gt": {"_field": "discount"}}}]}``). ``{"_field": handle}`` compares with
another field of the same entry. Like a CHECK, a rule fails only when its condition is
false: a comparison with a missing (null) value passes. A ``_regex`` is read through
``rules/patterns`` and run on RE2 (linear time), so the engine and the rule's CHECK give the
same verdict and no value can make the check backtrack for long.

Rules are checked on the whole entry as it will be stored (given values, defaults, and
for an update the current values), before any SQL, on every write path.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from ..json_values import UNENCODABLE_MESSAGE
from .patterns import UnsupportedPattern, rule_pattern

MAX_RULES = 50
MAX_MESSAGE = 500
OPERATORS = frozenset({"_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_null", "_nnull", "_between",
                       "_contains", "_starts_with", "_ends_with", "_regex"})


@dataclass(frozen=True)
class Rule:
    field: str | None  # None: a section rule
    condition: dict
    message: str


def parse_rules(value, where: str, field: str | None = None) -> list[Rule]:
    """Stored or given rules as Rule objects; the shape is checked (not the field names)."""
    if value in (None, "", []):
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or len(value) > MAX_RULES:
        raise InvalidInput(f"{where}: validation rules are a list (at most {MAX_RULES}) of "
                           "{\"rule\": ..., \"message\": ...}", field=field or "validation_rules")
    rules = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - {"rule", "message"} or "rule" not in item:
            raise InvalidInput(f"{where}: rule {i} must be {{\"rule\": condition, \"message\": text}}",
                               field=field or "validation_rules")
        condition, message = item["rule"], item.get("message") or ""
        if not isinstance(condition, dict) or not condition:
            raise InvalidInput(f"{where}: rule {i}: the rule is a filter object", field=field or "validation_rules")
        if not isinstance(message, str) or len(message) > MAX_MESSAGE:
            raise InvalidInput(f"{where}: rule {i}: the message is a text of at most {MAX_MESSAGE} characters",
                               field=field or "validation_rules")
        rules.append(Rule(field, condition, message or "breaks a validation rule"))
    return rules


def to_config(rules: list[Rule]) -> list[dict] | None:
    return [{"rule": r.condition, "message": r.message} for r in rules] or None


def check_rules_against(model, rules: list[Rule]) -> None:
    """Every field a rule names exists (checked when the model loads, so an error is early)."""
    for rule in rules:
        condition = {rule.field: rule.condition} if rule.field else rule.condition
        _names_in(model, condition)


def _names_in(model, node) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("_and", "_or"):
                for item in value if isinstance(value, list) else []:
                    _names_in(model, item)
            elif key == "_field":
                if value not in model.fields:
                    raise model.unknown_field(str(value))
            elif not key.startswith("_") and key not in model.fields and key not in ("id", "created_at", "updated_at"):
                raise model.unknown_field(key)
            else:
                _names_in(model, value)
    elif isinstance(node, list):
        for item in node:
            _names_in(model, item)


def broken_rules(model, row: dict) -> list[tuple[str, str]]:
    """(field or "entry", message) for every rule ``row`` (handle -> parameter) breaks."""
    out = []
    for rule in model.rules:
        condition = {rule.field: rule.condition} if rule.field else rule.condition
        if _group(model, condition, row) is False:
            out.append((rule.field or "entry", rule.message))
    return out


def _group(model, node: dict, row: dict):
    """Three-valued: True, False or None (unknown, as SQL's NULL)."""
    results = []
    for key, value in node.items():
        if key == "_and":
            results.append(_all(model, value, row))
        elif key == "_or":
            parts = [_group(model, item, row) for item in value]
            results.append(True if True in parts else (None if None in parts else False))
        else:
            conditions = value if isinstance(value, dict) else {"_eq": value}
            for op, operand in conditions.items():
                results.append(_condition(model, key, op, operand, row))
    return False if False in results else (None if None in results else True)


def _all(model, items, row):
    parts = [_group(model, item, row) for item in items]
    return False if False in parts else (None if None in parts else True)


def _operand(model, handle: str, operand, row):
    """An operand as the field's parameter type: another field's value, or a literal."""
    if _is_field_ref(operand):
        return row.get(operand["_field"])
    field = model.fields.get(handle)
    if field is None or operand is None:
        return operand
    try:
        param = field.to_param(operand)
    except ValueError:
        param = _item_param(field, operand)
    return getattr(param, "obj", param)  # a Jsonb parameter: compared by its value, as the row's is


def _item_param(field, operand):
    """One item of a list-valued field (an id of a multiple relation, say) as the field
    stores its items, so ``_contains`` finds it; else the operand as written."""
    try:
        items = field.to_param([operand])
    except ValueError:
        return operand
    return items[0] if isinstance(items, list) and len(items) == 1 else operand


def _condition(model, handle: str, op: str, operand, row):
    if op not in OPERATORS:
        raise InvalidInput(f"validation rule on '{handle}': operator '{op}' is not supported "
                           f"(use {', '.join(sorted(OPERATORS))})", field=handle)
    value = row.get(handle)
    value = getattr(value, "obj", value)  # Jsonb parameters
    if op == "_null":
        return (value is None) == bool(operand)
    if op == "_nnull":
        return (value is not None) == bool(operand)
    if value is None:
        return None
    if op in ("_in", "_nin"):
        items = [_operand(model, handle, o, row) for o in (operand if isinstance(operand, list) else [operand])]
        return (value in items) == (op == "_in")
    if op == "_between":
        low, high = (_operand(model, handle, o, row) for o in operand)
        if low is None or high is None:
            return None
        return _compare(low, value, "_lte") and _compare(value, high, "_lte")
    if op in _TEXT_OPERATORS and not isinstance(value, (list, tuple)):
        # The operand is a piece of text or a pattern, never a value of the field: it is
        # taken as written (as the CHECK takes it), not converted like a value.
        other = row.get(operand["_field"]) if _is_field_ref(operand) else operand
        return None if other is None else _text_condition(handle, op, str(value), str(other))
    other = _operand(model, handle, operand, row)
    if other is None:
        return None
    if op in _TEXT_OPERATORS:
        return other in value if op == "_contains" else None
    return _compare(value, other, op)


_TEXT_OPERATORS = frozenset({"_contains", "_starts_with", "_ends_with", "_regex"})


def _is_field_ref(operand) -> bool:
    return isinstance(operand, dict) and set(operand) == {"_field"}


def _text_condition(handle: str, op: str, text: str, other: str) -> bool:
    if op == "_contains":
        return other in text
    if op == "_starts_with":
        return text.startswith(other)
    if op == "_ends_with":
        return text.endswith(other)
    try:
        return rule_pattern(other).search(text)
    except UnsupportedPattern as exc:
        raise InvalidInput(f"validation rule on '{handle}': the pattern {other[:80]!r} {exc}", field=handle) from None
    except UnicodeEncodeError:  # RE2 reads UTF-8; PostgreSQL could not store the text either
        raise InvalidInput(f"field '{handle}' {UNENCODABLE_MESSAGE}", field=handle) from None


def _compare(a, b, op: str):
    try:
        if op == "_eq":
            return a == b
        if op == "_neq":
            return a != b
        if op == "_lt":
            return a < b
        if op == "_lte":
            return a <= b
        if op == "_gt":
            return a > b
        if op == "_gte":
            return a >= b
    except TypeError:
        return None
    return None


def enforce(model, row: dict, prefix: str = "") -> None:
    """Raise one InvalidInput naming every rule ``row`` breaks."""
    problems = broken_rules(model, row)
    if problems:
        text = "; ".join(f"field '{f}': {m}" for f, m in problems)
        raise InvalidInput(prefix + text, field=problems[0][0],
                           errors=[{"field": f, "message": m} for f, m in problems])
