"""Plan and apply a schema file against a database.

Both start the same way, in one transaction: the configuration is made what the file
says (``writer``), then one migration per section of the file is planned, relation
targets first (``order``), exactly as ``plan_migration`` plans it.

- ``plan_schema`` then rolls the transaction back: the review is all it leaves. Nothing is
  applied and nothing is written, not even the configuration or a migration record.
- ``apply_schema`` commits it (the configuration and the sealed migration records) only
  after the confirmation rules hold for the whole batch (a destructive migration needs
  ``confirm``; a blocking pre-check that counted rows refuses it), then applies the
  migrations one by one with ``apply_migration`` (its locks, seal check and crash
  safety). It stops at the first failure; the sections before it stay applied.

Relation fields that close a circle of new sections come in a second step, planned and
applied once the first step's tables exist.
"""

from __future__ import annotations

from psycopg import sql

from ..config import ConfigStore
from ..errors import ContentError, NeedsConfirmation, Refused, SchemaApplyStopped, StaleMigration
from .document import load
from .order import order_sections
from .review import combined_review, migration_review
from .writer import ConfigWriter


def _step(engine, conn, document: dict, prune: bool, recorded: bool) -> tuple[dict, set]:
    """Write the configuration and plan the migrations of one step, in ``conn``'s transaction."""
    conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(
        sql.Literal(f"{engine.settings.plan_lock_timeout_ms}ms")))
    store = ConfigStore(conn, engine.settings, engine.registry, engine.scope)
    stored = {str(s["id"]): s for s in store.list_sections()}
    # Fields of a section without a table can wait for a second step (they hold no data yet).
    field_ids = {str(f["id"]) for sid, x in stored.items() if x["applied_state"] is not None for f in store.fields(sid)}
    order = order_sections(engine.registry, document, stored, field_ids)
    writer = ConfigWriter(store, document, prune, order.deferred)
    operations = writer.run()
    ids = {s["handle"]: s["id"] for s in document["sections"]}
    to_plan = [ids[h] for h in order.sections] + [
        op["id"] for op in operations if op["action"] == "remove_section" and op["archives"]]
    coming, migrations = {}, []
    for section_id in to_plan:
        mig = engine.migrations.plan_within(conn, section_id, coming_tables=coming)
        section = store.find_section(section_id)
        if mig["changes"] and section["applied_state"] is None:  # a new table: later sections relate to it
            coming[section["handle"]] = section["table_name"]
        migrations.append(migration_review(mig, section["handle"], recorded))
    return combined_review(operations, migrations, prune, recorded), writer.deferred


def plan_schema(engine, text: str, prune: bool = False) -> dict:
    """The combined review of what applying ``text`` would do; nothing is kept."""
    document = load(text)
    with engine.connection() as conn:
        try:
            review, _ = _step(engine, conn, document, prune, recorded=False)
        finally:
            conn.rollback()
    engine.entries.invalidate()
    review["applied"] = False
    return review


def _gate(review: dict, confirm: bool, expected_digest: str | None) -> None:
    if expected_digest is not None and review["digest"] != expected_digest:
        raise StaleMigration("the database or the file changed since the plan that was reviewed (its digest "
                             "differs); nothing was changed: plan again and review it")
    if review["blocked"]:
        counted = "; ".join(f"{p['section']}: {p['count']} row(s) {p['description']}" for p in review["blocked"])
        raise Refused(f"the schema file was not applied, nothing was changed: a blocking pre-check counted rows "
                      f"({counted}); fix those rows first")
    if review["is_destructive"] and not confirm:
        destructive = "; ".join(review["findings"]["data_loss"])
        raise NeedsConfirmation(f"the schema file's migrations are destructive and need confirm=True; nothing was "
                                f"changed: {destructive}")


def apply_schema(engine, text: str, confirm: bool = False, prune: bool = False, progress=None,
                 expected_digest: str | None = None) -> dict:
    """Make the database what ``text`` says: configuration, sealed migrations, applied in order.
    ``expected_digest``: the ``digest`` of the reviewed plan; a different first step is refused."""
    document = load(text)
    steps, done = [], []
    for number in (1, 2):
        with engine.connection() as conn:
            try:
                review, deferred = _step(engine, conn, document, prune, recorded=True)
                _gate(review, confirm, expected_digest if number == 1 else None)
            except BaseException:
                conn.rollback()
                raise
        engine.entries.invalidate()
        planned = [m for m in review["migrations"] if m["changes"]]
        for i, mig in enumerate(planned):
            try:
                applied = engine.apply_migration(mig["id"], confirm=confirm, progress=progress)
            except ContentError as exc:
                report = {"done": done, "failed": {"section": mig["section"], "id": mig["id"], "error": str(exc)},
                          "not_run": [m["section"] for m in planned[i + 1:]], "steps": steps + [review]}
                raise SchemaApplyStopped(_stopped(done, mig, exc), report, exc) from exc
            done.append({"section": mig["section"], "id": applied["id"], "version": applied["version"],
                         "status": applied["status"]})
        steps.append(review)
        if not review["second_step"] or not deferred:
            break
    return {"applied": True, "changes": any(s["changes"] for s in steps), "done": done, "steps": steps,
            "summary": "; ".join(f"step {i + 1}: {s['summary']}" for i, s in enumerate(steps))}


def _stopped(done: list, mig: dict, exc: Exception) -> str:
    before = ", ".join(f"{d['section']} (migration {d['version']})" for d in done) or "none"
    return (f"the schema apply stopped at section '{mig['section']}': {exc}. Applied before it and kept: {before}; "
            "fix the cause and run the apply again (what is done is up to date and is skipped)")
