"""Checks before a migration runs: is it unfinished, and do its blocking pre-checks pass."""

from __future__ import annotations

from typing import Callable

from ..errors import Refused


class PrecheckFailed(Refused):
    """A blocking pre-check counted rows the migration cannot handle; nothing ran. A refusal
    (exit 3 in the CLI), not a database error: the database did nothing wrong, the data
    does not fit the migration yet."""


def unfinished(mig: dict) -> bool:
    """Started and not finished: interrupted before its main transaction committed
    (status applying / rolling_back), or after it, with post steps left (progress phase
    'post')."""
    return mig["status"] in ("applying", "rolling_back") or (
        mig["status"] in ("applied", "rolled_back") and (mig.get("progress") or {}).get("phase") == "post")


def going_up(mig: dict) -> bool:
    """The unfinished work is an apply (not a rollback)."""
    return mig["status"] in ("applying", "applied")


def check_prechecks(conn, mig, record_failure: Callable) -> None:
    """Blocking pre-checks run again up front: the apply refuses before changing anything,
    with the count and a few sample values."""
    for check in mig["prechecks"] or []:
        if not check.get("blocking") or not check.get("query"):
            continue
        count = conn.execute(check["query"]).fetchone()[0]
        if not count:
            continue
        samples = []
        if check.get("sample_query"):
            samples = [str(r[0]) for r in conn.execute(check["sample_query"]).fetchall()]
        example = f"; for example: {', '.join(repr(s) for s in samples)}" if samples else ""
        hint = check.get("hint") or "fix those rows first"
        ops = mig["operations"] or []
        number = check.get("operation") or 0
        step = ""
        if 0 < number <= len(ops) and ops[number - 1]["up"]:
            step = f" (it blocks step [{number}]: {ops[number - 1]['up'][0].splitlines()[0][:160]})"
        message = f"{count} row(s) {check['description']}{example}{step}; {hint}"
        record_failure(mig, message)
        raise PrecheckFailed(f"migration {mig['version']} was refused before it started, nothing was changed: "
                             f"{message}")
