"""The seal of a migration record: a keyed checksum over everything apply or rollback
will execute or act on, fixed at plan time.

Apply, rollback, resume and abort recompute it before running anything and refuse on
any difference. The key lives in a system table no API role can read (``sql/004``), so
someone who can change a stored record cannot compute a matching seal either.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from psycopg import sql

from ..errors import Refused

#: The parts of a migration record the seal covers: the reviewed scripts, the steps
#: that execute them, the pre-check queries apply runs, and what apply and rollback
#: write back (the states), plus what decides whether they may run at all.
SEALED_FIELDS = (
    "id", "section_id", "version", "migration_sql", "down_sql", "steps", "down_steps", "prechecks", "operations",
    "is_destructive", "is_reversible", "schema_fingerprint", "from_state", "to_state", "config_version",
)


class TamperedMigration(Refused):
    """A stored migration no longer matches what was reviewed."""


def signing_key(conn, system_schema: str) -> bytes:
    row = conn.execute(
        sql.SQL("SELECT value FROM {} WHERE name = 'migration_signing_key'").format(
            sql.Identifier(system_schema, "content_secrets"))
    ).fetchone()
    if row is None:  # pragma: no cover - sql/004 always creates it
        raise Refused("the migration signing key is missing; run `polysynergy-content install` again")
    return row[0].encode()


def _canonical(record: dict) -> bytes:
    payload = {name: record.get(name) for name in SEALED_FIELDS}
    payload["id"] = str(payload["id"])
    payload["section_id"] = str(payload["section_id"])
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(key: bytes, record: dict) -> str:
    return hmac.new(key, _canonical(record), hashlib.sha256).hexdigest()


def verify(key: bytes, record: dict, action: str) -> None:
    """Refuse ``action`` unless the record carries the seal of its current content."""
    stored = record.get("checksum")
    if not stored:
        raise TamperedMigration(
            f"migration {record.get('version')} has no checksum (planned by an older version or altered); "
            f"refusing to {action} it: plan the section again and review the new migration")
    if not hmac.compare_digest(stored, seal(key, record)):
        raise TamperedMigration(
            f"migration {record.get('version')} was changed after it was planned (its stored SQL, steps or states "
            f"no longer match the reviewed checksum); refusing to {action} it, nothing was run. Plan the section "
            "again and review the new migration")
