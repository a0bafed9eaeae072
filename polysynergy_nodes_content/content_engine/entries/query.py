"""The query language: Directus-style JSON filters and ``order_by`` strings, compiled to SQL.

Keys are checked against the section's real columns before they become identifiers;
operators are checked against the field type; every value is a parameter.
"""

from __future__ import annotations

import json
import re

from psycopg import sql

from polysynergy_section_field.section_field_runner import FieldTypeError

from ..errors import InvalidInput
from ..identifiers import SYSTEM_COLUMNS
from ..json_values import UNENCODABLE_MESSAGE, is_unencodable
from ..postgres import FilterLimits, check_filter_size
from .entry_ids import parse_entry_id
from .model import FieldModel, SectionModel
from .system_fields import system_field

#: The default caps (EngineSettings.max_filter_depth / max_filter_conditions set them).
MAX_DEPTH = FilterLimits.depth
MAX_CONDITIONS = FilterLimits.conditions
_ORDER_PART = re.compile(r"^\s*([a-z][a-z0-9_]*)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$", re.IGNORECASE)


def parse_json_input(value, name: str):
    """Accept a dict/list or a JSON string (the runtime's ``[]`` means empty)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{name} is not valid JSON: {exc.msg} at position {exc.pos}", field=name) from None
    return value


def unconditional(filters) -> bool:
    """True when a filter matches every entry without naming a condition: nothing,
    ``{}``, and groups of such (an empty group, an ``_and`` of only those, an ``_or``
    with one of them), which a change of many entries must not take for a selection."""
    if filters in (None, {}, []):
        return True
    if not isinstance(filters, dict):
        return False
    for key, value in filters.items():
        if key not in ("_and", "_or") or not isinstance(value, list):
            return False
        verdicts = [unconditional(item) for item in value]
        if verdicts and not (all(verdicts) if key == "_and" else any(verdicts)):
            return False
    return True


#: Operators that test the related entries of a relation against a nested filter.
RELATED_OPERATORS = ("_some", "_none")


class FilterCompiler:
    """``load_model(handle)`` gives a relation's target model; without it, filters on
    related fields are refused."""

    def __init__(self, model: SectionModel, registry, alias: sql.Identifier, load_model=None, _shared=None):
        self.model = model
        self.registry = registry
        self.alias = alias
        self.load_model = load_model
        # Parameters, the condition count and the alias counter are shared with the
        # compilers of nested (related) filters.
        self._shared = _shared if _shared is not None else {"params": [], "count": 0, "aliases": 0}
        self.params: list = self._shared["params"]

    @property
    def count(self) -> int:
        return self._shared["count"]

    @count.setter
    def count(self, value: int) -> None:
        self._shared["count"] = value

    def _new_alias(self, prefix: str) -> sql.Identifier:
        self._shared["aliases"] += 1
        return sql.Identifier(f"{prefix}{self._shared['aliases']}")

    def compile(self, filters, limits: FilterLimits | None = None) -> sql.Composable:
        """``limits``: the caps of the engine's settings (``FilterLimits.of(settings)``)."""
        filters = parse_json_input(filters, "filters")
        self._shared["limits"] = limits = limits or FilterLimits()
        check_filter_size(filters, limits)
        if is_unencodable(filters):
            raise InvalidInput(f"filters {UNENCODABLE_MESSAGE}", field="filters")
        if filters in (None, [], {}):
            return sql.SQL("TRUE")
        if not isinstance(filters, dict):
            raise InvalidInput("filters must be a JSON object such as {\"field\": value}", field="filters")
        return self._group(filters, "filters", 0)

    def _group(self, node: dict, path: str, depth: int) -> sql.Composable:
        most = self._shared.get("limits", FilterLimits()).depth
        if depth > most:
            raise InvalidInput(f"{path}: filters are nested too deeply (at most {most} levels; setting "
                               "max_filter_depth, environment variable SECTIONS_MAX_FILTER_DEPTH)", field="filters")
        parts = []
        for key, value in node.items():
            if key in ("_and", "_or"):
                if not isinstance(value, list) or not value:
                    raise InvalidInput(f"{path}.{key} must be a non-empty list of filter objects", field="filters")
                subs = []
                for i, item in enumerate(value):
                    if not isinstance(item, dict):
                        raise InvalidInput(f"{path}.{key}[{i}] must be a filter object", field="filters")
                    subs.append(self._group(item, f"{path}.{key}[{i}]", depth + 1))
                joiner = " AND " if key == "_and" else " OR "
                parts.append(sql.SQL("(") + sql.SQL(joiner).join(subs) + sql.SQL(")"))
            else:
                parts.append(self._field(key, value, f"{path}.{key}" if isinstance(key, str) else path))
        if not parts:
            return sql.SQL("TRUE")
        return sql.SQL("(") + sql.SQL(" AND ").join(parts) + sql.SQL(")")

    def _lookup(self, key) -> FieldModel:
        if key in SYSTEM_COLUMNS:
            return system_field(key, self.model.id_type)
        field = self.model.fields.get(key) if isinstance(key, str) else None
        if field is None:
            if isinstance(key, str) and key.startswith("_"):
                raise InvalidInput(f"unknown filter operator '{key[:40]}' at the top level (use _and or _or)", field="filters")
            raise self.model.unknown_field(str(key)[:80])
        return field

    def _field(self, key, value, path: str) -> sql.Composable:
        field = self._lookup(key)
        if field.target_section and isinstance(value, dict) and _is_related_filter(value):
            return self._related(field, value, path)
        conditions = value if isinstance(value, dict) else {"_eq": value}
        if not conditions:
            raise InvalidInput(f"{path}: empty condition", field=key)
        parts = []
        for op, operand in conditions.items():
            self.count += 1
            most = self._shared.get("limits", FilterLimits()).conditions
            if self.count > most:
                raise InvalidInput(f"{path}: too many filter conditions (at most {most}; setting max_filter_conditions, "
                                   "environment variable SECTIONS_MAX_FILTER_CONDITIONS)", field="filters")
            if not isinstance(op, str) or not op.startswith("_"):
                raise InvalidInput(f"{path}: '{str(op)[:40]}' is not an operator (operators start with _, e.g. _eq)", field=key)
            parts.append(self._condition(field, op, operand, path))
        return sql.SQL(" AND ").join(parts)

    def _condition(self, field: FieldModel, op: str, operand, path: str) -> sql.Composable:
        if field.links:
            return self._relation_condition(field, op, operand, path)
        column = sql.SQL("{}.{}").format(self.alias, sql.Identifier(field.handle))
        try:
            condition, params = field.ft.compile_filter(op, column, operand, field.settings)
        except (FieldTypeError, ValueError, TypeError) as exc:
            raise InvalidInput(f"filter on '{field.handle}': {exc}", field=field.handle) from None
        self.params.extend(params)
        return condition

    def _related(self, field: FieldModel, value: dict, path: str) -> sql.Composable:
        """A filter on the related entries: ``{"author": {"name": "Ada"}}``, or for any
        relation ``{"_some": {...}}`` / ``{"_none": {...}}``."""
        if self.load_model is None or field.handle in SYSTEM_COLUMNS:
            raise InvalidInput(f"{path}: filters on related fields are not available here", field=field.handle)
        ops = [k for k in value if k in RELATED_OPERATORS]
        if ops and len(value) > 1:
            raise InvalidInput(f"{path}: use {ops[0]} alone, e.g. {{\"{field.handle}\": {{\"{ops[0]}\": "
                               "{\"name\": \"Ada\"}}}", field=field.handle)
        op = ops[0] if ops else "_some"
        nested = value[op] if ops else value
        if not isinstance(nested, dict) or not nested:
            raise InvalidInput(f"{path}.{op} must be a filter object on the related entries", field=field.handle)
        target = self.load_model(field.target_section)
        alias = self._new_alias("r")
        inner = FilterCompiler(target, self.registry, alias, self.load_model, self._shared)
        condition = inner._group(nested, f"{path}.{op}" if ops else path, 1)
        if field.links:
            link = self._new_alias("j")
            exists = sql.SQL("EXISTS (SELECT 1 FROM {} {} JOIN {} {} ON {}.id = {}.target_id "
                             "WHERE {}.source_id = {}.id AND {})").format(
                field.link_rows(self.model.schema), link, target.table, alias, alias, link,
                link, self.alias, condition)
        else:
            exists = sql.SQL("EXISTS (SELECT 1 FROM {} {} WHERE {}.id = {}.{} AND {})").format(
                target.table, alias, alias, self.alias, sql.Identifier(field.handle), condition)
        return (sql.SQL("NOT ") + exists) if op == "_none" else exists

    def _relation_condition(self, field: FieldModel, op: str, operand, path: str) -> sql.Composable:
        junction = field.link_rows(self.model.schema)
        link = self._new_alias("j")
        exists = sql.SQL("EXISTS (SELECT 1 FROM {} {} WHERE {}.source_id = {}.id").format(
            junction, link, link, self.alias)
        if op in ("_null", "_nnull"):
            if not isinstance(operand, bool):
                raise InvalidInput(f"filter on '{field.handle}': {op} takes true or false", field=field.handle)
            empty = operand if op == "_null" else not operand
            return (sql.SQL("NOT ") if empty else sql.SQL("")) + exists + sql.SQL(")")
        if op == "_contains":
            ids = operand if isinstance(operand, list) else [operand]
            try:
                parsed = [parse_entry_id(v, field.target_id_type) for v in ids]
            except InvalidInput:
                what = "UUIDs" if field.target_id_type == "uuid" else field.target_id_type
                raise InvalidInput(f"filter on '{field.handle}': _contains takes entry ids ({what})",
                                   field=field.handle) from None
            self.params.append(parsed)
            return exists + sql.SQL(" AND {}.target_id = ANY(%s))").format(link)
        raise InvalidInput(
            f"filter on '{field.handle}': operator '{op[:40]}' is not supported on multiple relations "
            "(allowed: _contains, _null, _nnull, and _some / _none with a filter on the related entries)",
            field=field.handle,
        )


def _is_related_filter(value: dict) -> bool:
    """A relation's condition that filters the related entries (not the id itself)."""
    return any(not isinstance(k, str) or not k.startswith("_") or k in RELATED_OPERATORS or k in ("_and", "_or")
               for k in value)


def compile_order_by(model: SectionModel, order_by, alias: sql.Identifier) -> sql.Composable:
    """``"field [ASC|DESC] [NULLS FIRST|LAST], ..."`` on real columns; id breaks ties."""
    if order_by is None or (isinstance(order_by, str) and not order_by.strip()) or order_by == []:
        parts_in = ["created_at DESC"]
    elif isinstance(order_by, str):
        parts_in = order_by.split(",")
    elif isinstance(order_by, list) and all(isinstance(p, str) for p in order_by):
        parts_in = order_by
    else:
        raise InvalidInput("order_by must be a string like \"created_at DESC, title\"", field="order_by")
    if len(parts_in) > 10:
        raise InvalidInput("order_by takes at most 10 columns", field="order_by")
    parts = []
    seen = set()
    for raw in parts_in:
        match = _ORDER_PART.match(raw)
        if not match:
            raise InvalidInput(
                f"order_by part {raw.strip()[:60]!r} is invalid: use \"field\", \"field ASC\" or \"field DESC\"",
                field="order_by",
            )
        name, direction, nulls = match.group(1), (match.group(2) or "ASC").upper(), match.group(3)
        if name not in SYSTEM_COLUMNS:
            field = model.fields.get(name)
            if field is None:
                raise model.unknown_field(name) if name in model.pending_handles else InvalidInput(
                    f"order_by: unknown field '{name}' in section '{model.handle}'", field="order_by")
            if not field.stores_column:
                raise InvalidInput(f"order_by: '{name}' is a multiple relation and has no column to sort on", field="order_by")
        if name in seen:
            continue
        seen.add(name)
        item = sql.SQL("{}.{} " + direction).format(alias, sql.Identifier(name))
        if nulls:
            item = item + sql.SQL(" NULLS FIRST" if nulls.lower() == "first" else " NULLS LAST")
        parts.append(item)
    if "id" not in seen:
        parts.append(sql.SQL("{}.id").format(alias))
    return sql.SQL(", ").join(parts)


def check_paging(limit, offset, settings) -> tuple[int, int]:
    if limit in (None, ""):
        limit = settings.default_limit
    if isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= settings.max_limit:
        raise InvalidInput(f"limit must be a whole number from 1 to {settings.max_limit}", field="limit")
    if offset in (None, ""):
        offset = 0
    if isinstance(offset, str) and offset.strip().isdigit():
        offset = int(offset)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidInput("offset must be a whole number of at least 0", field="offset")
    return limit, offset
