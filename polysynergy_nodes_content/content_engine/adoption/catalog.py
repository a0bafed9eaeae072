"""What a table made elsewhere is, read from pg_catalog: columns with their types, keys,
constraints, indexes and the enum labels its columns use. Read only; nothing is changed."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from ..errors import InvalidInput, NotFound
from ..identifiers import check_identifier


@dataclass(frozen=True)
class CatalogColumn:
    name: str
    number: int
    type: str  # format_type: "character varying(40)", "numeric(10,2)", "text[]", "status_kind"
    base_type: str  # the type without its modifier, an array's element type, a domain's base type
    type_kind: str  # pg_type.typtype of base_type: b base, e enum, d domain, c composite, r range, m multirange
    is_array: bool
    not_null: bool
    default: str | None
    identity: str  # '' none, 'a' always, 'd' by default
    generated: bool  # a stored generated column
    comment: str | None
    enum_labels: tuple = ()
    length: int | None = None  # varchar(n) / char(n)
    precision: int | None = None  # numeric(p, s)
    scale: int | None = None


@dataclass(frozen=True)
class CatalogConstraint:
    name: str
    kind: str  # p primary key, u unique, c check, f foreign key, x exclusion
    columns: tuple
    definition: str
    #: foreign keys: the referenced table (schema, name) and its columns
    ref_schema: str | None = None
    ref_table: str | None = None
    ref_columns: tuple = ()


@dataclass(frozen=True)
class CatalogTable:
    schema: str
    name: str
    oid: int
    kind: str  # pg_class.relkind
    comment: str | None
    columns: tuple = ()
    constraints: tuple = ()
    indexes: tuple = field(default_factory=tuple)  # (name, definition, unique, primary)
    triggers: tuple = ()

    def column(self, name: str) -> CatalogColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    def of_kind(self, kind: str) -> list[CatalogConstraint]:
        return [c for c in self.constraints if c.kind == kind]


def split_table_name(qualified: str, default_schema: str) -> tuple[str, str]:
    """``schema.table`` (or ``table`` in the default schema), both parts validated."""
    if not isinstance(qualified, str) or not qualified:
        raise InvalidInput("table must be given as SCHEMA.TABLE", field="table")
    schema, _, name = qualified.rpartition(".")
    return check_identifier(schema or default_schema, "schema"), check_identifier(name, "table")


_COLUMNS = """
SELECT a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
       format_type(base.oid, NULL), base.typtype::text, t.typcategory = 'A',
       a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated = 's',
       col_description(a.attrelid, a.attnum),
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = base.oid ORDER BY e.enumsortorder),
       CASE WHEN base.oid IN ('varchar'::regtype, 'bpchar'::regtype) AND coalesce(nullif(t.typtypmod, -1), a.atttypmod) > 4
            THEN coalesce(nullif(t.typtypmod, -1), a.atttypmod) - 4 END,
       CASE WHEN base.oid = 'numeric'::regtype AND coalesce(nullif(t.typtypmod, -1), a.atttypmod) > 4
            THEN ((coalesce(nullif(t.typtypmod, -1), a.atttypmod) - 4) >> 16) & 65535 END,
       CASE WHEN base.oid = 'numeric'::regtype AND coalesce(nullif(t.typtypmod, -1), a.atttypmod) > 4
            THEN (coalesce(nullif(t.typtypmod, -1), a.atttypmod) - 4) & 65535 END
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type elem ON elem.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
JOIN pg_type base ON base.oid = CASE WHEN elem.typtype = 'd' THEN elem.typbasetype ELSE elem.oid END
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_CONSTRAINTS = """
SELECT c.conname, c.contype::text,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord),
       pg_get_constraintdef(c.oid), rn.nspname, r.relname,
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.ord)
FROM pg_constraint c
LEFT JOIN pg_class r ON r.oid = c.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.conrelid = %s
ORDER BY c.contype, c.conname
"""


def read_catalog_table(conn: psycopg.Connection, schema: str, name: str) -> CatalogTable:
    """The table ``schema.name`` as the catalog describes it (NotFound when there is none)."""
    row = conn.execute(
        "SELECT c.oid, c.relkind::text, obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
        (schema, name)).fetchone()
    if row is None:
        raise NotFound(f"table {schema}.{name} does not exist", field="table")
    oid, kind, comment = row
    columns = tuple(
        CatalogColumn(name=r[0], number=r[1], type=r[2], base_type=r[3], type_kind=r[4], is_array=r[5],
                      not_null=r[6], default=r[7], identity=r[8], generated=r[9], comment=r[10],
                      enum_labels=tuple(r[11]), length=r[12], precision=r[13], scale=r[14])
        for r in conn.execute(_COLUMNS, (oid,)))
    constraints = tuple(
        CatalogConstraint(name=r[0], kind=r[1], columns=tuple(r[2]), definition=r[3], ref_schema=r[4],
                          ref_table=r[5], ref_columns=tuple(r[6]))
        for r in conn.execute(_CONSTRAINTS, (oid,)))
    indexes = tuple(conn.execute(
        "SELECT ic.relname, pg_get_indexdef(i.indexrelid), i.indisunique, i.indisprimary "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = %s ORDER BY ic.relname",
        (oid,)).fetchall())
    triggers = tuple(r[0] for r in conn.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal ORDER BY tgname", (oid,)))
    return CatalogTable(schema, name, oid, kind, comment, columns, constraints, indexes, triggers)
