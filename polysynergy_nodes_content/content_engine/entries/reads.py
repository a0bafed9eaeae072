"""Reading entries: the page query, its count, and relations followed level by level.

A followed relation costs one query for all entries of a level (never one per entry):
``SELECT ... WHERE id = ANY(...)`` for a single relation, a junction join in link order
for a multiple one. Counts are exact, the planner's estimate, or skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg import sql

from ..errors import InvalidInput, NotFound
from ..json_values import json_safe
from ..postgres import FilterLimits, check_search, search_condition
from .links import links_of, read_links
from .model import SectionModel
from .query import FilterCompiler, check_paging, compile_order_by
from .rows import output_row
from .selection import Level, Selection, bind, parse_fields
from .write_errors import translate_error

COUNT_MODES = ("exact", "estimated", "none")
_ALIAS = sql.Identifier("t")


@dataclass
class QueryRequest:
    filters: object
    order_by: object
    limit: int
    offset: int
    selection: Selection | None
    count: str
    search: str | None = None

    @classmethod
    def build(cls, settings, filters, order_by, limit, offset, fields, count, search=None) -> "QueryRequest":
        limit, offset = check_paging(limit, offset, settings)
        return cls(filters, order_by, limit, offset, parse_fields(fields),
                   check_count(count), check_search(search))


def check_count(count) -> str:
    if count in (None, ""):
        return "exact"
    if count is True:
        return "exact"
    if count is False:
        return "none"
    mode = str(count).strip().lower()
    if mode not in COUNT_MODES:
        raise InvalidInput(f"count must be one of {', '.join(COUNT_MODES)} (got {str(count)[:40]!r})", field="count")
    return mode


def compile_where(service, conn, model: SectionModel, filters) -> FilterCompiler:
    compiler = FilterCompiler(model, service.registry, _ALIAS, lambda handle: service.load_model(conn, handle))
    compiler.where = compiler.compile(filters, FilterLimits.of(service.settings))
    return compiler


def run_query(service, conn, model: SectionModel, request: QueryRequest) -> dict:
    compiler = compile_where(service, conn, model, request.filters)
    where, params = compiler.where, list(compiler.params)
    rank_params: list = []
    searched = None
    if request.search is not None:
        matches, rank, search_params, searched = search_condition(model, request.search, "t")
        where = sql.SQL("{} AND {}").format(where, matches)
        params += search_params
    if request.search is not None and request.order_by in (None, "", []):
        # Best matches first, then the newest.
        order = sql.SQL("{} DESC, {}").format(rank, compile_order_by(model, None, _ALIAS))
        rank_params = search_params
    else:
        order = compile_order_by(model, request.order_by, _ALIAS)
    level = None
    if request.selection is not None:
        level = bind(request.selection, model, lambda handle: service.load_model(conn, handle))
        select = sql.SQL(", ").join(sql.Identifier("t", c) for c in level.columns)
    else:
        select = model.select_list("t")
    rows_sql = sql.SQL("SELECT {} FROM {} AS t WHERE {} ORDER BY {} LIMIT %s OFFSET %s").format(
        select, model.table, where, order).as_string(conn)
    count_sql = None
    if request.count == "exact":
        count_sql = sql.SQL("SELECT count(*) FROM {} AS t WHERE {}").format(model.table, where).as_string(conn)
    elif request.count == "estimated":
        count_sql = sql.SQL("EXPLAIN SELECT 1 FROM {} AS t WHERE {}").format(model.table, where).as_string(conn)
    try:
        if count_sql is not None:
            with conn.pipeline():
                cur = conn.execute(rows_sql, (*params, *rank_params, request.limit, request.offset))
                count_cur = conn.cursor().execute(count_sql, params)
        else:
            cur = conn.execute(rows_sql, (*params, *rank_params, request.limit, request.offset))
            count_cur = None
        rows = cur.fetchall()
        names = tuple(c.name for c in cur.description)
        total, exact = None, request.count == "exact"
        if count_cur is not None:
            value = count_cur.fetchone()[0]
            total = value if exact else page_bounded(estimated_rows(value), request, len(rows))
            exact = exact or page_ends_matches(request, len(rows))
        if level is not None:
            entries = load_level(conn, level, names, rows)
        else:
            entries = default_output(conn, model, names, rows)
    except psycopg.errors.QueryCanceled:
        raise  # the read's statement timeout (or a cancel): EntryService._run names it
    except psycopg.Error as exc:
        raise translate_error(exc, model) from None
    result = {"entries": entries, "total_count": total, "count": request.count, "total_is_exact": exact,
              "limit": request.limit, "offset": request.offset}
    if searched is not None:
        result["search"] = searched
    return result


_PLAN_ROWS = re.compile(r"\brows=(\d+)")


def estimated_rows(first_line: str) -> int:
    """The planner's row estimate: ``rows=N`` of the top node (the first line of EXPLAIN)."""
    match = _PLAN_ROWS.search(first_line or "")
    return int(match.group(1)) if match else 0


def page_bounded(estimate: int, request, shown: int) -> int:
    """An estimate the page cannot contradict: a page that is not full (or the first page
    empty) ends the matches, so the total is exact; a full page proves at least that many."""
    if page_ends_matches(request, shown):
        return request.offset + shown
    return max(estimate, request.offset + shown)


def page_ends_matches(request, shown: int) -> bool:
    """A page that is not full (or an empty first page) holds the last match: offset + shown is the total."""
    return shown < request.limit and bool(shown or not request.offset)


def default_output(conn, model: SectionModel, names: tuple, rows: list) -> list[dict]:
    """Every column, multiple relations as lists of ids (the default without ``fields``)."""
    if not rows:
        return []
    if model.listed:
        id_at = names.index("id")
        links = read_links(conn, model, [r[id_at] for r in rows])
        return [output_row(model, names, r, links_of(links, r[id_at])) for r in rows]
    return [output_row(model, names, r) for r in rows]


def read_entries(service, conn, model: SectionModel, fields, entry_id) -> dict:
    """One entry with ``fields`` (for get_entry)."""
    level = bind(parse_fields(fields), model, lambda handle: service.load_model(conn, handle))
    query = sql.SQL("SELECT {} FROM {} AS t WHERE t.id = %s").format(
        sql.SQL(", ").join(sql.Identifier("t", c) for c in level.columns), model.table)
    cur = conn.execute(query, (entry_id,))
    rows = cur.fetchall()
    if not rows:
        raise NotFound(f"entry '{entry_id}' does not exist in section '{model.handle}'", field="entry_id")
    return load_level(conn, level, tuple(c.name for c in cur.description), rows)[0]


def load_level(conn, level: Level, names: tuple, rows: list) -> list[dict]:
    """Rows of one level as output objects, their relations followed with one query per
    relation (and per level below it)."""
    model = level.model
    plan = model.output_plan(names)
    out = []
    for row in rows:
        entry = {}
        for (name, convert), value in zip(plan, row):
            entry[name] = None if value is None else (convert(value) if convert is not None else json_safe(value))
        out.append(entry)
    if not rows:
        return out
    id_at = names.index("id")
    ids = [r[id_at] for r in rows]
    if level.id_links:
        links = read_links(conn, model, ids, level.id_links)
        for raw_id, entry in zip(ids, out):
            for handle, by_source in links.items():
                entry[handle] = [str(t) for t in by_source.get(raw_id, [])]
    for relation, sub in level.follow:
        if relation.links:
            _follow_multiple(conn, model, relation, sub, ids, out)
        else:
            _follow_single(conn, relation, sub, names.index(relation.handle), rows, out)
    if level.shown != list(out[0]):
        order = level.shown
        out = [{k: e.get(k) for k in order} for e in out]
    return out


def _select(sub: Level, alias: str) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(alias, c) for c in sub.columns)


def _follow_single(conn, relation, sub: Level, at: int, rows: list, out: list) -> None:
    targets = list({r[at] for r in rows if r[at] is not None})
    for entry in out:
        entry[relation.handle] = None
    if not targets:
        return
    target = sub.model
    query = target.sql_text(conn, ("expand", tuple(sub.columns)), lambda: sql.SQL(
        "SELECT {} FROM {} AS r WHERE r.id = ANY(%s)").format(_select(sub, "r"), target.table))
    cur = conn.execute(query, (targets,))
    found = cur.fetchall()
    names = tuple(c.name for c in cur.description)
    nested = load_level(conn, sub, names, found)
    id_at = names.index("id")
    by_id = {r[id_at]: n for r, n in zip(found, nested)}
    for row, entry in zip(rows, out):
        value = row[at]
        entry[relation.handle] = by_id.get(value) if value is not None else None


def _follow_multiple(conn, model: SectionModel, relation, sub: Level, ids: list, out: list) -> None:
    target = sub.model
    query = model.sql_text(conn, ("expand_many", relation.handle, tuple(sub.columns)), lambda: sql.SQL(
        "SELECT j.source_id AS {src}, {cols} FROM {junction} AS j JOIN {target} AS r ON r.id = j.target_id "
        "WHERE j.source_id = ANY(%s) ORDER BY j.source_id, j.sort_order, j.created_at, j.target_id").format(
        src=sql.Identifier("__source"), cols=_select(sub, "r"),
        junction=relation.link_rows(model.schema), target=target.table))
    cur = conn.execute(query, (ids,))
    found = cur.fetchall()
    names = tuple(c.name for c in cur.description)[1:]
    nested = load_level(conn, sub, names, [r[1:] for r in found])
    grouped: dict = {}
    for r, n in zip(found, nested):
        grouped.setdefault(r[0], []).append(n)
    for raw_id, entry in zip(ids, out):
        entry[relation.handle] = grouped.get(raw_id, [])
