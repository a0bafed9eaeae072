"""Drift: what differs between a schema file and a database, in two layers.

- The configuration: what ``apply`` of the file would change in the system tables (the
  writer's operations, run in a transaction rolled back; fields and sections the database
  has and the file does not count too).
- The live tables of the file's sections: a migration not applied yet; what planning would
  change to make a table match its configuration (columns, types, constraints, indexes);
  columns no field owns; row level security and grants against the engine's settings; and
  the table's fingerprint against the one its last apply recorded, which catches any other
  change made outside the content system (an index, a trigger, a policy, a constraint).

Nothing is written: both layers are read in one transaction that is rolled back.
"""

from __future__ import annotations

from psycopg import sql

from ..config import ConfigStore
from ..errors import Refused
from .document import load
from .writer import ConfigWriter

SYSTEM_COLUMNS = ("id", "created_at", "updated_at")


def _item(section: str, kind: str, message: str) -> dict:
    return {"section": section, "kind": kind, "message": message}


def _last_fingerprint(engine, conn, section_id):
    return conn.execute(
        sql.SQL("SELECT version, result_fingerprint FROM {} WHERE section_id = %s AND status = 'applied' "
                "ORDER BY applied_at DESC NULLS LAST, version DESC LIMIT 1").format(
            sql.Identifier(engine.settings.system_schema, "section_migrations")), (section_id,)).fetchone()


def _grants(engine, conn, handle: str, table) -> list[dict]:
    found = []
    qualified = sql.Identifier(table.schema, table.name).as_string(conn)
    for role, privileges in sorted(engine.settings.grants.items()):
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            continue
        for privilege in privileges:
            held = conn.execute("SELECT has_table_privilege(%s, %s, %s)", (role, qualified, privilege)).fetchone()[0]
            if not held:
                found.append(_item(handle, "grant", f"role {role} lacks {privilege} on {table.name}"))
    return found


def _table_drift(engine, conn, section: dict, fields: list[dict]) -> list[dict]:
    handle = section["handle"]
    if section["migration_status"] != "migrated":
        return [_item(handle, "pending", "its configuration has changes no applied migration made yet")]
    live = engine.migrations.live(conn, section)
    if live.table is None:
        return [_item(handle, "missing_table", "its table does not exist")]
    found = []
    owned = {live.table.column_for_field(str(f["id"])) for f in fields}
    for column, info in live.table.columns.items():
        if column not in SYSTEM_COLUMNS and column not in owned:
            found.append(_item(handle, "column", f"column {column} ({info['type']}) belongs to no field"))
    if engine.settings.enable_rls and not live.table.rls:
        found.append(_item(handle, "rls", f"row level security is off on {live.table.name}"))
    for name, index in sorted(live.table.indexes.items()):
        if not index["valid"]:
            found.append(_item(handle, "index", f"index {name} is invalid (a failed concurrent build)"))
    found += _grants(engine, conn, handle, live.table)
    try:
        migration = engine.migrations.plan_within(conn, section["id"])
    except Refused as exc:  # an interrupted apply
        return found + [_item(handle, "unfinished", str(exc))]
    found += [_item(handle, "table", op["description"]) for op in migration.get("operations") or []
              if op.get("kind") != "notify_postgrest"]
    last = _last_fingerprint(engine, conn, section["id"])
    if last is not None and last[1] and live.fingerprint() != last[1]:
        found.append(_item(handle, "changed_outside", f"the table changed since migration {last[0]} was applied "
                           "(columns, constraints, indexes, triggers or policies altered outside the content system)"))
    return found


def schema_drift(engine, text: str) -> dict:
    """``{"drift": bool, "configuration": [operations], "live": [findings]}``."""
    document = load(text)
    with engine.connection() as conn:
        try:
            store = ConfigStore(conn, engine.settings, engine.registry, engine.scope)
            stored = {str(s["id"]): s for s in store.list_sections()}
            live = []
            for s in document["sections"]:
                if s["id"] in stored and stored[s["id"]]["applied_state"] is not None:
                    live += _table_drift(engine, conn, stored[s["id"]], store.fields(s["id"]))
            configuration = [op for op in ConfigWriter(store, document, prune=False).run()
                             if not (op["action"] == "keep_section" and document["partial"])]
        finally:
            conn.rollback()
    engine.entries.invalidate()
    return {"drift": bool(configuration or live), "configuration": configuration, "live": live}
