"""Multiple relations: the junction rows behind a list of related entries, in order
(a reverse relation's links are read the same way, from the other section's column)."""

from __future__ import annotations

from psycopg import sql

from .model import SectionModel


def read_links(conn, model: SectionModel, ids: list, fields=None) -> dict:
    """Field handle -> {source id -> [target ids in order]}, one query per field."""
    result: dict = {}
    for field in model.listed if fields is None else fields:
        query = model.sql_text(conn, ("links", field.handle), lambda: sql.SQL(
            "SELECT source_id, array_agg(target_id ORDER BY sort_order, created_at, target_id) FROM {} AS j "
            "WHERE source_id = ANY(%s) GROUP BY source_id").format(field.link_rows(model.schema)))
        rows = conn.execute(query, (ids,)).fetchall()
        result[field.handle] = {src: targets for src, targets in rows}
    return result


def links_of(links: dict, entry_id) -> dict:
    """The links of one entry out of ``read_links``."""
    return {handle: by_source.get(entry_id, []) for handle, by_source in links.items()}


def write_links(conn, model: SectionModel, entry_ids: list, values: dict, replace: bool) -> None:
    """Store the given multiple relations of entries (all with the same ``values``);
    ``replace`` first removes their current links."""
    for field in model.multi:
        if field.handle not in values:
            continue
        table = sql.Identifier(model.schema, field.junction)
        if replace:
            conn.execute(model.sql_text(conn, ("unlink", field.handle), lambda: sql.SQL(
                "DELETE FROM {} WHERE source_id = ANY(%s)").format(table)), (entry_ids,))
        targets = values[field.handle] or []
        if targets:
            conn.execute(
                model.sql_text(conn, ("link", field.handle), lambda: sql.SQL(
                    "INSERT INTO {} (source_id, target_id, sort_order) "
                    "SELECT s, t, o - 1 FROM unnest(%s::{}) AS s, "
                    "unnest(%s::{}[]) WITH ORDINALITY AS u(t, o)").format(
                        table, model.id_array, field.target_id_cast)),
                (entry_ids, targets),
            )


def copy_links(conn, model: SectionModel, ids: list, rows: list, handles, replace: bool = False) -> None:
    """COPY the junction rows of a batch (``rows[i]`` belongs to ``ids[i]``) for the
    multiple relations named in ``handles``; ``replace`` first removes existing links."""
    for field in model.multi:
        if field.handle not in handles:
            continue
        table = sql.Identifier(model.schema, field.junction)
        handle = field.handle
        if replace:
            given = [entry_id for entry_id, row in zip(ids, rows) if handle in row]
            conn.execute(model.sql_text(conn, ("unlink", handle), lambda: sql.SQL(
                "DELETE FROM {} WHERE source_id = ANY(%s)").format(table)), (given,))
        copy_sql = model.sql_text(conn, ("copylinks", field.handle), lambda: sql.SQL(
            "COPY {} (source_id, target_id, sort_order) FROM STDIN").format(table))
        with conn.cursor() as cur:
            with cur.copy(copy_sql) as copy:
                write = copy.write_row
                for entry_id, row in zip(ids, rows):
                    for order, target in enumerate(row.get(handle) or ()):
                        write((entry_id, target, order))
