"""Reviewed migrations: plan and record, apply, roll back.

Apply and rollback run on a dedicated connection holding a per-section advisory
lock, with ``lock_timeout`` and ``statement_timeout`` set. Everything runs in one
transaction except CONCURRENTLY index work, which runs before or after it and is
compensated if anything fails, so a failed apply leaves table and configuration as
they were.
"""

from __future__ import annotations

import time
import uuid
from typing import Callable

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.types.json import Jsonb

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from .catalog import read_section
from .config_store import ConfigStore
from .database import split_url_options
from .errors import (DatabaseFailure, InvalidInput, NeedsConfirmation, NotFound, Refused, StaleMigration,
                     database_message)
from .operations import Operation, Step, ordered_steps, render_script
from .planner import Planner
from .records import row_dict
from .settings import EngineSettings

MIGRATION_COLUMNS = (
    "id", "section_id", "version", "status", "migration_type", "description", "migration_sql", "down_sql",
    "is_destructive", "is_reversible", "warnings", "lint_report", "prechecks", "operations",
    "schema_fingerprint", "result_fingerprint", "config_version", "error_message", "generated_by",
    "applied_by", "generated_at", "applied_at", "rolled_back_at",
)


def present(row: dict) -> dict:
    """A migration record as returned to callers (``sql`` is the reviewed script)."""
    out = {k: row.get(k) for k in MIGRATION_COLUMNS}
    out["sql"] = row.get("migration_sql")
    out["lint"] = row.get("lint_report")
    return out


def _created_indexes(steps: list[Step]) -> frozenset:
    return frozenset(s.index_name for s in steps if s.index_name)


class Migrations:
    def __init__(self, url: str, pool, settings: EngineSettings, registry: FieldTypeRegistry, actor: str | None = None,
                 on_change: Callable[[], None] | None = None):
        self.url = url
        self.pool = pool
        self.settings = settings
        self.registry = registry
        self.actor = actor
        self.on_change = on_change or (lambda: None)

    def _t(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.settings.system_schema, name)

    def _live(self, conn, section: dict):
        """The section's live table (found by its id comment; by the applied name as a fallback)."""
        applied = section["applied_state"]
        name = applied["section"]["table_name"] if applied else section["table_name"]
        return read_section(conn, self.settings.content_schema, section["id"], name)

    # -- plan ------------------------------------------------------------------------
    def plan(self, section_ref) -> dict:
        with self.pool.connection() as conn:
            store = ConfigStore(conn, self.settings, self.registry)
            section = store.find_section(section_ref, lock=True)
            snapshot = store.snapshot(section["id"])
            applied = section["applied_state"]
            live = self._live(conn, section)
            migration_id = str(uuid.uuid4())
            ops = Planner(conn, self.settings, self.registry, migration_id).plan(snapshot, applied, live)
            conn.execute(
                sql.SQL("UPDATE {} SET status = 'superseded' WHERE section_id = %s AND status IN ('generated', 'failed')").format(
                    self._t("section_migrations")),
                (section["id"],),
            )
            if not ops:
                # Nothing structural changed (labels, help texts...): the table already matches.
                if live.table is not None or not section["is_active"]:
                    conn.execute(
                        sql.SQL("UPDATE {} SET applied_state = %s, migration_status = 'migrated' WHERE id = %s").format(
                            self._t("sections")),
                        (Jsonb(snapshot) if live.table is not None else None, section["id"]),
                    )
                self.on_change()
                return {
                    "id": None, "section_id": section["id"], "status": "up_to_date", "operations": [],
                    "sql": render_script([f"Section {section['handle']}: nothing to migrate"], [], "up", self.settings),
                    "down_sql": "", "is_destructive": False, "is_reversible": True, "warnings": [], "lint": [],
                    "prechecks": [],
                }
            version = conn.execute(
                sql.SQL("SELECT coalesce(max(version), 0) + 1 FROM {} WHERE section_id = %s").format(
                    self._t("section_migrations")),
                (section["id"],),
            ).fetchone()[0]
            up_steps = ordered_steps(ops, "up")
            down_steps = ordered_steps(ops, "down")
            fingerprint = live.fingerprint(_created_indexes(up_steps))
            title = [
                f"Migration {version} for section '{section['handle']}' ({section['label']})",
                f"Planned against live schema fingerprint {fingerprint[:16]}",
            ]
            up_sql = render_script(title, ops, "up", self.settings)
            down_sql = render_script([f"Rollback of migration {version} for section '{section['handle']}'"], ops, "down",
                                     self.settings)
            warnings = _warnings(ops)
            kinds = {op.kind for op in ops}
            migration_type = ("create_table" if "create_table" in kinds else
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
                    Jsonb(warnings),
                    Jsonb([dict(operation=i + 1, **p.__dict__) for i, op in enumerate(ops) for p in op.prechecks]),
                    fingerprint, Jsonb(applied) if applied else None, Jsonb(snapshot), snapshot["config_version"],
                    version, self.actor,
                ),
            )
            row = row_dict(cur, cur.fetchone())
            conn.execute(
                sql.SQL("UPDATE {} SET last_migration_id = %s, migration_status = 'pending' WHERE id = %s").format(
                    self._t("sections")),
                (migration_id, section["id"]),
            )
            return present(row)

    # -- read ------------------------------------------------------------------------
    def get(self, migration_id, conn=None) -> dict:
        return present(self._load(migration_id, conn))

    def _load(self, migration_id, conn=None, lock: bool = False) -> dict:
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

    # -- apply -----------------------------------------------------------------------
    def apply(self, migration_id, confirm: bool = False) -> dict:
        attempts = max(1, self.settings.lock_retries)
        for attempt in range(1, attempts + 1):
            try:
                return self._apply_once(migration_id, confirm)
            except _LockTimeout as exc:
                if attempt == attempts:
                    self._record_failure(migration_id, exc.message)
                    raise DatabaseFailure(exc.message) from None
                time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

    def _connect(self) -> psycopg.Connection:
        url, _ = split_url_options(self.url)
        conn = psycopg.connect(url, autocommit=True)
        conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{self.settings.lock_timeout_ms}ms")))
        conn.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(f"{self.settings.statement_timeout_ms}ms")))
        conn.execute("SET application_name = 'polysynergy-content-migrate'")
        return conn

    def _section_lock(self, conn, section_id) -> None:
        conn.execute("SET lock_timeout = 0")  # waiting for another apply of this section is fine
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (f"polysynergy:section:{section_id}",))
        conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{self.settings.lock_timeout_ms}ms")))

    def _section_unlock(self, conn, section_id) -> None:
        conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (f"polysynergy:section:{section_id}",))

    def _apply_once(self, migration_id, confirm: bool) -> dict:
        mig = self._load(migration_id)
        conn = self._connect()
        try:
            self._section_lock(conn, mig["section_id"])
            try:
                return self._apply_locked(conn, migration_id, confirm)
            finally:
                if not conn.closed and not conn.broken:
                    self._section_unlock(conn, mig["section_id"])
        finally:
            conn.close()

    def _apply_locked(self, conn, migration_id, confirm: bool) -> dict:
        original = conn
        mig = self._load(migration_id, conn)
        store = ConfigStore(conn, self.settings, self.registry)
        section = store.find_section(mig["section_id"])
        status = mig["status"]
        if status == "applied":
            raise Refused(f"migration {mig['version']} of section '{section['handle']}' is already applied")
        if status == "superseded":
            raise StaleMigration(
                f"migration {mig['version']} was superseded by a newer plan for section '{section['handle']}'; "
                "review and apply the latest migration (or generate a new one)")
        if status == "rolled_back":
            raise StaleMigration(f"migration {mig['version']} was rolled back; generate a new migration to apply it again")
        if mig["config_version"] != section["config_version"]:
            raise StaleMigration(
                f"the configuration of section '{section['handle']}' changed after migration {mig['version']} was "
                "generated; generate a new migration and review it")
        if mig["is_destructive"] and not confirm:
            destructive = [op["description"] for op in mig["operations"] if op["destructive"]]
            raise NeedsConfirmation(
                "this migration is destructive and needs confirm=True: " + "; ".join(destructive))
        up = [Step.from_dict(s) for s in mig["steps"]]
        live = self._live(conn, section)
        if live.fingerprint(_created_indexes(up)) != mig["schema_fingerprint"]:
            raise StaleMigration(
                f"the live table of section '{section['handle']}' changed since migration {mig['version']} was "
                "generated (altered outside the content system?); regenerate the migration and review it again")

        def finish(c):
            c.execute(
                sql.SQL("UPDATE {} SET status = 'applied', applied_at = now(), applied_by = %s, error_message = NULL "
                        "WHERE id = %s").format(self._t("section_migrations")),
                (self.actor, mig["id"]),
            )
            c.execute(
                sql.SQL("UPDATE {} SET applied_state = %s, migration_status = 'migrated', last_migration_id = %s "
                        "WHERE id = %s").format(self._t("sections")),
                (Jsonb(mig["to_state"]), mig["id"], section["id"]),
            )

        try:
            run_steps(conn, up, finish, self._connect)
        except _PostPhaseFailure as exc:
            # The transaction committed but work after it failed: undo it all, on a fresh
            # connection if this one was killed.
            down = [Step.from_dict(s) for s in mig["down_steps"]]
            if conn.closed or conn.broken:
                conn.close()
                conn = self._connect()
            try:
                run_steps(conn, down, lambda c: self._reset_after_failure(c, mig, section), self._connect)
            except Exception as undo_exc:  # pragma: no cover - double fault
                undo_error = database_message(undo_exc, with_detail=True)
                message = f"{exc.message}; undoing the migration also failed: {undo_error}"
                self._record_failure(mig["id"], message, None, force=True)
                raise DatabaseFailure(message) from None
            finally:
                if conn is not original:
                    conn.close()
            self._record_failure(mig["id"], exc.message)
            self.on_change()
            raise DatabaseFailure(f"migration {mig['version']} failed and was undone: {exc.message}") from None
        except _LockTimeout:
            raise
        except _StepFailure as exc:
            self._record_failure(mig["id"], exc.message, conn)
            raise DatabaseFailure(f"migration {mig['version']} failed, nothing was changed: {exc.message}") from None
        self._store_result_fingerprint(conn, mig, section)
        self.on_change()
        return self.get(mig["id"], conn)

    def _reset_after_failure(self, c, mig, section) -> None:
        c.execute(
            sql.SQL("UPDATE {} SET status = 'failed', applied_at = NULL WHERE id = %s").format(
                self._t("section_migrations")),
            (mig["id"],),
        )
        c.execute(
            sql.SQL("UPDATE {} SET applied_state = %s, migration_status = 'failed' WHERE id = %s").format(self._t("sections")),
            (Jsonb(mig["from_state"]) if mig["from_state"] else None, section["id"]),
        )

    def _store_result_fingerprint(self, conn, mig, section) -> None:
        section = ConfigStore(conn, self.settings, self.registry).find_section(section["id"])
        live = self._live(conn, section)
        conn.execute(
            sql.SQL("UPDATE {} SET result_fingerprint = %s WHERE id = %s").format(self._t("section_migrations")),
            (live.fingerprint(), mig["id"]),
        )

    def _record_failure(self, migration_id, message: str, conn=None, force: bool = False) -> None:
        """Mark a migration failed with its error (``force`` also overrides 'applied')."""
        statuses = ["generated", "failed"] + (["applied"] if force else [])

        def write(c):
            c.execute(
                sql.SQL("UPDATE {} SET status = 'failed', error_message = %s WHERE id = %s AND status = ANY(%s)").format(
                    self._t("section_migrations")),
                (message, str(migration_id), statuses),
            )
            c.execute(
                sql.SQL("UPDATE {} s SET migration_status = 'failed' FROM {} m WHERE m.id = %s AND s.id = m.section_id "
                        "AND m.status = 'failed'").format(self._t("sections"), self._t("section_migrations")),
                (str(migration_id),),
            )

        try:
            if conn is not None and not conn.closed and not conn.broken:
                with conn.transaction():
                    write(conn)
            else:
                with self.pool.connection() as c:
                    write(c)
        except psycopg.Error:  # pragma: no cover - the database is gone; the error is raised anyway
            pass

    # -- rollback --------------------------------------------------------------------
    def rollback(self, migration_id) -> dict:
        mig = self._load(migration_id)
        conn = self._connect()
        try:
            self._section_lock(conn, mig["section_id"])
            try:
                return self._rollback_locked(conn, migration_id)
            finally:
                if not conn.closed and not conn.broken:
                    self._section_unlock(conn, mig["section_id"])
        finally:
            conn.close()

    def _rollback_locked(self, conn, migration_id) -> dict:
        mig = self._load(migration_id, conn)
        store = ConfigStore(conn, self.settings, self.registry)
        section = store.find_section(mig["section_id"])
        if mig["status"] != "applied":
            raise Refused(f"only an applied migration can be rolled back; migration {mig['version']} is {mig['status']}")
        latest = conn.execute(
            sql.SQL("SELECT id, version FROM {} WHERE section_id = %s AND status = 'applied' "
                    "ORDER BY applied_at DESC, version DESC LIMIT 1").format(self._t("section_migrations")),
            (section["id"],),
        ).fetchone()
        if str(latest[0]) != mig["id"]:
            raise Refused(
                f"only the latest applied migration of section '{section['handle']}' can be rolled back: roll back "
                f"migration {latest[1]} ({latest[0]}) first")
        if not mig["is_reversible"]:
            raise Refused(f"migration {mig['version']} is irreversible")
        down = [Step.from_dict(s) for s in mig["down_steps"]]
        live = self._live(conn, section)
        if mig["result_fingerprint"] and live.fingerprint(_created_indexes(down)) != mig["result_fingerprint"]:
            raise StaleMigration(
                f"the live table of section '{section['handle']}' changed since migration {mig['version']} was "
                "applied; rolling back could lose those changes, so it was refused")

        def finish(c):
            restore = ConfigStore(c, self.settings, self.registry)
            if mig["from_state"] is not None:
                restore.restore_fields(section["id"], mig["from_state"])
            c.execute(
                sql.SQL("UPDATE {} SET status = 'rolled_back', rolled_back_at = now() WHERE id = %s").format(
                    self._t("section_migrations")), (mig["id"],))
            c.execute(
                sql.SQL("UPDATE {} SET status = 'superseded' WHERE section_id = %s AND status IN ('generated', 'failed')").format(
                    self._t("section_migrations")), (section["id"],))
            restore.bump(section["id"])
            state = restore.snapshot(section["id"]) if mig["from_state"] is not None else None
            c.execute(
                sql.SQL("UPDATE {} SET applied_state = %s, migration_status = %s WHERE id = %s").format(self._t("sections")),
                (Jsonb(state) if state else None, "migrated" if state else "pending", section["id"]),
            )

        try:
            run_steps(conn, down, finish, self._connect)
        except (_StepFailure, _LockTimeout) as exc:
            raise DatabaseFailure(f"rollback of migration {mig['version']} failed, nothing was changed: {exc.message}") from None
        except _PostPhaseFailure as exc:
            raise DatabaseFailure(
                f"rollback of migration {mig['version']} was applied but cleaning up an index failed: {exc.message}; "
                "plan the section again to repair it") from None
        self.on_change()
        return self.get(mig["id"], conn)


# -- executing steps -----------------------------------------------------------------------
class _StepFailure(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _LockTimeout(_StepFailure):
    pass


class _PostPhaseFailure(_StepFailure):
    pass


def _fail(exc: Exception, statement: str, post: bool = False):
    first_line = (statement.strip().splitlines() or ["the migration"])[0][:200]
    if isinstance(exc, pg_errors.LockNotAvailable):
        return _LockTimeout(
            f"could not get a lock within the lock timeout while running: {first_line} "
            "(another transaction is using the table; try again later)")
    if isinstance(exc, pg_errors.QueryCanceled):
        message = f"statement timeout while running: {first_line}"
    else:
        message = f"{database_message(exc, with_detail=True)} (while running: {first_line})"
    return _PostPhaseFailure(message) if post else _StepFailure(message)


def _run_concurrent(conn, step: Step) -> None:
    if step.index_name:
        invalid = conn.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = %s AND NOT i.indisvalid",
            (step.index_name,),
        ).fetchone()
        if invalid:  # a CONCURRENTLY build that died earlier leaves an invalid index behind
            conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(sql.Identifier(invalid[0], step.index_name)))
    if step.repeat:
        _run_batches(conn, step)
        return
    conn.execute(step.sql)


BATCH_START = "00000000-0000-0000-0000-000000000000"


def _run_batches(conn, step: Step) -> None:
    """A backfill: one short transaction per batch, so writers never wait long."""
    after = BATCH_START
    while True:
        with conn.transaction():
            conn.execute("SET LOCAL polysynergy.restoring = 'on'")  # a backfill is not an edit
            done = [r[0] for r in conn.execute(step.sql, {"after": after}).fetchall()]
        if not done:
            return
        after = max(done)


def _undo(conn, done: list[Step], reconnect: Callable | None = None) -> None:
    """Undo the non-transactional steps that ran, on a fresh connection if this one died
    (a leftover sync trigger of an online type change must not outlive a failed apply)."""
    own = None
    if conn.closed or conn.broken:
        # An index build that died leaves at most an INVALID index, harmless to writers and
        # dropped by the retry; dropping it now would wait for every open transaction.
        done = [step for step in done if not step.index_name]
        if reconnect is None or not any(step.undo for step in done):
            return
        try:
            conn = own = reconnect()
        except psycopg.Error:  # pragma: no cover - the server is gone
            return
    try:
        for step in reversed(done):
            for statement in step.undo:
                try:
                    conn.execute(statement)
                except psycopg.Error:  # pragma: no cover - best effort; the rest is still undone
                    pass
    finally:
        if own is not None:
            own.close()


def run_steps(conn: psycopg.Connection, steps: list[Step], finish: Callable, reconnect: Callable | None = None) -> None:
    """Run pre steps, the main transaction (ending with ``finish``), then post steps.

    On failure before or inside the transaction the completed pre steps are undone.
    A post-phase failure raises _PostPhaseFailure after undoing the post steps that ran;
    the caller then undoes the committed transaction with the down steps.
    """
    pre = [s for s in steps if s.phase == "pre"]
    main = [s for s in steps if s.phase == "main"]
    post = [s for s in steps if s.phase == "post"]
    done: list[Step] = []
    for step in pre:
        try:
            _run_concurrent(conn, step)
        except psycopg.Error as exc:
            failure = _fail(exc, step.sql)
            _undo(conn, done + [step], reconnect)
            raise failure from None
        done.append(step)
    current = None
    try:
        with conn.transaction():
            for step in main:
                current = step.sql
                conn.execute(step.sql)
            current = "the status update"
            finish(conn)
    except psycopg.Error as exc:
        failure = _fail(exc, current or "")
        _undo(conn, done, reconnect)
        raise failure from None
    done_post: list[Step] = []
    for step in post:
        try:
            _run_concurrent(conn, step)
        except psycopg.Error as exc:
            failure = _fail(exc, step.sql, post=True)
            _undo(conn, done_post + [step], reconnect)
            if isinstance(failure, _LockTimeout):
                failure = _PostPhaseFailure(failure.message)
            raise failure from None
        done_post.append(step)


def _warnings(ops: list[Operation]) -> list[str]:
    out = []
    for op in ops:
        if op.destructive:
            out.append(f"DESTRUCTIVE: {op.description}")
        for finding in op.lint:
            if finding.severity in ("warning", "error"):
                out.append(f"{finding.severity.upper()} [{finding.rule}] {op.description}: {finding.message}")
    return out
