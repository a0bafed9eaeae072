"""Changing or deleting every entry a filter matches, all-or-nothing.

Without ``confirm`` nothing changes: the result says how many entries would. With it,
the matching entries are locked, then changed in chunks inside one transaction (so
progress can be reported), validated like a single update. ``max_entries`` refuses a
change that would touch more entries than that (the MCP server's cap per call).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from ..errors import InvalidInput, Refused
from ..postgres import FilterLimits
from ..rules import enforce
from .batch import item_label
from .links import write_links
from .model import SectionModel
from .query import FilterCompiler, unconditional
from .references import resolve_references
from .rows import check_keys, current_rows, validate_values
from .write_errors import translate_error

CHUNK = 5000
_ALIAS = sql.Identifier("t")


def _where(service, conn, model: SectionModel, filters) -> FilterCompiler:
    if unconditional(filters):
        raise InvalidInput("filters are required for a change of many entries (this one names no condition, so "
                           "it would match every entry); to change every entry use {\"id\": {\"_nnull\": true}}",
                           field="filters")
    compiler = FilterCompiler(model, service.registry, _ALIAS, lambda handle: service.load_model(conn, handle))
    compiler.where = compiler.compile(filters, FilterLimits.of(service.settings))
    return compiler


class TooManyMatches(Refused):
    """More entries match than the caller lets one change touch (``max_entries``)."""

    def __init__(self, matched: int, limit: int):
        self.matched, self.limit, self.field = matched, limit, "filters"
        super().__init__(f"filters match {matched} entries, more than the {limit} one change may touch; "
                         "nothing was changed")


def _matching_ids(conn, model: SectionModel, compiler: FilterCompiler, max_entries: int | None = None) -> list:
    """The ids of the matching entries, locked until the transaction ends; beyond
    ``max_entries`` nothing more is locked and the change is refused."""
    query = sql.SQL("SELECT t.id FROM {} AS t WHERE {} ORDER BY t.id FOR UPDATE").format(model.table, compiler.where)
    if max_entries is not None:
        query = query + sql.SQL(" LIMIT {}").format(sql.Literal(int(max_entries) + 1))
    ids = [r[0] for r in conn.execute(query, compiler.params).fetchall()]
    if max_entries is not None and len(ids) > max_entries:
        raise TooManyMatches(_count(conn, model, compiler), max_entries)
    return ids


def _count(conn, model: SectionModel, compiler: FilterCompiler) -> int:
    query = sql.SQL("SELECT count(*) FROM {} AS t WHERE {}").format(model.table, compiler.where)
    return conn.execute(query, compiler.params).fetchone()[0]


def update_matching(service, conn, model: SectionModel, final: bool, filters, data, confirm: bool,
                    progress=None, max_entries: int | None = None) -> dict:
    given = check_keys(model, data, final)
    if not given:
        raise InvalidInput("data is empty: give the field values to set", field="field_data")
    if model.relations:
        given = resolve_references(conn, model, [given], service.load_model, item_label)[0]
    values = validate_values(model, given, partial=True)
    compiler = _where(service, conn, model, filters)
    if not confirm:
        return {"matched": _count(conn, model, compiler), "updated": 0, "confirmed": False}
    ids = _matching_ids(conn, model, compiler, max_entries)
    columns = tuple(k for k in values if model.fields[k].stores_column)
    done = 0
    try:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            if model.rules:
                for entry_id, current in current_rows(conn, model, chunk).items():
                    enforce(model, {**current, **values}, prefix=f"entry {entry_id}: ")
            if columns:
                conn.execute(model.sql_text(conn, ("bulk_update", columns), lambda: sql.SQL(
                    "UPDATE {} SET {} WHERE id = ANY(%s)").format(model.table, sql.SQL(", ").join(
                        sql.SQL("{} = %s").format(sql.Identifier(k)) for k in columns))),
                    (*(values[k] for k in columns), chunk))
            write_links(conn, model, chunk, values, replace=True)
            done += len(chunk)
            if progress is not None:
                progress(done, len(ids))
    except psycopg.Error as exc:
        raise translate_error(exc, model) from None
    return {"matched": len(ids), "updated": len(ids), "confirmed": True}


def delete_matching(service, conn, model: SectionModel, filters, confirm: bool, progress=None,
                    max_entries: int | None = None) -> dict:
    compiler = _where(service, conn, model, filters)
    if not confirm:
        return {"matched": _count(conn, model, compiler), "deleted": 0, "confirmed": False}
    ids = _matching_ids(conn, model, compiler, max_entries)
    done = 0
    try:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            conn.execute(model.sql_text(conn, "bulk_delete", lambda: sql.SQL(
                "DELETE FROM {} WHERE id = ANY(%s)").format(model.table)), (chunk,))
            done += len(chunk)
            if progress is not None:
                progress(done, len(ids))
    except psycopg.Error as exc:
        raise translate_error(exc, model) from None
    return {"matched": len(ids), "deleted": len(ids), "confirmed": True}
