"""The migration review descriptor: what a person must see before pressing Apply."""

from __future__ import annotations

import hashlib

#: The lock each operation kind takes on the section's table, for records whose
#: operations do not declare one (``lock`` on the operation wins when present).
INFERRED_LOCKS = {
    "create_table": "ACCESS EXCLUSIVE (new table, nobody waits)",
    "create_junction": "ACCESS EXCLUSIVE (new table, nobody waits)",
    "add_column": "ACCESS EXCLUSIVE (brief: catalog only)",
    "drop_column": "ACCESS EXCLUSIVE (brief: catalog only)",
    "rename_column": "ACCESS EXCLUSIVE (brief: catalog only)",
    "rename_table": "ACCESS EXCLUSIVE (brief: catalog only)",
    "set_default": "ACCESS EXCLUSIVE (brief: catalog only)",
    "drop_not_null": "ACCESS EXCLUSIVE (brief: catalog only)",
    "set_not_null": "ACCESS EXCLUSIVE (scans the table unless a valid CHECK proves it)",
    "alter_type": "ACCESS EXCLUSIVE (rewrites unless run online)",
    "add_check": "SHARE UPDATE EXCLUSIVE (added NOT VALID, then validated)",
    "add_foreign_key": "SHARE ROW EXCLUSIVE (added NOT VALID, then validated)",
    "add_unique": "SHARE UPDATE EXCLUSIVE (index built CONCURRENTLY)",
    "add_index": "SHARE UPDATE EXCLUSIVE (built CONCURRENTLY)",
    "drop_index": "SHARE UPDATE EXCLUSIVE (dropped CONCURRENTLY)",
    "drop_constraint": "ACCESS EXCLUSIVE (brief: catalog only)",
    "archive_table": "ACCESS EXCLUSIVE (brief: moved to the archive schema)",
    "archive_junction": "ACCESS EXCLUSIVE (brief: moved to the archive schema)",
    "notify_postgrest": "none",
}


def _operation(number: int, op: dict, prechecks: list[dict]) -> dict:
    declared = op.get("lock")
    mine = [p for p in prechecks if p.get("operation") == number] or op.get("prechecks") or []
    return {
        "number": number,
        "kind": op.get("kind"),
        "description": op.get("description"),
        "destructive": bool(op.get("destructive")),
        "irreversible": op.get("irreversible"),
        "lock": declared if declared else INFERRED_LOCKS.get(op.get("kind"), "unknown"),
        "lock_source": "declared" if declared else "inferred",
        "prechecks": [
            {"description": p.get("description"), "count": p.get("count"), "blocking": bool(p.get("blocking", True))}
            for p in mine
        ],
        "lint": list(op.get("lint") or []),
        "sql": list(op.get("up") or []),
    }


def review_descriptor(migration: dict) -> dict:
    """A migration record (``plan_migration`` / ``get_migration``) as a review screen
    reads it. ``checksum`` is the record's own keyed checksum (verified by apply);
    ``sql_sha256`` is a plain hash of the script shown, so reviewers can compare texts."""
    script = migration.get("sql") or migration.get("migration_sql") or ""
    prechecks = list(migration.get("prechecks") or [])
    operations = [_operation(i + 1, op, prechecks) for i, op in enumerate(migration.get("operations") or [])]
    destructive = bool(migration.get("is_destructive")) or any(o["destructive"] for o in operations)
    blocking = [p for o in operations for p in o["prechecks"] if p["blocking"] and p["count"]]
    return {
        "id": migration.get("id"),
        "section_id": migration.get("section_id"),
        "section": migration.get("section_handle"),
        "version": migration.get("version"),
        "status": migration.get("status"),
        "type": migration.get("migration_type"),
        "description": migration.get("description"),
        "destructive": destructive,
        "reversible": bool(migration.get("is_reversible", True)),
        "needs_confirmation": destructive,
        "operations": operations,
        "warnings": list(migration.get("warnings") or []),
        "lint": list(migration.get("lint") or migration.get("lint_report") or []),
        "blocking_prechecks": blocking,
        "sql": script,
        "down_sql": migration.get("down_sql") or "",
        "checksum": migration.get("checksum"),
        "sql_sha256": hashlib.sha256(script.encode("utf-8")).hexdigest(),
        "generated_at": migration.get("generated_at"),
        "applied_at": migration.get("applied_at"),
        "rolled_back_at": migration.get("rolled_back_at"),
        "error_message": migration.get("error_message"),
    }
