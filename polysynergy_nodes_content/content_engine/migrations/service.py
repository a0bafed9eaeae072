"""Reviewed migrations: plan and record, read; apply, resume, abort and roll back.

Planning stores one artifact: the script the reviewer reads, rendered from the very
steps apply runs, sealed with a keyed checksum over everything apply or rollback will
execute (``seal``). The work itself is in ``apply``.
"""

from __future__ import annotations

import uuid
from typing import Callable

from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.types.json import Jsonb

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ..config import ConfigStore
from ..errors import DatabaseFailure, InvalidInput, NotFound, Refused
from ..json_values import row_dict
from ..postgres import describe_holders, lock_holders, read_section, relation_oids, section_relations
from ..settings import EngineSettings
from .apply import Applier, created_indexes
from .planner import Planner
from .script import render_script
from .seal import seal, signing_key
from .steps import Operation, ordered_steps

MIGRATION_COLUMNS = (
    "id", "section_id", "version", "status", "migration_type", "description", "migration_sql", "down_sql",
    "is_destructive", "is_reversible", "warnings", "lint_report", "prechecks", "operations",
    "schema_fingerprint", "result_fingerprint", "config_version", "error_message", "generated_by",
    "applied_by", "generated_at", "applied_at", "rolled_back_at", "checksum", "progress",
)
#: What apply does with rows whose value does not convert in a type change.
CONVERT_FAILURE_CHOICES = ("refuse", "null", "default")
UNFINISHED = ("applying", "rolling_back")


def present(row: dict) -> dict:
    """A migration record as returned to callers (``sql`` is the reviewed script)."""
    out = {k: row.get(k) for k in MIGRATION_COLUMNS}
    out["sql"] = row.get("migration_sql")
    out["lint"] = row.get("lint_report")
    out["changes"] = True
    return out


class Migrations:
    def __init__(self, url: str, pool, settings: EngineSettings, registry: FieldTypeRegistry, actor: str | None = None,
                 on_change: Callable[[], None] | None = None):
        self.url = url
        self.pool = pool
        self.settings = settings
        self.registry = registry
        self.actor = actor
        self.on_change = on_change or (lambda: None)
        self.applier = Applier(self)

    def _t(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.settings.system_schema, name)

    def live(self, conn, section: dict):
        """The section's live table (found by its id comment; by the applied name as a fallback)."""
        applied = section["applied_state"]
        name = applied["section"]["table_name"] if applied else section["table_name"]
        return read_section(conn, section.get("table_schema") or self.settings.content_schema, section["id"], name)

    def record_operations(self, conn, section_ref, ops: list[Operation], migration_id: str) -> dict:
        """Record (review and seal) operations built outside the diff, in the caller's
        transaction: adopting a table in place is one such migration."""
        store = ConfigStore(conn, self.settings, self.registry)
        section = store.find_section(section_ref, lock=True)
        version = conn.execute(sql.SQL("SELECT coalesce(max(version), 0) + 1 FROM {} WHERE section_id = %s").format(
            self._t("section_migrations")), (section["id"],)).fetchone()[0]
        row = self._record(conn, section, store.snapshot(section["id"]), section["applied_state"],
                           self.live(conn, section), ops, migration_id, version)
        conn.execute(sql.SQL("UPDATE {} SET last_migration_id = %s, migration_status = 'pending' WHERE id = %s").format(
            self._t("sections")), (migration_id, section["id"]))
        return present(row)

    # -- plan ------------------------------------------------------------------------
    def plan(self, section_ref, on_convert_failure: str = "refuse") -> dict:
        if on_convert_failure not in CONVERT_FAILURE_CHOICES:
            raise InvalidInput(f"on_convert_failure must be one of {', '.join(CONVERT_FAILURE_CHOICES)}, "
                               f"not {on_convert_failure!r}", field="on_convert_failure")
        try:
            with self.pool.connection() as conn:
                # Planning reads the live table: it must not wait silently behind a held lock.
                conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(
                    sql.Literal(f"{self.settings.plan_lock_timeout_ms}ms")))
                return self._plan(conn, section_ref, on_convert_failure)
        except pg_errors.LockNotAvailable:
            raise DatabaseFailure(self._plan_lock_message(section_ref)) from None

    def plan_within(self, conn, section_ref, on_convert_failure: str = "refuse", coming_tables: dict | None = None) -> dict:
        """Plan on the caller's connection, in its transaction: a schema file plans several
        sections together (and rolls them all back for a review). ``coming_tables``: target
        handle -> table name for relation targets whose migration is applied first."""
        if on_convert_failure not in CONVERT_FAILURE_CHOICES:
            raise InvalidInput(f"on_convert_failure must be one of {', '.join(CONVERT_FAILURE_CHOICES)}, "
                               f"not {on_convert_failure!r}", field="on_convert_failure")
        return self._plan(conn, section_ref, on_convert_failure, coming_tables)

    def _plan_lock_message(self, section_ref) -> str:
        with self.pool.connection() as conn:
            # Only catalog lookups that take no lock on the table (reading its columns would wait too).
            conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(
                sql.Literal(f"{self.settings.plan_lock_timeout_ms}ms")))
            try:
                section = ConfigStore(conn, self.settings, self.registry).find_section(section_ref)
            except NotFound:
                section = None
            oids = relation_oids(conn, [sql.Identifier(self.settings.system_schema, "sections").as_string(conn)])
            if section is not None:
                oids += section_relations(conn, self.settings.content_schema, section["id"])
            holders = lock_holders(conn, oids)
        return (f"planning section '{section_ref}' could not get a lock within "
                f"{self.settings.plan_lock_timeout_ms} ms (plan_lock_timeout_ms): {describe_holders(holders)}; "
                "try again when that session has finished")

    def _plan(self, conn, section_ref, on_convert_failure: str, coming_tables: dict | None = None) -> dict:
        store = ConfigStore(conn, self.settings, self.registry)
        section = store.find_section(section_ref, lock=True)
        unfinished = conn.execute(
            sql.SQL("SELECT version, status FROM {} WHERE section_id = %s AND (status = ANY(%s) OR "
                    "(status IN ('applied', 'rolled_back') AND progress->>'phase' = 'post'))").format(
                self._t("section_migrations")), (section["id"], list(UNFINISHED)),
        ).fetchone()
        if unfinished:
            raise Refused(
                f"migration {unfinished[0]} of section '{section['handle']}' is unfinished (status {unfinished[1]}): it "
                "is running, or it was interrupted; finish it with `polysynergy-content migrations resume "
                f"{section['handle']}` or undo it with `polysynergy-content migrations abort {section['handle']}` "
                "before planning again")
        snapshot = store.snapshot(section["id"])
        applied = section["applied_state"]
        live = self.live(conn, section)
        migration_id = str(uuid.uuid4())
        planner = Planner(conn, self.settings, self.registry, migration_id)
        planner.on_convert_failure = on_convert_failure
        planner.coming_tables = coming_tables or {}
        ops = planner.plan(snapshot, applied, live)
        conn.execute(
            sql.SQL("UPDATE {} SET status = 'superseded' WHERE section_id = %s AND status IN ('generated', 'failed')").format(
                self._t("section_migrations")),
            (section["id"],),
        )
        if not ops:
            return _with_drift(self._up_to_date(conn, section, snapshot, live), section, live)
        version = conn.execute(
            sql.SQL("SELECT coalesce(max(version), 0) + 1 FROM {} WHERE section_id = %s").format(
                self._t("section_migrations")),
            (section["id"],),
        ).fetchone()[0]
        row = self._record(conn, section, snapshot, applied, live, ops, migration_id, version)
        conn.execute(
            sql.SQL("UPDATE {} SET last_migration_id = %s, migration_status = 'pending' WHERE id = %s").format(
                self._t("sections")),
            (migration_id, section["id"]),
        )
        return _with_drift(present(row), section, live)

    def _up_to_date(self, conn, section, snapshot, live) -> dict:
        # Nothing structural changed (labels, help texts...): the table already matches.
        if live.table is not None or not section["is_active"]:
            conn.execute(
                sql.SQL("UPDATE {} SET applied_state = %s, migration_status = 'migrated' WHERE id = %s").format(
                    self._t("sections")),
                (Jsonb(snapshot) if live.table is not None else None, section["id"]),
            )
        self.on_change()
        message = f"section '{section['handle']}' is up to date: nothing to migrate"
        return {
            "id": None, "version": None, "section_id": section["id"], "section_handle": section["handle"],
            "status": "up_to_date", "changes": False, "message": message, "operations": [],
            "description": message, "migration_type": None,
            "sql": render_script([f"Section {section['handle']}: nothing to migrate"], [], "up", self.settings),
            "down_sql": "", "is_destructive": False, "is_reversible": True, "warnings": [], "lint": [],
            "prechecks": [],
        }

    def _record(self, conn, section, snapshot, applied, live, ops: list[Operation], migration_id, version) -> dict:
        up_steps = ordered_steps(ops, "up")
        down_steps = ordered_steps(ops, "down")
        fingerprint = live.fingerprint(created_indexes(up_steps))
        title = [
            f"Migration {version} for section '{section['handle']}' ({section['label']})",
            f"Planned against live schema fingerprint {fingerprint[:16]}",
        ]
        up_sql = render_script(title, ops, "up", self.settings)
        down_sql = render_script([f"Rollback of migration {version} for section '{section['handle']}'"], ops, "down",
                                 self.settings)
        kinds = {op.kind for op in ops}
        migration_type = ("create_table" if "create_table" in kinds else "adopt_table" if "adopt_table" in kinds else
                          "drop_table" if "archive_table" in kinds else "alter_table")
        cur = conn.execute(
            sql.SQL(
                "INSERT INTO {} (id, section_id, migration_type, migration_sql, down_sql, description, steps, "
                "down_steps, operations, is_destructive, is_reversible, lint_report, warnings, prechecks, "
                "schema_fingerprint, from_state, to_state, config_version, version, generated_by) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING *"
            ).format(self._t("section_migrations")),
            (
                migration_id, section["id"], migration_type, up_sql, down_sql,
                "; ".join(op.description for op in ops),
                Jsonb([s.to_dict() for s in up_steps]), Jsonb([s.to_dict() for s in down_steps]),
                Jsonb([op.to_dict() for op in ops]),
                any(op.destructive for op in ops), not any(op.irreversible for op in ops),
                Jsonb([dict(operation=i + 1, **f.__dict__) for i, op in enumerate(ops) for f in op.lint]),
                Jsonb(_warnings(ops)),
                Jsonb([dict(operation=i + 1, **p.__dict__) for i, op in enumerate(ops) for p in op.prechecks]),
                fingerprint, Jsonb(applied) if applied else None, Jsonb(snapshot), snapshot["config_version"],
                version, self.actor,
            ),
        )
        row = row_dict(cur, cur.fetchone())
        # The seal is computed from the record as stored, so apply recomputes it identically.
        row["checksum"] = seal(signing_key(conn, self.settings.system_schema), row)
        conn.execute(sql.SQL("UPDATE {} SET checksum = %s WHERE id = %s").format(self._t("section_migrations")),
                     (row["checksum"], migration_id))
        return row

    # -- read ------------------------------------------------------------------------
    def get(self, migration_id, conn=None) -> dict:
        return present(self.load(migration_id, conn))

    def load(self, migration_id, conn=None, lock: bool = False) -> dict:
        try:
            uuid.UUID(str(migration_id))
        except ValueError:
            raise InvalidInput(f"migration id {migration_id!r} is not a UUID", field="migration_id") from None
        query = sql.SQL("SELECT * FROM {} WHERE id = %s").format(self._t("section_migrations"))
        if lock:
            query += sql.SQL(" FOR UPDATE")
        if conn is None:
            with self.pool.connection() as own:
                cur = own.execute(query, (str(migration_id),))
                row = cur.fetchone()
                data = row_dict(cur, row) if row else None
        else:
            cur = conn.execute(query, (str(migration_id),))
            row = cur.fetchone()
            data = row_dict(cur, row) if row else None
        if data is None:
            raise NotFound(f"migration '{migration_id}' does not exist", field="migration_id")
        return data

    def list(self, section_id=None) -> list[dict]:
        with self.pool.connection() as conn:
            query = sql.SQL(
                "SELECT m.*, s.handle AS section_handle FROM {} m JOIN {} s ON s.id = m.section_id"
            ).format(self._t("section_migrations"), self._t("sections"))
            params: tuple = ()
            if section_id is not None:
                query += sql.SQL(" WHERE m.section_id = %s")
                params = (section_id,)
            query += sql.SQL(" ORDER BY s.handle, m.version")
            cur = conn.execute(query, params)
            rows = [row_dict(cur, r) for r in cur.fetchall()]
        return [dict(present(r), section_handle=r["section_handle"]) for r in rows]

    # -- work ------------------------------------------------------------------------
    def apply(self, migration_id, confirm: bool = False) -> dict:
        """Apply a reviewed migration; an interrupted one is resumed."""
        return self.applier.apply(migration_id, confirm)

    def resume(self, migration_id) -> dict:
        """Finish an interrupted apply or rollback from its recorded progress."""
        return self.applier.resume(migration_id)

    def abort(self, migration_id) -> dict:
        """Undo an interrupted apply (or an interrupted rollback not yet committed)."""
        return self.applier.abort(migration_id)

    def rollback(self, migration_id) -> dict:
        return self.applier.rollback(migration_id)


def _with_drift(result: dict, section: dict, live) -> dict:
    """An adopted table's columns that no field, system column or kept column accounts for:
    added by another tool since (``sections adopt SCHEMA.TABLE --refresh`` takes them in)."""
    if section.get("table_schema") and live.table is not None:
        table = f"{live.table.schema}.{live.table.name}"
        result["drift"] = [{"column": c, "type": live.table.columns[c]["type"],
                            "message": f"column {table}.{c} was added outside the content system; take it into "
                                       f"the section with: sections adopt {table} --refresh"}
                           for c in live.table.unaccounted_columns()]
    return result


def _warnings(ops: list[Operation]) -> list[str]:
    out = []
    for op in ops:
        if op.destructive:
            out.append(f"DESTRUCTIVE: {op.description}")
        for finding in op.lint:
            if finding.severity in ("warning", "error"):
                out.append(f"{finding.severity.upper()} [{finding.rule}] {op.description}: {finding.message}")
    return out
