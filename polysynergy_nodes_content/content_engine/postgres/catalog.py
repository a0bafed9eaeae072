"""The *actual* state: a section's live table read from the PostgreSQL catalog.

The planner compares this with the desired configuration, and its fingerprint tells
apply whether someone changed the table since the migration was reviewed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import psycopg

from .generated_names import FIELD_MARK, JUNCTION_MARK, KEPT_MARK, SECTION_MARK, field_mark, junction_of_comment, section_mark


@dataclass
class LiveTable:
    schema: str
    name: str
    oid: int
    comment: str | None
    columns: dict = field(default_factory=dict)  # name -> {type, not_null, default, comment, position}
    constraints: dict = field(default_factory=dict)  # name -> {type, definition, validated, columns, ref_table}
    indexes: dict = field(default_factory=dict)  # name -> {definition, valid, unique, constraint}
    triggers: list = field(default_factory=list)
    policies: list = field(default_factory=list)
    rls: bool = False

    def column_for_field(self, field_id: str) -> str | None:
        mark = field_mark(field_id)
        for name, col in self.columns.items():
            if col["comment"] == mark:
                return name
        return None

    def unaccounted_columns(self) -> list[str]:
        """Columns that are no field, no system column and not kept outside the section on
        purpose: on an adopted table, columns another tool added since (drift)."""
        return [name for name, col in self.columns.items() if name not in ("id", "created_at", "updated_at")
                and not (col["comment"] or "").startswith((FIELD_MARK, KEPT_MARK))]

    def describe(self) -> dict:
        return {
            "schema": self.schema, "name": self.name, "comment": self.comment, "columns": self.columns,
            "constraints": self.constraints, "indexes": self.indexes, "triggers": sorted(self.triggers),
            "policies": sorted(self.policies), "rls": self.rls,
        }


def _find_table(conn, schema: str, comment: str, fallback_name: str | None) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND obj_description(c.oid, 'pg_class') = %s",
        (schema, comment),
    ).fetchone()
    if row is None and fallback_name:
        row = conn.execute(
            "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname = %s "
            # never another section's table (a reused handle): only one without a section mark
            "AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE %s",
            (schema, fallback_name, SECTION_MARK + "%"),
        ).fetchone()
    return (row[0], row[1]) if row else None


def read_table(conn: psycopg.Connection, schema: str, oid: int, name: str) -> LiveTable:
    comment = conn.execute("SELECT obj_description(%s, 'pg_class')", (oid,)).fetchone()[0]
    rls = conn.execute("SELECT relrowsecurity FROM pg_class WHERE oid = %s", (oid,)).fetchone()[0]
    table = LiveTable(schema=schema, name=name, oid=oid, comment=comment, rls=rls)
    for attname, typ, notnull, default, col_comment, num in conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_get_expr(d.adbin, d.adrelid), col_description(a.attrelid, a.attnum), a.attnum "
        "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (oid,),
    ):
        table.columns[attname] = {
            "type": typ, "not_null": notnull, "default": default, "comment": col_comment, "position": num,
        }
    for conname, contype, definition, validated, cols, ref in conn.execute(
        "SELECT c.conname, c.contype::text, pg_get_constraintdef(c.oid), c.convalidated, "
        "ARRAY(SELECT a.attname FROM unnest(c.conkey) k JOIN pg_attribute a "
        "      ON a.attrelid = c.conrelid AND a.attnum = k ORDER BY a.attname)::text[], "
        "CASE WHEN c.confrelid <> 0 THEN c.confrelid::regclass::text END "
        "FROM pg_constraint c WHERE c.conrelid = %s",
        (oid,),
    ):
        table.constraints[conname] = {
            "type": contype, "definition": definition, "validated": validated, "columns": cols, "ref_table": ref,
        }
    for idxname, definition, valid, unique in conn.execute(
        "SELECT ic.relname, pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisunique "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = %s",
        (oid,),
    ):
        table.indexes[idxname] = {"definition": definition, "valid": valid, "unique": unique}
    table.triggers = [r[0] for r in conn.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal", (oid,)
    )]
    table.policies = [r[0] for r in conn.execute("SELECT polname FROM pg_policy WHERE polrelid = %s", (oid,))]
    return table


@dataclass
class LiveSection:
    table: LiveTable | None
    junctions: dict  # field id -> LiveTable

    def fingerprint(self, ignore_indexes: frozenset = frozenset()) -> str:
        """A hash of what the table is, not of how it got there: column positions (a column
        restored by a rollback comes back last) do not count."""
        def describe(t: LiveTable) -> dict:
            d = t.describe()
            d["columns"] = {name: {k: v for k, v in col.items() if k != "position"} for name, col in d["columns"].items()}
            d["indexes"] = {k: v for k, v in d["indexes"].items() if k not in ignore_indexes}
            return d

        payload = {
            "table": describe(self.table) if self.table else None,
            "junctions": {k: describe(v) for k, v in sorted(self.junctions.items())},
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def read_section(conn: psycopg.Connection, schema: str, section_id: str, table_name: str | None) -> LiveSection:
    """The live table of a section and its junction tables (found by their comments)."""
    found = _find_table(conn, schema, section_mark(section_id), table_name)
    table = read_table(conn, schema, *found) if found else None
    junctions = {}
    for oid, relname, comment in conn.execute(
        "SELECT c.oid, c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') LIKE %s",
        (schema, JUNCTION_MARK + "%"),
    ).fetchall():
        owner, field_id = junction_of_comment(comment)
        if owner == str(section_id):
            junctions[field_id] = read_table(conn, schema, oid, relname)
    return LiveSection(table=table, junctions=junctions)


def table_exists(conn: psycopg.Connection, schema: str, name: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
        (schema, name),
    ).fetchone() is not None


def section_table_of(conn: psycopg.Connection, schema: str, section_id: str) -> str | None:
    found = _find_table(conn, schema, section_mark(section_id), None)
    return found[1] if found else None
