"""The planner: desired configuration against the live catalog -> ordered operations.

Identity comes from the live catalog itself: tables and columns carry comments with
the section and field ids, and generated constraints and indexes are named after the
field id. So a renamed field is a RENAME COLUMN, and anything changed out of band is
noticed. The previously applied configuration is used only for what the catalog
cannot tell: the old field type (to choose a conversion) and the old default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg
from psycopg import sql

from polysynergy_section_field.section_field_runner import Conversion, FieldType, FieldTypeRegistry

from . import names
from .catalog import LiveSection, LiveTable, section_table_of
from .errors import InvalidInput
from .identifiers import SYSTEM_COLUMNS
from .operations import Finding, Operation, Precheck, Step
from .privacy import API_ROLES, private_table_sql
from .settings import EngineSettings

# Operation order inside one migration.
ORDER_DROP_CONSTRAINT = 10
ORDER_RENAME_TABLE = 20
ORDER_RENAME_COLUMN = 25
ORDER_DROP_COLUMN = 30
ORDER_ALTER_TYPE = 40
ORDER_DEFAULT = 45
ORDER_CREATE_TABLE = 50
ORDER_ADD_COLUMN = 55
ORDER_NOT_NULL = 60
ORDER_ADD_CONSTRAINT = 70
ORDER_JUNCTION = 80
ORDER_ARCHIVE_TABLE = 90
ORDER_NOTIFY = 99
#: Rows per backfill transaction of an online type change.
BACKFILL_BATCH = 5000


@dataclass
class DesiredField:
    id: str
    handle: str
    label: str
    ft: FieldType
    settings: dict
    required: bool
    unique: bool
    default_value: object  # decoded JSON value or None
    has_default: bool

    @property
    def stores_column(self) -> bool:
        return self.ft.stores_column(self.settings)

    @property
    def column_type(self) -> str:
        return self.ft.column_type(self.settings)

    def checks(self) -> dict[str, sql.Composable]:
        """Constraint name -> expression; the name hashes the rule, not the column name."""
        result = {}
        anchors = self.ft.check_rules("__column__", self.settings)
        rules = self.ft.check_rules(self.handle, self.settings)
        for anchor, rule in zip(anchors, rules):
            result[names.check_name(self.id, rule.kind, _stable_text(anchor.expression))] = rule.expression
        return result


def _stable_text(composable: sql.Composable) -> str:
    return composable.as_string(None)


def desired_fields(snapshot: dict, registry: FieldTypeRegistry) -> list[DesiredField]:
    out = []
    for f in snapshot["fields"]:
        ft = registry.get(f["field_type_handle"])
        has_default = f.get("default_value") is not None
        out.append(
            DesiredField(
                id=f["id"], handle=f["handle"], label=f["label"], ft=ft, settings=f["field_settings"] or {},
                required=bool(f["is_required"]), unique=bool(f["is_unique"]),
                default_value=json.loads(f["default_value"]) if has_default else None, has_default=has_default,
            )
        )
    return out


class Planner:
    def __init__(
        self,
        conn: psycopg.Connection,
        settings: EngineSettings,
        registry: FieldTypeRegistry,
        migration_id: str,
    ):
        self.conn = conn
        self.settings = settings
        self.registry = registry
        self.migration_id = migration_id
        self.schema = settings.content_schema

    # -- helpers -------------------------------------------------------------------
    def r(self, composed: sql.Composable) -> str:
        return composed.as_string(self.conn)

    def table(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.schema, name)

    def count(self, query: sql.Composable) -> int:
        return self.conn.execute(query).fetchone()[0]

    def precheck(self, description: str, query: sql.Composable, blocking: bool = True) -> Precheck:
        text = self.r(query)
        return Precheck(description, text, blocking, self.conn.execute(query).fetchone()[0])

    def row_count(self, table: str) -> int:
        return self.count(sql.SQL("SELECT count(*) FROM {}").format(self.table(table)))

    def existing_roles(self, roles) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) ORDER BY rolname", (list(roles),)
        )]

    def target_table(self, field: DesiredField, section: dict) -> str:
        """Live table name of a relation's target section (must exist, or be this one)."""
        target = field.ft.foreign_key_target(field.settings)
        if target == section["handle"]:
            return section["table_name"]
        row = self.conn.execute(
            sql.SQL("SELECT id, table_name, applied_state IS NOT NULL FROM {} WHERE handle = %s").format(
                sql.Identifier(self.settings.system_schema, "sections")
            ),
            (target,),
        ).fetchone()
        if row is None:
            raise InvalidInput(f"field '{field.handle}': relation target section '{target}' does not exist", field=field.handle)
        live_name = section_table_of(self.conn, self.schema, str(row[0]))
        if live_name is None:
            raise InvalidInput(
                f"field '{field.handle}': the table of target section '{target}' does not exist yet; "
                f"apply the migration of section '{target}' first",
                field=field.handle,
            )
        return live_name

    # -- plan ----------------------------------------------------------------------
    def plan(self, snapshot: dict, applied_state: dict | None, live: LiveSection) -> list[Operation]:
        section = snapshot["section"]
        fields = desired_fields(snapshot, self.registry)
        old_fields = {f["id"]: f for f in (applied_state or {}).get("fields", [])}
        ops: list[Operation] = []
        if not section["is_active"]:
            if live.table is not None:
                ops.append(self.archive_table(section, live))
                if self.settings.notify_pgrst:
                    ops.append(self.notify_postgrest())
            return ops
        if live.table is None:
            ops.append(self.create_table(section, fields))
            table_name = section["table_name"]
        else:
            table_name = live.table.name
            if table_name != section["table_name"]:
                ops.append(self.rename_table(live.table.name, section["table_name"]))
                table_name = section["table_name"]
            ops.extend(self.alter_table(section, table_name, live.table, fields, old_fields))
        ops.extend(self.junctions(section, fields, live))
        ops.sort(key=lambda op: op.order)
        if ops and self.settings.notify_pgrst:
            ops.append(self.notify_postgrest())
        return ops

    def notify_postgrest(self) -> Operation:
        notify = "NOTIFY pgrst, 'reload schema'"
        return Operation("notify_postgrest", "Tell PostgREST (Supabase API) to reload its schema cache",
                         [Step(notify)], [Step(notify)], order=ORDER_NOTIFY)

    # -- create table ------------------------------------------------------------------
    def create_table(self, section: dict, fields: list[DesiredField]) -> Operation:
        t = self.table(section["table_name"])
        sid = section["id"]
        columns = [sql.SQL("id uuid DEFAULT gen_random_uuid() NOT NULL")]
        constraints = [sql.SQL("CONSTRAINT {} PRIMARY KEY (id)").format(sql.Identifier(names.primary_key_name(sid)))]
        after = []
        for f in fields:
            if not f.stores_column:
                continue
            col = f.ft.get_migration_sql(f.handle, f.settings, f.required)
            if f.has_default:
                col = sql.SQL("{} DEFAULT {}").format(col, f.ft.default_sql(f.default_value, f.settings))
            columns.append(col)
            if f.unique:
                constraints.append(sql.SQL("CONSTRAINT {} UNIQUE ({})").format(
                    sql.Identifier(names.unique_name(f.id)), sql.Identifier(f.handle)))
            for name, expression in f.checks().items():
                constraints.append(sql.SQL("CONSTRAINT {} CHECK ({})").format(sql.Identifier(name), expression))
            target = f.ft.foreign_key_target(f.settings)
            if target is not None:
                constraints.append(
                    sql.SQL("CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (id) ON DELETE SET NULL").format(
                        sql.Identifier(names.foreign_key_name(f.id)), sql.Identifier(f.handle),
                        self.table(self.target_table(f, section)),
                    )
                )
            method = f.ft.index_method(f.settings)
            if method is not None and not f.unique:
                after.append(sql.SQL("CREATE INDEX {} ON {} USING {} ({})").format(
                    sql.Identifier(names.index_name(f.id)), t, sql.SQL(method), sql.Identifier(f.handle)))
        columns.append(sql.SQL("created_at timestamp with time zone DEFAULT now() NOT NULL"))
        columns.append(sql.SQL("updated_at timestamp with time zone DEFAULT now() NOT NULL"))
        body = sql.SQL(",\n    ").join(columns + constraints)
        up = [Step(self.r(sql.SQL("CREATE TABLE {} (\n    {}\n)").format(t, body)))]
        up.append(Step(self.r(sql.SQL("COMMENT ON TABLE {} IS {}").format(
            t, sql.Literal(names.SECTION_MARK + str(sid))))))
        for f in fields:
            if f.stores_column:
                up.append(Step(self.r(self.column_comment(t, f))))
        for column in ("created_at", "updated_at"):
            up.append(Step(self.r(sql.SQL("CREATE INDEX {} ON {} ({})").format(
                sql.Identifier(names.system_index_name(sid, column)), t, sql.Identifier(column)))))
        up.extend(Step(self.r(s)) for s in after)
        up.extend(Step(self.r(s)) for s in self.table_extras(section["table_name"]))
        archived = names.archived_name(section["table_name"], self.migration_id)
        down = [
            Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(t, sql.Identifier(archived)))),
            Step(self.r(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                self.table(archived), sql.Identifier(self.settings.archive_schema)))),
        ]
        op = Operation(
            "create_table", f"Create table {self.schema}.{section['table_name']} for section '{section['label']}'",
            up, down, order=ORDER_CREATE_TABLE,
        )
        op.lint.append(Finding("rollback-archives-table", "info",
                               f"rolling back moves the table and its rows to schema {self.settings.archive_schema}"))
        return op

    def column_comment(self, t: sql.Identifier, f: DesiredField) -> sql.Composed:
        return sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
            t, sql.Identifier(f.handle), sql.Literal(names.FIELD_MARK + str(f.id)))

    def table_extras(self, table_name: str) -> list[sql.Composable]:
        """Trigger, grants and row level security for a new table."""
        t = self.table(table_name)
        out = [sql.SQL(
            "CREATE TRIGGER touch_updated_at BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()"
        ).format(t, sql.Identifier(self.settings.system_schema, "content_touch_updated_at"))]
        out.extend(self.grants(t))
        return out

    def grants(self, t: sql.Identifier) -> list[sql.Composable]:
        out = []
        roles = self.existing_roles(self.settings.grants)
        for role in roles:
            privileges = self.settings.grants[role]
            out.append(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(self.schema), sql.Identifier(role)))
            if privileges:
                out.append(sql.SQL("GRANT {} ON {} TO {}").format(
                    sql.SQL(", ").join(sql.SQL(p) for p in privileges), t, sql.Identifier(role)))
        if self.settings.enable_rls:
            out.append(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t))
            for role in self.existing_roles(self.settings.read_policy_roles):
                out.append(sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING (true)").format(
                    sql.Identifier(names.policy_name(role)), t, sql.Identifier(role)))
        return out

    # -- rename / archive table -----------------------------------------------------
    def rename_table(self, old: str, new: str) -> Operation:
        if self.conn.execute(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
            (self.schema, new),
        ).fetchone():
            raise InvalidInput(f"cannot rename table {old} to {new}: {self.schema}.{new} already exists", field="handle")
        op = Operation(
            "rename_table", f"Rename table {self.schema}.{old} to {new}",
            [Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(old), sql.Identifier(new))))],
            [Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(new), sql.Identifier(old))))],
            order=ORDER_RENAME_TABLE,
        )
        op.lint.append(Finding("renaming-table", "warning",
                               f"clients that use {self.schema}.{old} (PostgREST, SQL) break until updated"))
        return op

    def archive_table(self, section: dict, live: LiveSection) -> Operation:
        archive = sql.Identifier(self.settings.archive_schema)
        up, down = [], []
        tables = [live.table.name] + [j.name for j in live.junctions.values()]
        # Junction tables first: they reference the section table.
        for name in reversed(tables):
            archived = names.archived_name(name, self.migration_id)
            up.append(Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(name), sql.Identifier(archived)))))
            up.append(Step(self.r(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(self.table(archived), archive))))
        for name in tables:
            archived = names.archived_name(name, self.migration_id)
            down.append(Step(self.r(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                sql.Identifier(self.settings.archive_schema, archived), sql.Identifier(self.schema)))))
            down.append(Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(archived), sql.Identifier(name)))))
        op = Operation(
            "archive_table",
            f"Remove table {self.schema}.{live.table.name} (moved with its data to schema {self.settings.archive_schema})",
            up, down, destructive=True, order=ORDER_ARCHIVE_TABLE,
        )
        rows = self.row_count(live.table.name)
        op.prechecks.append(Precheck("rows that leave the content schema", "", False, rows))
        op.lint.append(Finding("ban-drop-table", "warning",
                               f"{rows} row(s) become unavailable to clients; rollback restores them"))
        return op

    # -- alter table -------------------------------------------------------------------
    def alter_table(self, section, table_name, live: LiveTable, fields, old_fields) -> list[Operation]:
        ops: list[Operation] = []
        populated = self.conn.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(self.table(live.name))).fetchone()[0]
        desired_ids = {f.id for f in fields if f.stores_column}
        for column, info in live.columns.items():
            comment = info["comment"] or ""
            if comment.startswith(names.FIELD_MARK) and comment[len(names.FIELD_MARK):] not in desired_ids:
                ops.append(self.drop_column(table_name, live, column, comment[len(names.FIELD_MARK):], old_fields))
        for f in fields:
            if not f.stores_column:
                continue
            column = live.column_for_field(f.id)
            if column is None:
                if f.handle in live.columns:
                    raise InvalidInput(
                        f"field '{f.handle}': column {table_name}.{f.handle} already exists and belongs to "
                        "no field of this section; rename or drop it first",
                        field=f.handle,
                    )
                ops.extend(self.add_column(section, table_name, f, populated))
            else:
                ops.extend(self.change_column(section, table_name, live, column, f, old_fields.get(f.id), populated))
        return ops

    def add_column(self, section, table_name, f: DesiredField, populated: bool) -> list[Operation]:
        t = self.table(table_name)
        col = sql.Identifier(f.handle)
        definition = sql.SQL("{} {}").format(col, sql.SQL(f.column_type))
        if f.has_default:
            definition = sql.SQL("{} DEFAULT {}").format(definition, f.ft.default_sql(f.default_value, f.settings))
        up = [Step(self.r(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(t, definition))),
              Step(self.r(self.column_comment(t, f)))]
        op = Operation("add_column", f"Add field '{f.handle}' ({f.ft.label}) as column {f.handle} {f.column_type}",
                       up, [Step(self.r(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(t, col)))],
                       order=ORDER_ADD_COLUMN)
        result = [op]
        if f.required:
            result.append(self.set_not_null(table_name, f, populated, new_column=True))
        for name, expression in f.checks().items():
            # A new column holds only NULL or its (validated) default: nothing to count yet.
            result.append(self.add_check(table_name, f, name, expression, populated, live_col=False))
        if f.unique:
            result.append(self.add_unique(table_name, f, populated, new_column=True))
        target = f.ft.foreign_key_target(f.settings)
        if target is not None:
            result.append(self.add_foreign_key(section, table_name, f, populated, new_column=True))
        if f.ft.index_method(f.settings) and not f.unique:
            result.append(self.add_index(table_name, f, new_column=True))
        return result

    def drop_column(self, table_name, live: LiveTable, column: str, field_id: str, old_fields) -> Operation:
        t = self.table(table_name)
        col = sql.Identifier(column)
        archive_name = names.archived_column_table(table_name, column, self.migration_id)
        archive = sql.Identifier(self.settings.archive_schema, archive_name)
        info = live.columns[column]
        up = [
            Step(self.r(sql.SQL("CREATE TABLE {} AS SELECT id, {} FROM {}").format(archive, col, t))),
            Step(self.r(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (id)").format(archive))),
            *(Step(self.r(s)) for s in private_table_sql(archive, self.existing_roles(API_ROLES))),
            Step(self.r(sql.SQL("COMMENT ON TABLE {} IS {}").format(archive, sql.Literal(
                f"archived column {column} of {self.schema}.{table_name} (field {field_id}) "
                f"by migration {self.migration_id}")))),
            Step(self.r(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(t, col))),
        ]
        down = [
            Step(self.r(sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(t, col, sql.SQL(info["type"])))),
            Step(self.r(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(t, col, sql.Literal(info["comment"])))),
            Step("SET LOCAL polysynergy.restoring = 'on'"),
            Step(self.r(sql.SQL("UPDATE {} AS t SET {} = a.{} FROM {} AS a WHERE a.id = t.id").format(t, col, col, archive))),
            Step("SET LOCAL polysynergy.restoring = 'off'"),
        ]
        if info["default"] is not None:
            down.append(Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                t, col, sql.SQL(info["default"])))))
        if info["not_null"]:
            down.append(Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(t, col))))
        for name, con in live.constraints.items():
            if con["columns"] == [column] and con["type"] in ("c", "u", "f"):
                down.append(Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    t, sql.Identifier(name), sql.SQL(con["definition"])))))
        constraint_names = set(live.constraints)
        for name, idx in live.indexes.items():
            if name not in constraint_names and _index_on_column(idx["definition"], column):
                down.append(Step(self.r(sql.SQL(idx["definition"]))))
        down.append(Step(self.r(sql.SQL("DROP TABLE {}").format(archive))))
        old = old_fields.get(field_id)
        label = old["handle"] if old else column
        op = Operation("drop_column", f"Remove field '{label}': drop column {column} (data archived to "
                       f"{self.settings.archive_schema}.{archive_name})", up, down, destructive=True,
                       order=ORDER_DROP_COLUMN)
        non_null = self.count(sql.SQL("SELECT count(*) FROM {} WHERE {} IS NOT NULL").format(t, col))
        op.prechecks.append(Precheck(f"rows with a value in {column} (archived, restored by rollback)", "", False, non_null))
        op.lint.append(Finding("ban-drop-column", "warning",
                               f"{non_null} value(s) leave the table; clients reading {column} break"))
        return op

    def change_column(self, section, table_name, live: LiveTable, column, f: DesiredField, old: dict | None,
                      populated: bool) -> list[Operation]:
        ops: list[Operation] = []
        t = self.table(table_name)
        info = live.columns[column]
        fid = f.id
        # Constraints that change are dropped first and added again after the type change.
        desired_checks = f.checks()
        live_checks = {n for n, c in live.constraints.items() if n.startswith(names.check_prefix(fid)) and c["type"] == "c"}
        for name in sorted(live_checks - set(desired_checks)):
            ops.append(self.drop_constraint(table_name, live, name, f"Drop rule {name} of field '{f.handle}'"))
        uq = names.unique_name(fid)
        if uq in live.constraints and not f.unique:
            ops.append(self.drop_constraint(table_name, live, uq, f"Field '{f.handle}' no longer unique"))
        fk = names.foreign_key_name(fid)
        target = f.ft.foreign_key_target(f.settings)
        target_table = self.target_table(f, section) if target is not None else None
        fk_dropped = False
        if fk in live.constraints:
            ref = (live.constraints[fk]["ref_table"] or "").split(".")[-1].strip('"')
            if target_table is None or ref != target_table:
                ops.append(self.drop_constraint(table_name, live, fk, f"Drop the relation of field '{f.handle}' to {ref}"))
                fk_dropped = True
        ix = names.index_name(fid)
        wants_index = f.ft.index_method(f.settings) is not None and not f.unique
        has_index = ix in live.indexes and live.indexes[ix]["valid"]  # an invalid build counts as missing
        if ix in live.indexes and not wants_index:
            ops.append(self.drop_index(table_name, live, ix, f))
        if column != f.handle:
            op = Operation("rename_column", f"Rename field '{column}' to '{f.handle}' (RENAME COLUMN, data kept)",
                           [Step(self.r(sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(
                               t, sql.Identifier(column), sql.Identifier(f.handle))))],
                           [Step(self.r(sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(
                               t, sql.Identifier(f.handle), sql.Identifier(column))))],
                           order=ORDER_RENAME_COLUMN)
            op.lint.append(Finding("renaming-column", "warning",
                                   f"clients that read or write '{column}' break until updated"))
            ops.append(op)
        type_changes = _norm_type(info["type"]) != _norm_type(f.column_type)
        online = None
        if type_changes:
            conversion, back, old_name = self.conversion_for(f, old)
            if (populated and conversion.rewrites and self.settings.online_type_changes
                    and column == f.handle):
                # The old column goes away with all its constraints; everything the field
                # wants is then added to the new column as for a new field.
                dropped = {n for op in ops if op.kind == "drop_constraint" for n in op.names}
                online = names.shadow_column(fid)
                ops.append(self.alter_type_online(table_name, f, live, conversion, back, old_name, dropped))
                live_checks, has_index = set(), False
            else:
                ops.append(self.alter_type(table_name, f, info["type"], conversion, back, old_name, column))
        old_default = old.get("default_value") if old else None
        new_default = json.dumps(f.default_value) if f.has_default else None
        if (old_default is not None or new_default is not None) and (
            (json.loads(old_default) if old_default else None) != (f.default_value if f.has_default else None)
            or (info["default"] is None) != (new_default is None)
        ):
            ops.append(self.change_default(table_name, f, info["default"]))
        if f.required and (not info["not_null"] or online):
            ops.append(self.set_not_null(table_name, f, populated, new_column=False, live_col=column))
        elif not f.required and info["not_null"]:
            op = Operation("drop_not_null", f"Field '{f.handle}' no longer required (DROP NOT NULL)",
                           [Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL").format(t, sql.Identifier(f.handle))))],
                           [Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(t, sql.Identifier(f.handle))))],
                           order=ORDER_NOT_NULL)
            op.lint.append(Finding("dropping-not-null", "info",
                                   "rollback fails if rows with NULL were written in the meantime"))
            ops.append(op)
        for name in sorted(set(desired_checks) - live_checks):
            # After a type change the old column cannot be checked with the new rule: the conversion count covers it.
            ops.append(self.add_check(table_name, f, name, desired_checks[name], populated,
                                      False if type_changes else column))
        if f.unique and (uq not in live.constraints or online):
            ops.append(self.add_unique(table_name, f, populated, new_column=False, live_col=column, shadow=online))
        if target_table is not None and (fk not in live.constraints or fk_dropped or online):
            ops.append(self.add_foreign_key(section, table_name, f, populated, new_column=bool(online)))
        if wants_index and not has_index:
            ops.append(self.add_index(table_name, f, new_column=False, shadow=online))
        return ops

    def drop_constraint(self, table_name, live: LiveTable, name: str, description: str) -> Operation:
        t = self.table(table_name)
        con = live.constraints[name]
        return Operation(
            "drop_constraint", description,
            [Step(self.r(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(t, sql.Identifier(name))))],
            [Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                t, sql.Identifier(name), sql.SQL(con["definition"]))))],
            order=ORDER_DROP_CONSTRAINT,
            lint=[Finding("dropping-constraint", "info", f"constraint {name} is removed")] if con["type"] == "f" else [],
            names=[name],
        )

    def drop_index(self, table_name, live: LiveTable, name: str, f: DesiredField) -> Operation:
        idx = sql.Identifier(self.schema, name)
        return Operation(
            "drop_index", f"Drop index {name} of field '{f.handle}'",
            [Step(self.r(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(idx)), phase="post")],
            [Step(self.r(sql.SQL(live.indexes[name]["definition"].replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY IF NOT EXISTS", 1))),
                  phase="post", undo=[self.r(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(idx))], index_name=name)],
            order=ORDER_DROP_CONSTRAINT,
        )

    def conversion_for(self, f: DesiredField, old: dict | None):
        """(conversion, conversion back or None, old type name) for a field's type change."""
        old_ft = self.registry.get(old["field_type_handle"]) if old and old["field_type_handle"] in self.registry else None
        old_settings = (old or {}).get("field_settings") or {}
        conversion = old_ft.conversion_to(f.ft, old_settings, f.settings) if old_ft else None
        if old_ft is not None and conversion is None:
            raise InvalidInput(
                f"field '{f.handle}': changing the type from {old_ft.handle} to {f.ft.handle} is not supported; "
                f"add a new field and copy the data instead",
                field=f.handle,
            )
        back = f.ft.conversion_to(old_ft, f.settings, old_settings) if old_ft else None
        return conversion or Conversion(), back, (old_ft.handle if old_ft else None)

    def back_using(self, f: DesiredField, back: Conversion | None, live_type: str) -> sql.Composable:
        if back is not None:
            return back.using_sql(f.handle, live_type)
        return sql.SQL("{}::text::{}").format(sql.Identifier(f.handle), sql.SQL(live_type))

    def type_change_checks(self, op: Operation, f: DesiredField, table_name: str, live_col: str,
                           conversion: Conversion, back: Conversion | None) -> None:
        """The pre-check count of values that do not convert, and the findings."""
        t = self.table(table_name)
        failure = conversion.failure_sql(live_col, f.column_type)
        if failure is not None:
            check = self.precheck(
                f"rows whose {f.handle} cannot be converted to {f.column_type}",
                sql.SQL("SELECT count(*) FROM {} WHERE {} IS NOT NULL AND ({})").format(
                    t, sql.Identifier(live_col), failure),
            )
            op.prechecks.append(check)
            if check.count:
                op.lint.append(Finding("changing-column-type", "error",
                                       f"{check.count} row(s) do not convert; the apply will fail until they are fixed"))
        if back is None:
            op.lint.append(Finding("lossy-rollback", "info",
                                   "rollback converts back with a text cast; values may not round-trip exactly"))

    def alter_type(self, table_name, f: DesiredField, live_type: str, conversion: Conversion,
                   back: Conversion | None, old_name: str | None, live_col: str) -> Operation:
        t = self.table(table_name)
        col = sql.Identifier(f.handle)
        using = conversion.using_sql(f.handle, f.column_type)
        up = [Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}").format(
            t, col, sql.SQL(f.column_type), using)))]
        down = [Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}").format(
            t, col, sql.SQL(live_type), self.back_using(f, back, live_type))))]
        op = Operation("alter_type", f"Change field '{f.handle}' from {old_name or live_type} ({live_type}) to "
                       f"{f.ft.handle} ({f.column_type})", up, down, order=ORDER_ALTER_TYPE)
        self.type_change_checks(op, f, table_name, live_col, conversion, back)
        if conversion.rewrites:
            op.lint.append(Finding("changing-column-type", "warning",
                                   "rewrites the table under an exclusive lock; writes wait for it"))
        return op

    def alter_type_online(self, table_name, f: DesiredField, live: LiveTable, conversion: Conversion,
                          back: Conversion | None, old_name: str | None, dropped: set) -> Operation:
        """A type change without a rewrite under lock.

        Before the transaction: a new column, a trigger that converts every write into
        it, and a batched backfill (each batch its own transaction). In the transaction:
        the old column is dropped and the new one renamed into its place; the field's
        constraints are added to it by the operations that follow. Rolling back converts
        the column back in place (a rewrite) and restores the old constraints."""
        t = self.table(table_name)
        col = f.handle
        info = live.columns[col]
        shadow = names.shadow_column(f.id)
        sync = names.shadow_sync_name(f.id)
        function = sql.Identifier(self.settings.system_schema, sync)
        new_value = conversion.using_expression(sql.SQL("NEW.{}").format(sql.Identifier(col)), f.column_type)
        backfill = sql.SQL(
            "WITH batch AS (SELECT id FROM {t} WHERE id > %(after)s::uuid ORDER BY id LIMIT {size}) "
            "UPDATE {t} AS x SET {shadow} = {using} FROM batch WHERE x.id = batch.id RETURNING x.id"
        ).format(t=t, shadow=sql.Identifier(shadow), using=conversion.using_sql(col, f.column_type),
                 size=sql.Literal(BACKFILL_BATCH))
        up = [
            Step(self.r(sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(t, sql.Identifier(shadow), sql.SQL(f.column_type))),
                 phase="pre", undo=[self.r(sql.SQL("ALTER TABLE {} DROP COLUMN IF EXISTS {}").format(t, sql.Identifier(shadow)))]),
            Step(self.r(sql.SQL(
                "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql "
                "SET search_path = pg_catalog, pg_temp AS $pc$ "
                "BEGIN NEW.{} := {}; RETURN NEW; END $pc$").format(function, sql.Identifier(shadow), new_value)),
                 phase="pre", undo=[self.r(sql.SQL("DROP FUNCTION IF EXISTS {}()").format(function))]),
            # UPDATE OF: the backfill (which sets only the new column) does not fire it.
            Step(self.r(sql.SQL("CREATE TRIGGER {} BEFORE INSERT OR UPDATE OF {} ON {} FOR EACH ROW EXECUTE FUNCTION {}()").format(
                sql.Identifier(sync), sql.Identifier(col), t, function)),
                 phase="pre", undo=[self.r(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(sync), t))]),
            Step(self.r(backfill), phase="pre", repeat=True),
            Step(self.r(sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(sync), t))),
            Step(self.r(sql.SQL("DROP FUNCTION {}()").format(function))),
            Step(self.r(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(t, sql.Identifier(col)))),
            Step(self.r(sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {}").format(t, sql.Identifier(shadow), sql.Identifier(col)))),
            Step(self.r(self.column_comment(t, f))),
        ]
        if f.has_default:
            up.append(Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                t, sql.Identifier(col), f.ft.default_sql(f.default_value, f.settings)))))
        ident = sql.Identifier(col)
        down = [Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}").format(
            t, ident, sql.SQL(info["type"]), self.back_using(f, back, info["type"]))))]
        down.append(Step(self.r(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(t, ident, sql.SQL(info["default"]))
            if info["default"] is not None else
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(t, ident))))
        if info["not_null"]:
            down.append(Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(t, ident))))
        for name, con in live.constraints.items():
            if con["columns"] == [col] and con["type"] in ("c", "u", "f") and name not in dropped:
                down.append(Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    t, sql.Identifier(name), sql.SQL(con["definition"])))))
        for name, idx in live.indexes.items():
            if name not in live.constraints and _index_on_column(idx["definition"], col):
                down.append(Step(self.r(sql.SQL(idx["definition"]))))
        op = Operation(
            "alter_type", f"Change field '{f.handle}' from {old_name or info['type']} ({info['type']}) to "
            f"{f.ft.handle} ({f.column_type}) online: a new column filled in batches, then swapped in",
            up, down, order=ORDER_ALTER_TYPE)
        self.type_change_checks(op, f, table_name, col, conversion, back)
        op.lint.append(Finding("changing-column-type", "info",
                               "no rewrite under lock: writers keep going while the new column is filled; "
                               "rolling back converts in place (a rewrite)"))
        return op

    def change_default(self, table_name, f: DesiredField, live_default: str | None) -> Operation:
        t = self.table(table_name)
        col = sql.Identifier(f.handle)
        if f.has_default:
            up = sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                t, col, f.ft.default_sql(f.default_value, f.settings))
        else:
            up = sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(t, col)
        if live_default is None:
            down = sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(t, col)
        else:
            down = sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(t, col, sql.SQL(live_default))
        return Operation("set_default", f"Change the default of field '{f.handle}'",
                         [Step(self.r(up))], [Step(self.r(down))], order=ORDER_DEFAULT)

    def set_not_null(self, table_name, f: DesiredField, populated: bool, new_column: bool,
                     live_col: str | None = None) -> Operation:
        t = self.table(table_name)
        col = sql.Identifier(f.handle)
        old_col = sql.Identifier(live_col or f.handle)
        guard = sql.Identifier(names.not_null_check_name(f.id))
        up = [
            Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID").format(t, guard, col))),
            Step(self.r(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(t, guard))),
            Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(t, col))),
            Step(self.r(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(t, guard))),
        ]
        down = [Step(self.r(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL").format(t, col)))]
        op = Operation("set_not_null", f"Field '{f.handle}' becomes required (SET NOT NULL, checked first)",
                       up, down, order=ORDER_NOT_NULL)
        if populated:
            if new_column and f.has_default:
                nulls = 0
            elif new_column:
                nulls = self.row_count(table_name)
            else:
                nulls = self.count(sql.SQL("SELECT count(*) FROM {} WHERE {} IS NULL").format(t, old_col))
            query = "" if new_column else self.r(sql.SQL("SELECT count(*) FROM {} WHERE {} IS NULL").format(t, old_col))
            op.prechecks.append(Precheck(f"rows where {f.handle} is NULL", query, True, nulls))
            if nulls:
                rule = "adding-required-field" if new_column else "adding-not-nullable-field"
                op.lint.append(Finding(rule, "error",
                                       f"{nulls} row(s) have no value for '{f.handle}'; give the field a default "
                                       "value or fill those rows before applying"))
        return op

    def add_check(self, table_name, f: DesiredField, name: str, expression, populated: bool,
                  live_col: str | None = None) -> Operation:
        t = self.table(table_name)
        ident = sql.Identifier(name)
        # On a populated table VALIDATE runs after the commit, in its own transaction: it only
        # takes a SHARE UPDATE EXCLUSIVE lock, so writers keep going while it scans.
        up = [Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({}) NOT VALID").format(t, ident, expression))),
              Step(self.r(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(t, ident)),
                   phase="post" if populated else "main")]
        down = [Step(self.r(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(t, ident)))]
        kind = name.split("_")[2] if name.count("_") >= 2 else "rule"
        op = Operation("add_check", f"Database rule ({kind}) for field '{f.handle}'", up, down, order=ORDER_ADD_CONSTRAINT)
        if populated and live_col is not False:
            live_expression = expression
            if live_col and live_col != f.handle:
                rules = dict(zip(f.checks(), f.ft.check_rules(live_col, f.settings)))
                live_expression = rules[name].expression
            check = self.precheck(
                f"rows that break the new {kind} rule of {f.handle}",
                sql.SQL("SELECT count(*) FROM {} WHERE NOT coalesce(({}), true)").format(t, live_expression),
            )
            op.prechecks.append(check)
            if check.count:
                op.lint.append(Finding("constraint-violation", "error",
                                       f"{check.count} row(s) break the rule; the apply will fail until they are fixed"))
        return op

    def add_unique(self, table_name, f: DesiredField, populated: bool, new_column: bool,
                   live_col: str | None = None, shadow: str | None = None) -> Operation:
        t = self.table(table_name)
        col = sql.Identifier(f.handle)
        old_col = sql.Identifier(live_col or f.handle)
        name = names.unique_name(f.id)
        ident = sql.Identifier(name)
        qualified = sql.Identifier(self.schema, name)
        if shadow:
            # Built on the new column of an online type change, renamed once the old one is gone.
            temp = names.shadow_index_name(name)
            up = [
                Step(self.r(sql.SQL("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({})").format(
                    sql.Identifier(temp), t, sql.Identifier(shadow))), phase="pre",
                     undo=[self.r(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(sql.Identifier(self.schema, temp)))],
                     index_name=temp),
                Step(self.r(sql.SQL("ALTER INDEX {} RENAME TO {}").format(sql.Identifier(self.schema, temp), ident))),
                Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}").format(t, ident, ident))),
            ]
        elif populated and not new_column:
            up = [
                Step(self.r(sql.SQL("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({})").format(ident, t, col)),
                     phase="pre", undo=[self.r(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(qualified))],
                     index_name=name),
                Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}").format(t, ident, ident))),
            ]
        else:
            up = [Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})").format(t, ident, col)))]
        down = [Step(self.r(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(t, ident)))]
        op = Operation("add_unique", f"Field '{f.handle}' becomes unique", up, down, order=ORDER_ADD_CONSTRAINT)
        if populated:
            if new_column:
                dupes = max(self.row_count(table_name) - 1, 0) if f.has_default else 0
                query = ""
            else:
                q = sql.SQL(
                    "SELECT coalesce(sum(n - 1), 0)::bigint FROM (SELECT count(*) AS n FROM {} "
                    "WHERE {} IS NOT NULL GROUP BY {} HAVING count(*) > 1) d").format(t, old_col, old_col)
                dupes = self.count(q)
                query = self.r(q)
            op.prechecks.append(Precheck(f"duplicate values in {f.handle}", query, True, dupes))
            if dupes:
                op.lint.append(Finding("disallowed-unique-constraint", "error",
                                       f"{dupes} row(s) duplicate another value; the apply will fail until they are fixed"))
        return op

    def add_foreign_key(self, section, table_name, f: DesiredField, populated: bool = False,
                        new_column: bool = True) -> Operation:
        t = self.table(table_name)
        name = sql.Identifier(names.foreign_key_name(f.id))
        target_name = self.target_table(f, section)
        target = self.table(target_name)
        up = [
            Step(self.r(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (id) ON DELETE SET NULL NOT VALID").format(
                t, name, sql.Identifier(f.handle), target))),
            Step(self.r(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(t, name)),
                 phase="post" if populated else "main"),
        ]
        down = [Step(self.r(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(t, name)))]
        op = Operation("add_foreign_key", f"Relation of field '{f.handle}' to {self.schema}.{target_name}",
                       up, down, order=ORDER_ADD_CONSTRAINT)
        if populated and not new_column:
            col = sql.Identifier(f.handle)
            check = self.precheck(
                f"rows of {f.handle} that point to no entry of {target_name}",
                sql.SQL("SELECT count(*) FROM {} AS s WHERE s.{} IS NOT NULL AND NOT EXISTS "
                        "(SELECT 1 FROM {} AS x WHERE x.id = s.{})").format(t, col, target, col),
            )
            op.prechecks.append(check)
            if check.count:
                op.lint.append(Finding("adding-foreign-key-constraint", "error",
                                       f"{check.count} row(s) point nowhere; the apply will fail until they are fixed"))
        return op

    def add_index(self, table_name, f: DesiredField, new_column: bool, shadow: str | None = None) -> Operation:
        t = self.table(table_name)
        name = names.index_name(f.id)
        qualified = sql.Identifier(self.schema, name)
        method = f.ft.index_method(f.settings)
        if shadow:
            # Built on the new column of an online type change, renamed once the old one is gone.
            temp = names.shadow_index_name(name)
            up = [Step(self.r(sql.SQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} USING {} ({})").format(
                      sql.Identifier(temp), t, sql.SQL(method), sql.Identifier(shadow))), phase="pre",
                      undo=[self.r(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(sql.Identifier(self.schema, temp)))],
                      index_name=temp),
                  Step(self.r(sql.SQL("ALTER INDEX {} RENAME TO {}").format(sql.Identifier(self.schema, temp), sql.Identifier(name))))]
            # In the transaction, so the old index can be restored under its name right after.
            down = [Step(self.r(sql.SQL("DROP INDEX IF EXISTS {}").format(qualified)))]
            return Operation("add_index", f"Index ({method}) on field '{f.handle}', built CONCURRENTLY on the new column",
                             up, down, order=ORDER_ADD_CONSTRAINT)
        up = [Step(self.r(sql.SQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} USING {} ({})").format(
            sql.Identifier(name), t, sql.SQL(method), sql.Identifier(f.handle))),
            phase="post" if new_column else "pre",
            undo=[self.r(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(qualified))], index_name=name)]
        down = [Step(self.r(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(qualified)), phase="post")]
        return Operation("add_index", f"Index ({method}) on field '{f.handle}', built CONCURRENTLY", up, down,
                         order=ORDER_ADD_CONSTRAINT)

    # -- junction tables -----------------------------------------------------------------
    def junctions(self, section, fields: list[DesiredField], live: LiveSection) -> list[Operation]:
        ops = []
        wanted = {f.id: f for f in fields if f.ft.foreign_key_target(f.settings) and not f.stores_column}
        for fid, table in live.junctions.items():
            if fid not in wanted:
                ops.append(self.archive_junction(table))
        for fid, f in wanted.items():
            name = names.junction_table_name(section["handle"], f.handle)
            existing = live.junctions.get(fid)
            if existing is None:
                ops.append(self.create_junction(section, f, name))
            elif existing.name != name:
                op = Operation("rename_table", f"Rename relation table {existing.name} to {name}",
                               [Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(existing.name), sql.Identifier(name))))],
                               [Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(name), sql.Identifier(existing.name))))],
                               order=ORDER_JUNCTION)
                op.lint.append(Finding("renaming-table", "warning", f"clients that use {existing.name} break"))
                ops.append(op)
        return ops

    def create_junction(self, section, f: DesiredField, name: str) -> Operation:
        t = self.table(name)
        source = self.table(section["table_name"])
        target = self.table(self.target_table(f, section))
        j = lambda suffix: sql.Identifier(names.junction_object_name(f.id, suffix))  # noqa: E731
        body = sql.SQL(
            "CREATE TABLE {t} (\n"
            "    id uuid DEFAULT gen_random_uuid() NOT NULL,\n"
            "    source_id uuid NOT NULL,\n"
            "    target_id uuid NOT NULL,\n"
            "    sort_order integer DEFAULT 0 NOT NULL,\n"
            "    created_at timestamp with time zone DEFAULT now() NOT NULL,\n"
            "    CONSTRAINT {pk} PRIMARY KEY (id),\n"
            "    CONSTRAINT {src} FOREIGN KEY (source_id) REFERENCES {source} (id) ON DELETE CASCADE,\n"
            "    CONSTRAINT {tgt} FOREIGN KEY (target_id) REFERENCES {target} (id) ON DELETE CASCADE,\n"
            "    CONSTRAINT {pair} UNIQUE (source_id, target_id)\n"
            ")"
        ).format(t=t, pk=j("pk"), src=j("source"), tgt=j("target"), pair=j("pair"), source=source, target=target)
        up = [Step(self.r(body)),
              Step(self.r(sql.SQL("COMMENT ON TABLE {} IS {}").format(
                  t, sql.Literal(f"{names.JUNCTION_MARK}{section['id']}:{f.id}")))),
              Step(self.r(sql.SQL("CREATE INDEX {} ON {} (target_id)").format(j("target_idx"), t))),
              # The pair key covers source_id too, but linters want an index of the key's own columns.
              Step(self.r(sql.SQL("CREATE INDEX {} ON {} (source_id)").format(j("source_idx"), t)))]
        up.extend(Step(self.r(s)) for s in self.grants(t))
        archived = names.archived_name(name, self.migration_id)
        down = [Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(t, sql.Identifier(archived)))),
                Step(self.r(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                    self.table(archived), sql.Identifier(self.settings.archive_schema))))]
        return Operation("create_junction", f"Create relation table {self.schema}.{name} for field '{f.handle}'",
                         up, down, order=ORDER_JUNCTION)

    def archive_junction(self, table: LiveTable) -> Operation:
        archived = names.archived_name(table.name, self.migration_id)
        up = [Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(table.name), sql.Identifier(archived)))),
              Step(self.r(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                  self.table(archived), sql.Identifier(self.settings.archive_schema))))]
        down = [Step(self.r(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                    sql.Identifier(self.settings.archive_schema, archived), sql.Identifier(self.schema)))),
                Step(self.r(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.table(archived), sql.Identifier(table.name))))]
        rows = self.row_count(table.name)
        op = Operation("archive_junction", f"Remove relation table {self.schema}.{table.name} (moved to "
                       f"{self.settings.archive_schema})", up, down, destructive=True, order=ORDER_DROP_COLUMN)
        op.prechecks.append(Precheck("relation links archived", "", False, rows))
        op.lint.append(Finding("ban-drop-table", "warning", f"{rows} link(s) leave the content schema; rollback restores them"))
        return op


def _norm_type(text: str) -> str:
    return " ".join(text.lower().split())


def _index_on_column(definition: str, column: str) -> bool:
    inside = definition[definition.rfind("(") + 1: definition.rfind(")")]
    return [c.strip().strip('"') for c in inside.split(",")] == [column]


__all__ = ["Planner", "DesiredField", "desired_fields", "SYSTEM_COLUMNS"]
