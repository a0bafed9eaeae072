"""Apply, resume, abort and roll back a sealed migration.

Each runs on a dedicated connection holding the section's advisory lock (so holding it
also proves that no other process is still working on the migration: a session lock
ends with its session). Every action first verifies the seal and runs nothing on a
mismatch. Progress is recorded per step; an apply interrupted anywhere (the process
killed, its connection terminated) leaves status ``applying`` (``rolling_back``) with
that progress, and the table writable: before the main transaction only idempotent,
non-blocking objects exist (a new column kept in sync by a trigger, indexes built
CONCURRENTLY); the main transaction is all or nothing; after it the table is complete.
"""

from __future__ import annotations

import time

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.types.json import Jsonb

from ..config import ConfigStore
from ..errors import DatabaseFailure, NeedsConfirmation, Refused, StaleMigration, database_message
from ..postgres import describe_holders, lock_holders, section_relations, split_url_options
from .abort import abort
from .gate import check_prechecks, unfinished
from .gate import going_up as _going_up
from .runner import Interrupted, LockTimeout, PostPhaseFailure, StepFailure, StepRunner
from .script import script_statements_in_order, session_statements
from .seal import TamperedMigration, signing_key, verify
from .steps import Step


def created_indexes(steps: list[Step]) -> frozenset:
    return frozenset(s.index_name for s in steps if s.index_name)


def _steps(data: list) -> list[Step]:
    return [Step.from_dict(s) for s in data]




class Applier:
    def __init__(self, migrations):
        self.m = migrations
        self.settings = migrations.settings

    def _t(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.settings.system_schema, name)

    # -- connection and lock -----------------------------------------------------------
    def connect(self) -> psycopg.Connection:
        url, _ = split_url_options(self.m.url)
        conn = psycopg.connect(url, autocommit=True)
        for statement in session_statements(self.settings):  # the same SETs the script starts with
            conn.execute(statement)
        return conn

    def _locked(self, migration_id, work):
        mig = self.m.load(migration_id)
        key = f"polysynergy:section:{mig['section_id']}"
        conn = self.connect()
        try:
            conn.execute("SET lock_timeout = 0")  # waiting for another apply of this section is fine
            conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
            conn.execute(session_statements(self.settings)[0])
            try:
                return work(conn, self.m.load(migration_id, conn))
            finally:
                if not conn.closed and not conn.broken:
                    conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        finally:
            conn.close()

    def _verify(self, conn, mig, action: str) -> None:
        """The seal first; then, as a second line, that every stored step is a statement of
        the stored script, in order (so even a forged seal cannot run an unreviewed step)."""
        verify(signing_key(conn, self.settings.system_schema), mig, action)
        for script, steps in ((mig["migration_sql"], mig["steps"]), (mig["down_sql"] or "", mig["down_steps"])):
            stray = script_statements_in_order(script, _steps(steps))
            if stray is not None:
                raise TamperedMigration(
                    f"migration {mig['version']} holds a step its reviewed script does not show "
                    f"({stray.splitlines()[0][:120]}); refusing to {action} it, nothing was run")

    # -- record updates ----------------------------------------------------------------
    def _save_progress(self, mig_id):
        def save(progress: dict) -> None:
            with self.m.pool.connection() as c:
                c.execute(sql.SQL("UPDATE {} SET progress = %s WHERE id = %s").format(self._t("section_migrations")),
                          (Jsonb(progress), mig_id))
        return save

    def _mark_done(self, mig_id):
        """The runner's last step for apply and rollback alike: the record says every phase ran."""
        def finish_all(c, progress: dict) -> None:
            c.execute(sql.SQL("UPDATE {} SET progress = %s WHERE id = %s").format(self._t("section_migrations")),
                      (Jsonb(dict(progress, phase="done")), mig_id))
        return finish_all

    def _set_status(self, conn, mig_id, status: str, error: str | None = None, progress: dict | None = None,
                    extra: sql.Composable = sql.SQL("")) -> None:
        conn.execute(
            sql.SQL("UPDATE {} SET status = %s, error_message = %s, progress = %s{} WHERE id = %s").format(
                self._t("section_migrations"), extra),
            (status, error, Jsonb(progress or {}), mig_id),
        )

    def _record_failure(self, mig, message: str, status: str = "failed", progress: dict | None = None) -> None:
        try:
            with self.m.pool.connection() as c:
                self._set_status(c, mig["id"], status, message, progress)
                if status == "failed":
                    c.execute(sql.SQL("UPDATE {} SET migration_status = 'failed' WHERE id = %s").format(
                        self._t("sections")), (mig["section_id"],))
        except psycopg.Error:  # pragma: no cover - the database is gone; the error is raised anyway
            pass

    def _lock_message(self, conn, mig, section, exc: StepFailure, attempts: int) -> str:
        holders = []
        if not conn.closed and not conn.broken:
            oids = section_relations(conn, self.settings.content_schema, section["id"])
            holders = lock_holders(conn, oids)
        return (f"{exc.message} (lock_timeout {self.settings.lock_timeout_ms} ms); {describe_holders(holders)}; "
                f"tried {attempts} time(s); try again when that session has finished")

    # -- apply -------------------------------------------------------------------------
    def apply(self, migration_id, confirm: bool = False) -> dict:
        attempts = max(1, self.settings.lock_retries)
        for attempt in range(1, attempts + 1):
            try:
                return self._locked(migration_id, lambda c, mig: self._apply(c, mig, confirm, attempt, attempts))
            except _RetryLock:
                time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _apply(self, conn, mig, confirm, attempt, attempts) -> dict:
        self._verify(conn, mig, "apply")
        section = ConfigStore(conn, self.settings, self.m.registry).find_section(mig["section_id"])
        try:
            if unfinished(mig) and _going_up(mig):
                return self._run_up(conn, mig, section, resume=True)
            try:
                # Reading the table (its fingerprint, the pre-check counts) waits for locks too.
                self._check_applicable(conn, mig, section, confirm)
                check_prechecks(conn, mig, self._record_failure)
            except pg_errors.LockNotAvailable:
                raise _LockFailure(LockTimeout("could not get a lock within the lock timeout while reading the "
                                               "table before the apply")) from None
            self._set_status(conn, mig["id"], "applying", None, {"direction": "up", "started_at": time.time(),
                                                                  "attempt": attempt})
            return self._run_up(conn, mig, section, resume=False)
        except _LockFailure as exc:
            message = self._lock_message(conn, mig, section, exc.failure, attempt)
            if attempt < attempts:
                self._set_status(conn, mig["id"], "failed", message)
                raise _RetryLock() from None
            self._record_failure(mig, message)
            raise DatabaseFailure(f"migration {mig['version']} could not get its locks, nothing was changed: "
                                  f"{message}") from None

    def _check_applicable(self, conn, mig, section, confirm) -> None:
        status = mig["status"]
        if status == "applied":
            raise Refused(f"migration {mig['version']} of section '{section['handle']}' is already applied")
        if status == "superseded":
            raise StaleMigration(
                f"migration {mig['version']} was superseded by a newer plan for section '{section['handle']}'; "
                "review and apply the latest migration (or generate a new one)")
        if status in ("rolled_back", "rolling_back"):
            raise StaleMigration(f"migration {mig['version']} was rolled back; generate a new migration to apply it again")
        if mig["config_version"] != section["config_version"]:
            raise StaleMigration(
                f"the configuration of section '{section['handle']}' changed after migration {mig['version']} was "
                "generated; generate a new migration and review it")
        if mig["is_destructive"] and not confirm:
            destructive = [op["description"] for op in mig["operations"] if op["destructive"]]
            raise NeedsConfirmation("this migration is destructive and needs confirm=True: " + "; ".join(destructive))
        up = _steps(mig["steps"])
        if self.m.live(conn, section).fingerprint(created_indexes(up)) != mig["schema_fingerprint"]:
            raise StaleMigration(
                f"the live table of section '{section['handle']}' changed since migration {mig['version']} was "
                "generated (altered outside the content system?); regenerate the migration and review it again")

    def _run_up(self, conn, mig, section, resume: bool) -> dict:
        runner = StepRunner(conn, _steps(mig["steps"]), mig["progress"] if resume else {"direction": "up"},
                            self._save_progress(mig["id"]), self.connect)

        def finish_main(c, progress):
            if not any(s.phase == "post" for s in runner.steps):
                progress = dict(progress, phase="done")
            c.execute(
                sql.SQL("UPDATE {} SET status = 'applied', applied_at = now(), applied_by = %s, error_message = NULL, "
                        "progress = %s WHERE id = %s").format(self._t("section_migrations")),
                (self.m.actor, Jsonb(progress), mig["id"]))
            c.execute(
                sql.SQL("UPDATE {} SET applied_state = %s, migration_status = 'migrated', last_migration_id = %s "
                        "WHERE id = %s").format(self._t("sections")),
                (Jsonb(mig["to_state"]), mig["id"], section["id"]))

        try:
            runner.run(finish_main, self._mark_done(mig["id"]))
        except Interrupted as exc:
            self.m.on_change()
            raise DatabaseFailure(
                f"migration {mig['version']} was interrupted and could not be undone now: {exc.message}; the table "
                f"stays usable; finish it with resume (or the next apply) or undo it with abort") from None
        except PostPhaseFailure as exc:
            conn = self._usable(conn)
            try:
                self._undo_committed(conn, mig, section)
            except StepFailure as undo:
                message = f"{exc.message}; undoing the migration also failed: {undo.message}"
                self._record_failure(mig, message, "applied", dict(runner.progress, phase="post"))
                raise DatabaseFailure(f"{message}; run abort again when the database is reachable") from None
            self._record_failure(mig, exc.message)
            self.m.on_change()
            raise DatabaseFailure(f"migration {mig['version']} failed and was undone: {exc.message}") from None
        except LockTimeout as exc:
            raise _LockFailure(exc) from None
        except StepFailure as exc:
            self._record_failure(mig, exc.message)
            raise DatabaseFailure(f"migration {mig['version']} failed, nothing was changed: {exc.message}") from None
        self._store_result_fingerprint(conn, mig, section)
        self.m.on_change()
        return self.m.get(mig["id"], conn)

    def _usable(self, conn):
        if conn.closed or conn.broken:
            conn.close()
            return self.connect()
        return conn

    def _undo_committed(self, conn, mig, section) -> None:
        """Take back an apply whose main transaction committed: the down steps, in full."""
        def reset(c, progress):
            self._set_status(c, mig["id"], "failed", None, {}, sql.SQL(", applied_at = NULL"))
            c.execute(sql.SQL("UPDATE {} SET applied_state = %s, migration_status = 'failed' WHERE id = %s").format(
                self._t("sections")), (Jsonb(mig["from_state"]) if mig["from_state"] else None, section["id"]))

        StepRunner(conn, _steps(mig["down_steps"]), {"direction": "undo"}, lambda p: None, self.connect).run(reset)

    def _store_result_fingerprint(self, conn, mig, section) -> None:
        section = ConfigStore(conn, self.settings, self.m.registry).find_section(section["id"])
        conn.execute(
            sql.SQL("UPDATE {} SET result_fingerprint = %s WHERE id = %s").format(self._t("section_migrations")),
            (self.m.live(conn, section).fingerprint(), mig["id"]))

    # -- resume / abort ----------------------------------------------------------------
    def resume(self, migration_id) -> dict:
        def work(conn, mig):
            self._verify(conn, mig, "resume")
            section = ConfigStore(conn, self.settings, self.m.registry).find_section(mig["section_id"])
            if not unfinished(mig):
                raise Refused(f"migration {mig['version']} is {mig['status']} and finished: there is nothing to resume")
            if _going_up(mig):
                return self._run_up(conn, mig, section, resume=True)
            return self._run_down(conn, mig, section, resume=True)
        return self._locked(migration_id, work)

    def abort(self, migration_id) -> dict:
        return abort(self, migration_id)

    # -- rollback ----------------------------------------------------------------------
    def rollback(self, migration_id) -> dict:
        return _forget_if_adopted(self.m, self._locked(migration_id, self._rollback))

    def _rollback(self, conn, mig) -> dict:
        self._verify(conn, mig, "roll back")
        section = ConfigStore(conn, self.settings, self.m.registry).find_section(mig["section_id"])
        if unfinished(mig) and not _going_up(mig):
            return self._run_down(conn, mig, section, resume=True)
        if unfinished(mig):
            raise Refused(f"migration {mig['version']} was interrupted while being applied: finish it with resume, "
                          "or undo it with abort (instead of a rollback)")
        if mig["status"] != "applied":
            raise Refused(f"only an applied migration can be rolled back; migration {mig['version']} is {mig['status']}")
        latest = conn.execute(
            sql.SQL("SELECT id, version FROM {} WHERE section_id = %s AND status IN ('applied', 'applying') "
                    "ORDER BY applied_at DESC, version DESC LIMIT 1").format(self._t("section_migrations")),
            (section["id"],),
        ).fetchone()
        if str(latest[0]) != mig["id"]:
            raise Refused(
                f"only the latest applied migration of section '{section['handle']}' can be rolled back: roll back "
                f"migration {latest[1]} ({latest[0]}) first")
        if not mig["is_reversible"]:
            raise Refused(f"migration {mig['version']} is irreversible")
        down = _steps(mig["down_steps"])
        try:
            live = self.m.live(conn, section)
        except pg_errors.LockNotAvailable:
            failure = LockTimeout("could not get a lock within the lock timeout while reading the table")
            raise DatabaseFailure(f"rollback of migration {mig['version']} did not start: "
                                  f"{self._lock_message(conn, mig, section, failure, 1)}") from None
        if mig["result_fingerprint"] and live.fingerprint(created_indexes(down)) != mig["result_fingerprint"]:
            raise StaleMigration(
                f"the live table of section '{section['handle']}' changed since migration {mig['version']} was "
                "applied; rolling back could lose those changes, so it was refused")
        self._set_status(conn, mig["id"], "rolling_back", None, {"direction": "down", "started_at": time.time()})
        return self._run_down(conn, mig, section, resume=False)

    def _run_down(self, conn, mig, section, resume: bool) -> dict:
        runner = StepRunner(conn, _steps(mig["down_steps"]), mig["progress"] if resume else {"direction": "down"},
                            self._save_progress(mig["id"]), self.connect)

        def finish_main(c, progress):
            restore = ConfigStore(c, self.settings, self.m.registry)
            if mig["from_state"] is not None:
                restore.restore_fields(section["id"], mig["from_state"])
            if not any(s.phase == "post" for s in runner.steps):
                progress = dict(progress, phase="done")
            self._set_status(c, mig["id"], "rolled_back", None, progress, sql.SQL(", rolled_back_at = now()"))
            c.execute(sql.SQL("UPDATE {} SET status = 'superseded' WHERE section_id = %s AND status IN "
                              "('generated', 'failed')").format(self._t("section_migrations")), (section["id"],))
            restore.bump(section["id"])
            state = restore.snapshot(section["id"]) if mig["from_state"] is not None else None
            c.execute(sql.SQL("UPDATE {} SET applied_state = %s, migration_status = %s WHERE id = %s").format(
                self._t("sections")), (Jsonb(state) if state else None, "migrated" if state else "pending", section["id"]))

        try:
            runner.run(finish_main, self._mark_done(mig["id"]))
        except Interrupted as exc:
            raise DatabaseFailure(f"rollback of migration {mig['version']} was interrupted: {exc.message}; finish it "
                                  "with resume or undo it with abort") from None
        except PostPhaseFailure as exc:
            self._record_failure(mig, exc.message, "rolled_back", dict(runner.progress, phase="post"))
            raise DatabaseFailure(
                f"rollback of migration {mig['version']} committed but cleaning up an index failed: {exc.message}; "
                "finish it with resume") from None
        except StepFailure as exc:
            conn = self._usable(conn)
            message = self._lock_message(conn, mig, section, exc, 1) if isinstance(exc, LockTimeout) else exc.message
            self._set_status(conn, mig["id"], "applied", message, {"direction": "up", "phase": "done"})
            raise DatabaseFailure(f"rollback of migration {mig['version']} failed, nothing was changed: "
                                  f"{message}") from None
        self.m.on_change()
        return self.m.get(mig["id"], conn)


def _forget_if_adopted(migrations, result: dict) -> dict:
    """The table of a rolled-back adoption is back as it was made elsewhere: the section
    that adopted it is forgotten (its configuration and migration records)."""
    if result["migration_type"] != "adopt_table" or result["status"] != "rolled_back":
        return result
    with migrations.pool.connection() as conn:
        ConfigStore(conn, migrations.settings, migrations.registry).delete_section_config(result["section_id"])
    migrations.on_change()
    return dict(result, section_forgotten=True)


class _LockFailure(Exception):
    def __init__(self, failure: StepFailure):
        super().__init__(failure.message)
        self.failure = failure


class _RetryLock(Exception):
    pass


__all__ = ["Applier", "created_indexes", "database_message"]
