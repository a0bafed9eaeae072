"""Custom validation rules as named CHECK constraints, where PostgreSQL can express them.

A rule becomes ``CHECK (expression)`` when every part of it can: comparisons with a
literal or another column, ``_in``/``_nin``, ``_null``/``_nnull``, ``_between``, text
``_contains``/``_starts_with``/``_ends_with`` and ``_regex`` (``~``, in the form
``rules/patterns`` writes for PostgreSQL), combined with
``_and``/``_or``. A CHECK, like the engine, lets a rule pass when its condition is NULL.
The constraint is named ``cr_<section>_<hash>`` after the rule and the ids of the fields it
names (so a renamed field keeps its constraint); ``rule_of_constraint`` reads a name back.
Rules that cannot be expressed (a pattern on a list, an operand that does not convert)
stay enforced by the engine only, and the review says so.
"""

from __future__ import annotations

import hashlib
import json

from psycopg import sql

from .language import Rule, parse_rules
from .patterns import UnsupportedPattern, rule_pattern

PREFIX = "cr_"
_COMPARE = {"_eq": "=", "_neq": "<>", "_lt": "<", "_lte": "<=", "_gt": ">", "_gte": ">="}


class NotExpressible(Exception):
    """This rule has no CHECK form; the engine alone enforces it."""


def rule_name(section_id, rule: Rule, field_ids: dict) -> str:
    """``cr_<section>_<hash>`` over the rule (with field ids in place of handles)."""
    condition = {rule.field: rule.condition} if rule.field else rule.condition
    text = json.dumps(_with_ids(condition, field_ids), sort_keys=True) + "\x00" + rule.message
    return f"{PREFIX}{str(section_id).replace('-', '')[:12]}_{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def is_rule_check(name: str) -> bool:
    return name.startswith(PREFIX)


def _with_ids(node, field_ids: dict):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "_field":
                out[key] = field_ids.get(value, value)
            elif key.startswith("_"):
                out[key] = _with_ids(value, field_ids)
            else:
                out[field_ids.get(key, key)] = _with_ids(value, field_ids)
        return out
    if isinstance(node, list):
        return [_with_ids(v, field_ids) for v in node]
    return node


def config_rules(config: dict) -> list[Rule]:
    """The rules of a configuration snapshot: the section's, then each field's."""
    section = config["section"]
    rules = parse_rules(section.get("validation_rules"), f"section '{section['handle']}'")
    for f in config["fields"]:
        rules += parse_rules(f.get("custom_validation_rules"), f"field '{f['handle']}'", f["handle"])
    return rules


def applied_rule_checks(applied: dict) -> dict:
    """{constraint name: (field or "entry", message)} of the rules an applied configuration
    made into CHECKs: a database refusal is told with the message of the rule that refused,
    even when the configured rules have changed since."""
    field_ids = {f["handle"]: f["id"] for f in applied["fields"]}
    return {rule_name(applied["section"]["id"], rule, field_ids): (rule.field or "entry", rule.message)
            for rule in config_rules(applied)}


def desired_rule_checks(config: dict, fields: list) -> tuple[dict, list]:
    """({constraint name: (rule, expression)}, [rules with no CHECK form]) of a configuration
    snapshot (``fields``: the planner's DesiredFields of it)."""
    section = config["section"]
    by_handle = {f.handle: f for f in fields if f.stores_column}
    field_ids = {f.handle: f.id for f in fields}
    rules = config_rules(config)
    out, engine_only = {}, []
    for rule in rules:
        condition = {rule.field: rule.condition} if rule.field else rule.condition
        try:
            expression = _group(condition, by_handle)
        except NotExpressible:
            engine_only.append(rule)
            continue
        out[rule_name(section["id"], rule, field_ids)] = (rule, expression)
    return out, engine_only


def _group(node: dict, fields: dict) -> sql.Composable:
    parts = []
    for key, value in node.items():
        if key in ("_and", "_or"):
            if not isinstance(value, list) or not value:
                raise NotExpressible()
            joiner = " AND " if key == "_and" else " OR "
            parts.append(sql.SQL("(") + sql.SQL(joiner).join(_group(v, fields) for v in value) + sql.SQL(")"))
            continue
        field = fields.get(key)
        if field is None:
            raise NotExpressible()
        conditions = value if isinstance(value, dict) else {"_eq": value}
        for op, operand in conditions.items():
            parts.append(_condition(field, op, operand, fields))
    if not parts:
        raise NotExpressible()
    return sql.SQL("(") + sql.SQL(" AND ").join(parts) + sql.SQL(")")


def _literal(field, value) -> sql.Composable:
    if isinstance(value, dict) and set(value) == {"_field"}:
        other = value["_field"]
        raise NotExpressible() if other is None else _ColumnRef(other)
    try:
        param = field.ft.serialize(value, field.settings) if value is not None else None
        ok, _ = field.ft.validate(value, field.settings)
    except (TypeError, ValueError):
        raise NotExpressible() from None
    if not ok or param is None or isinstance(param, (list, dict)) or hasattr(param, "obj"):
        raise NotExpressible()
    return sql.SQL("{}::{}").format(sql.Literal(param), sql.SQL(field.column_type))


class _ColumnRef(Exception):
    def __init__(self, handle: str):
        self.handle = handle


def _operand(field, value, fields) -> sql.Composable:
    try:
        return _literal(field, value)
    except _ColumnRef as ref:
        if ref.handle not in fields:
            raise NotExpressible() from None
        return sql.Identifier(ref.handle)


def _condition(field, op: str, operand, fields: dict) -> sql.Composable:
    column = sql.Identifier(field.handle)
    if op in ("_null", "_nnull"):
        if not isinstance(operand, bool):
            raise NotExpressible()
        is_null = operand if op == "_null" else not operand
        return sql.SQL("{} IS NULL" if is_null else "{} IS NOT NULL").format(column)
    if field.column_type.endswith("[]") or field.column_type.startswith("json"):
        raise NotExpressible()
    if op in _COMPARE:
        return sql.SQL("{} " + _COMPARE[op] + " {}").format(column, _operand(field, operand, fields))
    if op in ("_in", "_nin"):
        items = operand if isinstance(operand, list) else [operand]
        if not items:
            raise NotExpressible()
        listed = sql.SQL(", ").join(_operand(field, v, fields) for v in items)
        return sql.SQL("{} " + ("IN" if op == "_in" else "NOT IN") + " ({})").format(column, listed)
    if op == "_between":
        if not isinstance(operand, list) or len(operand) != 2:
            raise NotExpressible()
        low, high = (_operand(field, v, fields) for v in operand)
        return sql.SQL("{} BETWEEN {} AND {}").format(column, low, high)
    if field.column_type != "text" or not isinstance(operand, str):
        raise NotExpressible()
    text = sql.Literal(operand)
    if op == "_contains":
        return sql.SQL("strpos({}, {}) > 0").format(column, text)
    if op == "_starts_with":
        return sql.SQL("starts_with({}, {})").format(column, text)
    if op == "_ends_with":
        return sql.SQL("right({}, {}) = {}").format(column, sql.Literal(len(operand)), text)
    if op == "_regex":
        try:
            pattern = rule_pattern(operand).postgres
        except UnsupportedPattern:
            raise NotExpressible() from None
        return sql.SQL("{} ~ {}").format(column, sql.Literal(pattern))
    raise NotExpressible()
