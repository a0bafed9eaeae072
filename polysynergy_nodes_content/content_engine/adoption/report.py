"""The adoption report: every column of a table made elsewhere accounted for (a field
type with its settings, a named loss, or a refusal with its reason), its key, uniques,
NOT NULLs, CHECKs, defaults, indexes, foreign keys as relations and enums as options.
Reading only: it runs in a read-only transaction, so it cannot change anything."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ..entries import section_key
from ..identifiers import IDENTIFIER_PATTERN, MAX_IDENTIFIER_BYTES, POSTGRES_SYSTEM_COLUMNS
from ..postgres import SECTION_MARK
from ..settings import EngineSettings
from .catalog import CatalogColumn, CatalogTable, read_catalog_table
from .checks import read_check
from .types import LOSSY, MAPS, REFUSED, ColumnMapping, map_column

#: Key types an entry id may have, and what the engine calls them.
KEY_TYPES = {"uuid": "uuid", "bigint": "bigint", "integer": "integer", "text": "text"}
SYSTEM_TIMESTAMPS = ("created_at", "updated_at")
TIMESTAMPTZ = "timestamp with time zone"
#: Most distinct values of a text[] column taken as a multi-select's options.
MAX_ARRAY_OPTIONS = 100
_LITERAL = re.compile(r"^'((?:[^']|'')*)'::[a-z ]+$|^(-?\d+(?:\.\d+)?)(?:::[a-z ]+)?$|^\((-?\d+(?:\.\d+)?)\)::[a-z ]+$")


def adoption_report(conn: psycopg.Connection, settings: EngineSettings, registry: FieldTypeRegistry,
                    schema: str, name: str) -> dict:
    """The dry run of adopting ``schema.name`` (validated identifiers)."""
    table = read_catalog_table(conn, schema, name)
    return _Report(conn, settings, registry, table).build()


def _handle_problem(name: str) -> str | None:
    if len(name.encode()) > MAX_IDENTIFIER_BYTES or not IDENTIFIER_PATTERN.fullmatch(name):
        return "its name is not a valid handle (^[a-z][a-z0-9_]*$, at most 63 bytes): rename it first"
    if name in POSTGRES_SYSTEM_COLUMNS:
        return "its name is one of PostgreSQL's system columns"
    return None


def default_value(expression: str | None, field_type: str | None):
    """(value a field default can hold, or None; True when it can). ``'draft'::text`` -> "draft"."""
    if expression is None:
        return None, False
    if expression in ("true", "false"):
        return expression == "true", True
    m = _LITERAL.match(expression)
    if m is None:
        return None, False
    if m.group(1) is not None:
        return m.group(1).replace("''", "'"), True
    number = m.group(2) or m.group(3)
    return (int(number) if re.fullmatch(r"-?\d+", number) else number), True


class _Report:
    def __init__(self, conn, settings: EngineSettings, registry: FieldTypeRegistry, table: CatalogTable):
        self.conn, self.settings, self.registry, self.table = conn, settings, registry, table
        self.refusals: list[str] = []

    def _sections_by_table(self) -> dict:
        """(schema, table) -> section handle, for the engine's own sections and adopted ones."""
        rows = self.conn.execute(sql.SQL("SELECT coalesce(table_schema, %s), table_name, handle FROM {}").format(
            sql.Identifier(self.settings.system_schema, "sections")), (self.settings.content_schema,)).fetchall()
        return {(schema, table): handle for schema, table, handle in rows}

    def build(self) -> dict:
        t = self.table
        if t.kind not in ("r", "p"):
            self.refusals.append(f"{t.schema}.{t.name} is not a table (relkind {t.kind}): only tables are adopted")
        sections = self._sections_by_table()
        if (t.comment or "").startswith(SECTION_MARK) or (t.schema, t.name) in sections:
            self.refusals.append(f"{t.schema}.{t.name} is already the table of a section")
        elif t.name in sections.values():
            self.refusals.append(f"a section with the handle '{t.name}' exists already")
        if t.schema in (self.settings.system_schema, self.settings.archive_schema) and t.name in self._system_tables():
            self.refusals.append(f"{t.schema}.{t.name} is one of the content system's own tables")
        problem = _handle_problem(t.name)
        if problem:
            self.refusals.append(f"table {t.name}: {problem}")
        key = self._key()
        uniques = self._uniques()
        checks = self._checks()
        relations = self._relations(sections)
        columns = [self._column(c, key, uniques, checks, relations) for c in t.columns]
        system_columns = self._system_columns()
        return {
            "table": f"{t.schema}.{t.name}",
            "section_handle": t.name,
            "adoptable": not self.refusals,
            "refused": self.refusals,
            "changed": False,
            "key": key,
            "columns": columns,
            "system_columns": system_columns,
            "uniques": [{"name": u.name, "columns": list(u.columns), "definition": u.definition,
                         "as": "field setting is_unique" if len(u.columns) == 1 else "kept by the table"}
                        for u in t.of_kind("u")],
            "not_null": [c.name for c in t.columns if c.not_null],
            "checks": list(checks.values()),
            "defaults": {c.name: c.default for c in t.columns if c.default is not None},
            "indexes": [{"name": n, "definition": d, "unique": u, "primary": p} for n, d, u, p in t.indexes],
            "relations": list(relations.values()) + self._other_foreign_keys(),
            "needs_adopting": sorted({r["table"] for r in relations.values() if r.get("section") is None}),
            "enums": {c.name: {"type": c.base_type, "options": list(c.enum_labels)}
                      for c in t.columns if c.type_kind == "e"},
            "triggers": list(t.triggers),
        }

    def _system_tables(self) -> set:
        return {"sections", "section_fields", "section_migrations", "field_type_registry", "content_history",
                "content_history_maps"}

    # -- key -------------------------------------------------------------------------
    def _key(self) -> dict | None:
        pks = self.table.of_kind("p")
        if not pks:
            self.refusals.append("the table has no primary key: every entry needs a one-column id "
                                 "(add one, e.g. id bigint generated by default as identity)")
            return None
        pk = pks[0]
        if len(pk.columns) > 1:
            self.refusals.append(f"the primary key is composite ({', '.join(pk.columns)}): an entry needs a "
                                 "one-column id (add one and make the old key a unique constraint)")
            return None
        col = self.table.column(pk.columns[0])
        key = {"column": col.name, "type": col.type, "constraint": pk.name, "generated": _generated(col)}
        if col.name != "id":
            self.refusals.append(f"the primary key is column {col.name}: an entry's id is the column id "
                                 f"(rename {col.name} to id first)")
        if col.identity == "a":
            self.refusals.append(f"the primary key {col.name} is GENERATED ALWAYS AS IDENTITY: batch writes and "
                                 "imports give ids they draw from its sequence, which ALWAYS refuses (ALTER TABLE ... "
                                 f"ALTER COLUMN {col.name} SET GENERATED BY DEFAULT first)")
        if col.base_type not in KEY_TYPES or col.is_array or col.type_kind != "b":
            self.refusals.append(f"the primary key {col.name} is {col.type}: entry ids are uuid, bigint, "
                                 "integer or text")
        else:
            key["entry_id_type"] = KEY_TYPES[col.base_type]
        return key

    # -- constraints -----------------------------------------------------------------
    def _uniques(self) -> set:
        return {u.columns[0] for u in self.table.of_kind("u") if len(u.columns) == 1}

    def _checks(self) -> dict:
        whole = {c.name for c in self.table.columns if c.base_type in ("smallint", "integer", "bigint")}
        return {c.name: read_check(c, whole) for c in self.table.of_kind("c")}

    def _relations(self, sections: dict) -> dict:
        """column -> relation, for one-column foreign keys."""
        out = {}
        for fk in self.table.of_kind("f"):
            if len(fk.columns) != 1:
                continue
            target = f"{fk.ref_schema}.{fk.ref_table}"
            relation = {"column": fk.columns[0], "constraint": fk.name, "table": target,
                        "references": list(fk.ref_columns), "definition": fk.definition}
            if (fk.ref_schema, fk.ref_table) in sections:
                relation["section"] = sections[(fk.ref_schema, fk.ref_table)]
                relation["adopted"] = fk.ref_schema != self.settings.content_schema
            else:
                relation["section"] = None
                relation["needs_adopting"] = f"{target} is no section: adopt it first (sections adopt {target})"
            out[fk.columns[0]] = relation
        return out

    def _other_foreign_keys(self) -> list:
        return [{"columns": list(fk.columns), "constraint": fk.name, "table": f"{fk.ref_schema}.{fk.ref_table}",
                 "definition": fk.definition,
                 "kept_by_table": "a foreign key over several columns is no relation field; PostgreSQL keeps it"}
                for fk in self.table.of_kind("f") if len(fk.columns) != 1]

    # -- columns ---------------------------------------------------------------------
    def _system_columns(self) -> dict:
        out = {}
        for name in SYSTEM_TIMESTAMPS:
            col = self.table.column(name)
            if col is None:
                out[name] = "absent: adoption adds it (timestamptz, default now())"
            elif col.type == TIMESTAMPTZ:
                out[name] = "present: taken as the system column"
            else:
                out[name] = f"present as {col.type}"
                self.refusals.append(f"column {name} is {col.type}: the engine's {name} is {TIMESTAMPTZ} "
                                     f"(rename the column or change its type first)")
        return out

    def _column(self, col: CatalogColumn, key, uniques, checks, relations) -> dict:
        if key is not None and col.name == key["column"]:
            return {"column": col.name, "type": col.type, "status": "key", "as": "the entry id"}
        if col.name in SYSTEM_TIMESTAMPS and col.type == TIMESTAMPTZ:
            return {"column": col.name, "type": col.type, "status": "system", "as": f"the system column {col.name}"}
        problem = _handle_problem(col.name)
        if col.name in SYSTEM_TIMESTAMPS:
            mapping = ColumnMapping(col.name, col.type, REFUSED,
                                    reason=f"its name is the engine's system column {col.name} ({TIMESTAMPTZ})")
        elif problem:
            mapping = ColumnMapping(col.name, col.type, REFUSED, reason=problem)
        elif col.name in relations:
            mapping = self._relation(col, relations[col.name])
        else:
            mapping = map_column(col, self.registry, self._array_values(col))
            mapping = self._with_rules(col, mapping, checks)
        out = mapping.as_dict()
        if mapping.status != REFUSED:
            out["required"] = col.not_null
            out["unique"] = col.name in uniques
            value, plain = default_value(col.default, mapping.field_type)
            if plain:
                out["default_value"] = value
            elif col.default is not None:
                out["default_kept_by_table"] = col.default
        elif col.not_null and col.default is None and col.identity == "":
            self.refusals.append(f"column {col.name} is refused ({mapping.reason}) and NOT NULL without a "
                                 "default: entries written through the section could not fill it")
        return out

    def _relation(self, col: CatalogColumn, relation: dict) -> ColumnMapping:
        target_key = relation["references"]
        if target_key != ["id"]:
            return ColumnMapping(col.name, col.type, REFUSED,
                                 reason=f"its foreign key references {relation['table']}({', '.join(target_key)}), "
                                        "not that table's id: a relation links entries by id")
        key_type = self._target_key_type(relation)
        if relation["section"] is None or col.type != key_type:
            # A relation field's column has its target's key type: a column of another type
            # (or one to a table that is no section yet) stays a plain value column, and its
            # foreign key stays in the table.
            plain = map_column(col, self.registry)
            if plain.status != REFUSED:
                why = (f"{relation['table']} is no section yet" if relation["section"] is None else
                       f"the column is {col.type}, the ids of section '{relation['section']}' are {key_type}")
                note = (f"a foreign key to {relation['table']}: kept as a plain {plain.field_type} column with its "
                        f"foreign key ({why}; a relation field's column has its target's key type)")
                plain.status, plain.loss = LOSSY, f"{plain.loss}; {note}" if plain.loss else note
            relation["as"] = "a plain column; the foreign key stays in the table"
            return plain
        relation["as"] = "a relation field"
        relation["entry_id_type"] = key_type
        return ColumnMapping(col.name, col.type, MAPS, "relation", {"targetSection": relation["section"]})

    def _target_key_type(self, relation: dict) -> str | None:
        """The type of the entry ids of a foreign key's target section (None: no section)."""
        if relation["section"] is None:
            return None
        return section_key(self.conn, self.settings.system_schema, relation["section"])[1]

    def _with_rules(self, col: CatalogColumn, mapping: ColumnMapping, checks: dict) -> ColumnMapping:
        """Settings read from the column's CHECKs, where the field type accepts them."""
        if mapping.status == REFUSED:
            return mapping
        for check in checks.values():
            rule = check.get("rule")
            if rule is None or rule["column"] != col.name:
                continue
            handle = mapping.field_type
            settings = {**mapping.settings, **rule["settings"]}
            if "options" in rule["settings"] and "options" not in mapping.settings:
                handle = "select"  # a list of allowed values reads as a dropdown
                settings = {"options": rule["settings"]["options"]}
            checked = _revalidate(self.registry, mapping, handle, settings)
            if checked is None:
                check["kept_by_table"] = f"field type '{handle}' has no such settings: PostgreSQL keeps enforcing it"
                check.pop("rule", None)
                continue
            check["as"] = f"settings of field {col.name}"
            mapping = checked
        return mapping

    def _array_values(self, col: CatalogColumn) -> list | None:
        """The distinct values of a text[] column (its options), read, never written."""
        if not col.is_array:
            return None
        rows = self.conn.execute(
            sql.SQL("SELECT DISTINCT v FROM {t}, unnest({c}) AS v WHERE v IS NOT NULL ORDER BY v LIMIT {n}").format(
                t=sql.Identifier(self.table.schema, self.table.name), c=sql.Identifier(col.name),
                n=sql.Literal(MAX_ARRAY_OPTIONS + 1))).fetchall()
        values = [r[0] for r in rows]
        return values if len(values) <= MAX_ARRAY_OPTIONS else None


def _revalidate(registry, mapping: ColumnMapping, handle: str, settings: dict) -> ColumnMapping | None:
    if handle not in registry:
        return None
    ft = registry.get(handle)
    try:
        settings = ft.validate_settings(settings)
    except ValueError:
        return None
    own = ft.column_type(settings)
    loss = mapping.loss if handle == mapping.field_type else None
    if " ".join(own.lower().split()) != " ".join(mapping.type.lower().split()):
        note = f"the column stays {mapping.type} (a new '{handle}' field would make {own})"
        loss = loss if loss and note in loss else (f"{loss}; {note}" if loss else note)
    return ColumnMapping(mapping.column, mapping.type, LOSSY if loss else MAPS, handle, settings, loss=loss)


def _generated(col: CatalogColumn) -> str | None:
    if col.identity == "a":
        return "identity (always)"
    if col.identity == "d":
        return "identity (by default)"
    if col.default and col.default.startswith("nextval("):
        return "serial"
    if col.default:
        return f"default {col.default}"
    return None
