"""Adopting a table in place: the section's configuration, written from the report, and
one reviewed, sealed migration that adds only what the engine needs (``AdoptTable``:
identity comments, missing system timestamps, the ``updated_at`` trigger; then the history
capture). The migration is applied and rolled back like any other; rolling it back gives
the table back exactly as it was and forgets the section."""

from __future__ import annotations

import uuid

from psycopg import sql

from ..config import ConfigStore
from ..errors import NotFound, Refused
from ..migrations import AdoptTable, EnableHistory, PlanContext
from ..postgres import foreign_key_name, unique_name
from .catalog import read_catalog_table

ADOPTED = ("maps", "maps_with_loss")


def adopt_in_place(engine, conn, report: dict) -> dict:
    """Write the configuration and record the adoption migration (not applied yet)."""
    if not report["adoptable"]:
        raise Refused(f"{report['table']} cannot be adopted: {'; '.join(report['refused'])}")
    schema, name = report["table"].split(".")
    table = read_catalog_table(conn, schema, name)
    store: ConfigStore = engine._store(conn)
    section = store.create_section(report["section_handle"], None)
    fields = add_adopted_fields(engine, conn, store, section["id"],
                                [c for c in report["columns"] if c["status"] in ADOPTED])
    conn.execute(sql.SQL("UPDATE {} SET table_schema = %s WHERE id = %s").format(
        sql.Identifier(engine.settings.system_schema, "sections")), (schema, section["id"]))
    section = store.find_section(section["id"])
    migration_id = str(uuid.uuid4())
    ctx = PlanContext(engine.settings, migration_id, table_schema=schema)
    old_comments = {c.name: c.comment for c in table.columns}
    missing = tuple(c for c in ("created_at", "updated_at") if table.column(c) is None)
    ops = [AdoptTable(ctx, section["id"], name, {c: str(fid) for c, fid in fields.items()}, old_comments,
                      table.comment, missing, _engine_names(report, fields),
                      tuple(c["column"] for c in report["columns"] if c["status"] == "refused"))]
    if section.get("history"):
        columns = {f["handle"]: str(f["id"]) for f in store.fields(section["id"])
                   if engine.registry.get(f["field_type_handle"]).stores_column(f["field_settings"] or {})}
        ops.append(EnableHistory(ctx, section, name, columns, None))
    return engine.migrations.record_operations(conn, section["id"], ops, migration_id)


def add_adopted_fields(engine, conn, store: ConfigStore, section_id, columns: list, unique: bool = True,
                       first: int = 0) -> dict:
    """A field per mapped column, keeping the column's own type (``adopted_type``): column -> field id."""
    fields = {}
    for order, column in enumerate(columns, start=first):
        values = dict(handle=column["column"], label=None, field_type_handle=column["field_type"],
                      field_settings=column["settings"], is_required=column["required"],
                      is_unique=unique and column["unique"], default_value=column.get("default_value"),
                      sort_order=order)
        fields[column["column"]] = store.add_field(section_id, values, adopting_column=not unique)["id"]
        conn.execute(sql.SQL("UPDATE {} SET adopted_type = %s WHERE id = %s").format(
            sql.Identifier(engine.settings.system_schema, "section_fields")), (column["type"], fields[column["column"]]))
    return fields


def refresh_in_place(engine, conn, report: dict, section: dict, unaccounted: list) -> dict:
    """Take the columns another tool added to an adopted table into its section's
    configuration (as they are: own type, no new constraint); the normal plan then marks them."""
    store: ConfigStore = engine._store(conn)
    mapped = [c for c in report["columns"] if c["column"] in unaccounted and c["status"] in ADOPTED]
    first = len(store.fields(section["id"]))
    add_adopted_fields(engine, conn, store, section["id"], mapped, unique=False, first=first)
    return {"added": [c["column"] for c in mapped],
            "not_taken": [{"column": c["column"], "reason": c["reason"]} for c in report["columns"]
                          if c["column"] in unaccounted and c["status"] not in ADOPTED]}


def _engine_names(report: dict, fields: dict) -> dict:
    """The table's constraints a field owns, renamed as the engine names them (so the planner
    finds them): a unique field's one-column UNIQUE, a relation field's foreign key."""
    by_column = {c["column"]: c for c in report["columns"] if c["column"] in fields}
    renames = {}
    for unique in report["uniques"]:
        column = unique["columns"][0] if len(unique["columns"]) == 1 else None
        if column in by_column and by_column[column].get("unique"):
            renames.setdefault(unique["name"], unique_name(fields[column]))
    for relation in report["relations"]:
        column = relation.get("column")
        if column in by_column and by_column[column]["field_type"] and relation.get("as") == "a relation field":
            renames[relation["constraint"]] = foreign_key_name(fields[column])
    return renames


def adopted_section(conn, settings, schema: str, name: str) -> dict:
    """The section that adopted ``schema.name`` (NotFound: none did)."""
    row = conn.execute(sql.SQL("SELECT id, handle FROM {} WHERE table_schema = %s AND table_name = %s").format(
        sql.Identifier(settings.system_schema, "sections")), (schema, name)).fetchone()
    if row is None:
        raise NotFound(f"no section has adopted {schema}.{name}: adopt it first (sections adopt {schema}.{name})",
                       field="table")
    return {"id": str(row[0]), "handle": row[1]}
