"""``aggregate_entries``: count, sum, avg, min and max over real columns, grouped.

``aggregates={"count": "*", "sum": ["price"], "avg": ["views"], "min": [...], "max": [...],
"countDistinct": [...]}``, ``group_by=["status"]`` and the filter language of queries.
Sums and averages take numeric columns only; the result converts values like entries do
(a decimal's sum stays an exact string). ``count`` of a multiple or reverse relation
counts its links (``{"count": ["articles"]}``, per entry with ``group_by=["id"]``).
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from ..errors import InvalidInput
from ..identifiers import SYSTEM_COLUMNS
from ..json_values import json_safe
from ..postgres import FilterLimits
from .model import SectionModel
from .query import FilterCompiler
from .write_errors import translate_error

FUNCTIONS = {"count": "count", "countDistinct": "count", "sum": "sum", "avg": "avg", "min": "min", "max": "max"}
_NUMERIC = re.compile(r"^(smallint|integer|bigint|numeric|decimal|real|double precision)\b")
_UNORDERED = re.compile(r"^(jsonb?|json)\b|\[\]$")
MAX_GROUP_BY = 5
MAX_GROUPS = 10_000
_ALIAS = sql.Identifier("t")


def _names(value, fn: str) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"aggregates.{fn} must be a field handle or a list of them", field="aggregates")
    return value


def _column(model: SectionModel, name: str, fn: str) -> str:
    """The column type of ``name`` (checked to exist and to suit ``fn``)."""
    if name in ("created_at", "updated_at"):
        kind = "timestamp with time zone"
    elif name == "id":
        kind = "uuid"
    else:
        field = model.fields.get(name)
        if field is None:
            if name in model.pending_handles:
                raise model.unknown_field(name)
            raise InvalidInput(f"aggregates.{fn}: unknown field '{name[:60]}' in section '{model.handle}'",
                               field="aggregates")
        if not field.stores_column:
            raise InvalidInput(f"aggregates.{fn}: '{name}' is a multiple relation and has no column",
                               field="aggregates")
        kind = field.ft.column_type(field.settings)
    if fn in ("sum", "avg") and not _NUMERIC.match(kind):
        raise InvalidInput(f"aggregates.{fn}: '{name}' is not a number field ({kind})", field="aggregates")
    if fn in ("min", "max") and (_UNORDERED.search(kind) or kind in ("uuid", "boolean")):
        raise InvalidInput(f"aggregates.{fn}: '{name}' has no order ({kind})", field="aggregates")
    return kind


def aggregate(service, conn, model: SectionModel, aggregates, group_by=None, filters=None) -> dict:
    if not isinstance(aggregates, dict) or not aggregates:
        raise InvalidInput("aggregates must be an object such as {\"count\": \"*\", \"sum\": [\"price\"]}",
                           field="aggregates")
    select: list = []
    plan: list = []  # (fn, field handle or None)
    for fn, value in aggregates.items():
        if fn not in FUNCTIONS:
            raise InvalidInput(f"aggregates: unknown function '{str(fn)[:40]}' (use {', '.join(FUNCTIONS)})",
                               field="aggregates")
        if fn == "count" and value in ("*", ["*"]):
            select.append(sql.SQL("count(*)"))
            plan.append((fn, None))
            continue
        for name in _names(value, fn):
            if fn == "count" and name in model.fields and model.fields[name].links:
                select.append(_link_count(model, model.fields[name]))  # the links of the matched entries
                plan.append((fn, name))
                continue
            _column(model, name, fn)
            column = sql.SQL("{}.{}").format(_ALIAS, sql.Identifier(name))
            if fn == "countDistinct":
                select.append(sql.SQL("count(DISTINCT {})").format(column))
            else:
                select.append(sql.SQL(FUNCTIONS[fn] + "({})").format(column))
            plan.append((fn, name))
    groups = _group_by(model, group_by)
    compiler = FilterCompiler(model, service.registry, _ALIAS, lambda handle: service.load_model(conn, handle))
    where = compiler.compile(filters, FilterLimits.of(service.settings))
    group_columns = [sql.SQL("{}.{}").format(_ALIAS, sql.Identifier(g)) for g in groups]
    query = sql.SQL("SELECT {} FROM {} AS t WHERE {}").format(
        sql.SQL(", ").join([*group_columns, *select]), model.table, where)
    if groups:
        listed = sql.SQL(", ").join(group_columns)
        query = query + sql.SQL(" GROUP BY {} ORDER BY {} LIMIT {}").format(listed, listed, sql.Literal(MAX_GROUPS + 1))
    try:
        rows = conn.execute(query, compiler.params).fetchall()
    except psycopg.errors.QueryCanceled:
        raise  # the read's statement timeout (or a cancel): EntryService._run names it
    except psycopg.Error as exc:
        raise translate_error(exc, model) from None
    if len(rows) > MAX_GROUPS:
        raise InvalidInput(f"more than {MAX_GROUPS} groups: group by fewer fields or filter first", field="group_by")
    out = []
    for row in rows:
        entry: dict = {}
        if groups:
            entry["group"] = {g: _value(model, g, v) for g, v in zip(groups, row)}
        for (fn, name), value in zip(plan, row[len(groups):]):
            if name is None:
                entry[fn] = value
            else:
                entry.setdefault(fn, {})[name] = _result(model, fn, name, value)
        out.append(entry)
    return {"groups": out, "group_by": groups}


def _link_count(model: SectionModel, field) -> sql.Composable:
    """``count`` of a list of links (a multiple or reverse relation): how many links the
    matched entries have together; grouped by ``id``, each entry's own number."""
    return sql.SQL("coalesce(sum((SELECT count(*) FROM {} AS j WHERE j.source_id = {}.id)), 0)").format(
        field.link_rows(model.schema), _ALIAS)


def _group_by(model: SectionModel, group_by) -> list[str]:
    if group_by in (None, "", []):
        return []
    if isinstance(group_by, str):
        group_by = [part.strip() for part in group_by.split(",") if part.strip()]
    if not isinstance(group_by, list) or not all(isinstance(g, str) for g in group_by):
        raise InvalidInput("group_by must be a list of field handles", field="group_by")
    if len(group_by) > MAX_GROUP_BY:
        raise InvalidInput(f"group_by takes at most {MAX_GROUP_BY} fields", field="group_by")
    for name in group_by:
        kind = _column(model, name, "group_by")
        if _UNORDERED.search(kind) and not kind.endswith("[]"):
            raise InvalidInput(f"group_by: '{name}' cannot be grouped ({kind})", field="group_by")
    return list(dict.fromkeys(group_by))


def _value(model: SectionModel, name: str, value):
    if value is None:
        return None
    field = model.fields.get(name)
    if field is None or name in SYSTEM_COLUMNS:
        return json_safe(value)
    return field.output(value)


def _result(model: SectionModel, fn: str, name: str, value):
    if value is None:
        return None
    if fn in ("count", "countDistinct"):
        return int(value)
    if fn == "avg":
        return float(value)
    if fn == "sum":
        kind = model.fields[name].ft.column_type(model.fields[name].settings) if name in model.fields else ""
        return json_safe(value) if kind.startswith("numeric") else (int(value) if kind in (
            "smallint", "integer", "bigint") else float(value))
    return _value(model, name, value)
