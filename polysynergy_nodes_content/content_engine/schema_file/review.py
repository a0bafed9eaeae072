"""One review for a whole schema file: every operation, the findings, the locks, the counts.

Built from the configuration operations and the migration records exactly as
``plan_migration`` presents them, so a schema plan says what a section's own plan says.
"""

from __future__ import annotations

import hashlib
import json

#: Lint rules whose findings are about renames (clients that use the old name break).
RENAME_RULES = ("renaming-column", "renaming-table")
#: Lint rules whose findings are about data that can be lost.
DATA_LOSS_RULES = ("ban-drop-column", "ban-drop-table", "lossy-rollback", "changing-column-type")
MIGRATION_KEYS = ("id", "version", "status", "changes", "migration_type", "description", "is_destructive",
                  "is_reversible", "warnings", "lint", "prechecks", "sql", "down_sql")


def migration_review(mig: dict, section: str, recorded: bool) -> dict:
    """A migration of the batch; ``recorded`` False (a plan): its record was rolled back, no id."""
    out = {k: mig.get(k) for k in MIGRATION_KEYS}
    out["section"] = section
    if not recorded:
        out["id"] = None
    out["operations"] = [{k: op.get(k) for k in ("kind", "description", "destructive", "irreversible", "lock")}
                         for op in mig.get("operations") or []]
    return out


def _findings(migrations: list[dict], operations: list[dict]) -> dict:
    data_loss, renames, lint = [], [], []
    for op in operations:
        if op["action"] in ("rename_section", "rename_field"):
            was = op["changes"]["handle"]["from"]
            renames.append(f"{op['section']}: {op['action'].replace('_', ' ')} {was} -> "
                           f"{op['changes']['handle']['to']} (same id {op['id']}: the data is kept)")
        if op["action"] in ("remove_section", "remove_field"):
            what = f"field {op['field']}" if op.get("field") else "the section"
            data_loss.append(f"{op['section']}: {what} is removed (prune)")
    for m in migrations:
        for op in m["operations"]:
            if op["destructive"]:
                data_loss.append(f"{m['section']}: DESTRUCTIVE {op['description']}")
        for f in m.get("lint") or []:
            line = f"{m['section']}: {f['severity'].upper()} [{f['rule']}] {f['message']}"
            if f["rule"] in RENAME_RULES:
                renames.append(line)
            elif f["rule"] in DATA_LOSS_RULES and f["severity"] != "info":
                data_loss.append(line)
            elif f["severity"] != "info":
                lint.append(line)
    return {"data_loss": data_loss, "renames": renames, "lint": lint}


def combined_review(operations: list[dict], migrations: list[dict], prune: bool, recorded: bool) -> dict:
    changed_ops = [op for op in operations if not op["action"].startswith("keep_")]
    planned = [m for m in migrations if m["changes"]]
    locks = [{"section": m["section"], "operation": op["description"], "lock": op["lock"]}
             for m in planned for op in m["operations"] if op.get("lock") and not op["lock"].startswith("NONE")]
    prechecks = [{"section": m["section"], **{k: p.get(k) for k in ("operation", "description", "count", "blocking",
                                                                     "samples", "hint")}}
                 for m in planned for p in m.get("prechecks") or []]
    blocked = [p for p in prechecks if p["blocking"] and p["count"]]
    second = [op for op in operations if op["action"] == "defer_field"]
    destructive = any(m["is_destructive"] for m in planned)
    summary = (f"{len(changed_ops)} configuration change(s), {len(planned)} migration(s)"
               f"{' (destructive)' if destructive else ''}"
               f"{f', {len(second)} relation field(s) in a second step' if second else ''}")
    return {
        "digest": digest(operations, planned),
        "changes": bool(changed_ops or planned),
        "summary": summary if changed_ops or planned else "no changes: the database matches the file",
        "prune": prune,
        "recorded": recorded,
        "operations": operations,
        "migrations": migrations,
        "second_step": second,
        "findings": _findings(migrations, operations),
        "locks": locks,
        "prechecks": prechecks,
        "blocked": blocked,
        "is_destructive": destructive,
    }


def digest(operations: list[dict], planned: list[dict]) -> str:
    """What a reviewer agreed to, as a hash: the configuration operations and, per planned
    migration, its section, operation kinds and destructiveness (not ids or archive names,
    which differ from one plan to the next). Apply compares it with its own plan."""
    ops = [{k: op.get(k) for k in ("action", "section", "id", "field", "changes")} for op in operations]
    migrations = [[m["section"], m["is_destructive"], [op["kind"] for op in m["operations"]]] for m in planned]
    text = json.dumps([ops, migrations], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
