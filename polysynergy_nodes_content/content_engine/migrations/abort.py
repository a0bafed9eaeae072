"""Abort: undo an interrupted apply from its recorded progress (every undo is idempotent)."""

from __future__ import annotations

from psycopg import sql

from ..config import ConfigStore
from ..errors import DatabaseFailure, Refused
from .gate import going_up, unfinished
from .runner import BEFORE_MAIN, StepRunner, undo_steps
from .steps import Step

ABORTED = "aborted: the interrupted apply was undone"


def _steps(data: list) -> list[Step]:
    return [Step.from_dict(s) for s in data]


def abort(applier, migration_id) -> dict:
    """Undo an interrupted apply (or a rollback not yet committed); after a failed apply,
    drop what its dead connection could not (an INVALID index of a killed build)."""

    def work(conn, mig):
        applier._verify(conn, mig, "abort")
        section = ConfigStore(conn, applier.settings, applier.m.registry).find_section(mig["section_id"])
        progress = mig["progress"] or {}
        if mig["status"] == "failed":
            # Every undo of the steps before the transaction runs again (all are idempotent).
            everything = {"done": [i for i, s in enumerate(mig["steps"]) if s["phase"] in BEFORE_MAIN]}
            _undo(applier, conn, mig, everything, "steps", BEFORE_MAIN)
            applier._set_status(conn, mig["id"], "failed", mig["error_message"] or ABORTED)
        elif not unfinished(mig):
            raise Refused(f"migration {mig['version']} is {mig['status']} and finished: there is nothing to abort")
        elif going_up(mig) and progress.get("main_done"):
            _undo(applier, conn, mig, progress, "steps", ("post",))
            applier._undo_committed(conn, mig, section)
            applier._set_status(conn, mig["id"], "failed", ABORTED)
        elif going_up(mig):
            _undo(applier, conn, mig, progress, "steps", BEFORE_MAIN)
            applier._set_status(conn, mig["id"], "failed", ABORTED)
            conn.execute(sql.SQL("UPDATE {} SET migration_status = 'failed' WHERE id = %s").format(
                applier._t("sections")), (section["id"],))
        elif progress.get("main_done"):
            raise Refused(f"the rollback of migration {mig['version']} has already committed; finish it with resume")
        else:
            _undo(applier, conn, mig, progress, "down_steps", BEFORE_MAIN)
            applier._set_status(conn, mig["id"], "applied", "rollback aborted: the migration stays applied",
                                {"direction": "up", "phase": "done"})
        applier.m.on_change()
        return applier.m.get(mig["id"], conn)

    return applier._locked(migration_id, work)


def _undo(applier, conn, mig, progress: dict, which: str, phases) -> None:
    """The undo statements of the steps of ``phases`` that ran or may have run."""
    runner = StepRunner(conn, _steps(mig[which]), progress, lambda p: None)
    if not undo_steps(conn, runner.touched(phases), applier.connect):
        raise DatabaseFailure(f"aborting migration {mig['version']} failed part-way; run abort again")
