"""What each content node does with the engine, as plain functions.

Every function takes the shared engine first and the node's raw inputs as keywords,
coerces the inputs, calls the engine (blocking; the node runs it in a worker thread)
and returns ``(outputs, result)``: the node's output values by name, and the dict the
node puts on ``true_path`` (the outputs plus the full records behind them).
"""

from __future__ import annotations

from polysynergy_nodes_content.content_engine.descriptors import query_with_titles
from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound
from polysynergy_nodes_content.node_support.json_input import (
    coerce_bool,
    coerce_entry_data,
    coerce_int,
    coerce_object,
    optional_text,
    optional_value,
    required_text,
)


def _id(value) -> str | None:
    return None if value in (None, "") else str(value)


def _plan_outputs(plan: dict) -> dict:
    return {
        "migration_id": _id(plan.get("id")),
        "migration_sql": plan.get("sql") or "",
        "is_destructive": bool(plan.get("is_destructive")),
        "warnings": list(plan.get("warnings") or []),
    }


def _typed_default(engine, field_type_handle, settings, value):
    """A default given as text (``"10"``, ``"true"``) as the number or boolean its field type reads.

    Anything the type does not read that way is passed on unchanged, for the engine to
    validate and report with its usual message.
    """
    if not isinstance(value, str):
        return value
    try:
        parsed = engine.registry.get(str(field_type_handle).strip()).parse_value(value, settings or {})
    except Exception:  # unknown type or unreadable value: the engine says which
        return value
    return parsed if isinstance(parsed, (bool, int, float)) else value


# -- sections and fields ------------------------------------------------------------
def section_create(engine, section_handle, label, description=None, section_icon=None):
    section = engine.create_section(
        required_text(section_handle, "section_handle"),
        required_text(label, "label"),
        description=optional_text(description, "description"),
        icon=optional_text(section_icon, "section_icon"),
    )
    plan = engine.plan_migration(section["id"])
    outputs = {
        "section_id": _id(section["id"]),
        "table_name": section["table_name"],
        "migration_id": _id(plan.get("id")),
    }
    return outputs, {**outputs, "section": section, "migration": plan}


def section_field_add(
    engine,
    section_id,
    field_handle,
    field_label,
    field_type_handle,
    field_settings=None,
    is_required=False,
    is_unique=False,
    ui_width="full",
    tab_name="Content",
    help_text=None,
    placeholder=None,
    default_value=None,
    sort_order=None,
):
    settings = coerce_object(field_settings, "field_settings", decode_nested=True)
    position = coerce_int(sort_order, "sort_order")
    if position is not None and position < 0:
        position = None  # the node's default (-1): after the existing fields
    default_value = _typed_default(engine, field_type_handle, settings, optional_value(default_value, "default_value"))
    section = required_text(section_id, "section_id")
    field = engine.add_field(
        section,
        required_text(field_handle, "field_handle"),
        optional_text(field_label, "field_label") or "",
        required_text(field_type_handle, "field_type_handle"),
        field_settings=settings or None,
        is_required=coerce_bool(is_required, "is_required"),
        is_unique=coerce_bool(is_unique, "is_unique"),
        default_value=default_value,
        help_text=optional_text(help_text, "help_text"),
        placeholder=optional_text(placeholder, "placeholder"),
        ui_width=optional_text(ui_width, "ui_width") or "full",
        tab_name=optional_text(tab_name, "tab_name") or "Content",
        sort_order=position,
    )
    plan = engine.plan_migration(field.get("section_id") or section)
    outputs = {"field_id": _id(field["id"]), "migration_id": _id(plan.get("id"))}
    return outputs, {**outputs, "field": field, "migration": plan}


def section_field_remove(engine, section_id, field_handle):
    section = required_text(section_id, "section_id")
    removed = engine.remove_field(section, required_text(field_handle, "field_handle"))
    plan = engine.plan_migration(removed.get("section_id") or section)
    outputs = {"migration_id": _id(plan.get("id"))}
    return outputs, {**outputs, "field": removed, "migration": plan}


def section_field_update(engine, field_id, updates):
    changes = coerce_object(updates, "updates", decode_nested=True)
    if not changes:
        raise InvalidInput("updates is empty: give the field settings to change, e.g. {\"label\": \"Name\"}", field="updates")
    updated = engine.update_field(required_text(field_id, "field_id"), changes)
    plan = engine.plan_migration(updated["section_id"])
    outputs = {"migration_id": _id(plan.get("id"))}
    return outputs, {**outputs, "field": updated, "migration": plan}


# -- migrations ------------------------------------------------------------------------
def migration_generate(engine, section_id):
    plan = engine.plan_migration(required_text(section_id, "section_id"))
    outputs = _plan_outputs(plan)
    return outputs, {**outputs, "migration": plan}


MIGRATION_ACTIONS = ("apply", "resume", "abort")


def migration_apply(engine, migration_id, confirm=False, action="apply"):
    """Apply a migration, or resume or abort an interrupted one (``action``)."""
    target = required_text(migration_id, "migration_id")
    chosen = (optional_text(action, "action") or "apply").lower()  # "" or "null" from a path tool: apply
    if chosen not in MIGRATION_ACTIONS:
        raise InvalidInput(f"action must be one of {', '.join(MIGRATION_ACTIONS)}, not {action!r}", field="action")
    if chosen == "resume":
        migration = engine.resume_migration(target)
    elif chosen == "abort":
        migration = engine.abort_migration(target)
    else:
        migration = engine.apply_migration(target, confirm=coerce_bool(confirm, "confirm"))
    outputs = {"success": True, "error_message": None}
    return outputs, {**outputs, "migration_id": _id(migration.get("id")), "migration": migration}


def migration_rollback(engine, migration_id):
    migration = engine.rollback_migration(required_text(migration_id, "migration_id"))
    outputs = {"success": True, "error_message": None}
    return outputs, {**outputs, "migration_id": _id(migration.get("id")), "migration": migration}


# -- entries -----------------------------------------------------------------------------
def entry_create(engine, section_handle, field_data):
    section = required_text(section_handle, "section_handle")
    data = coerce_entry_data(field_data, "field_data")
    if isinstance(data, list):
        entries = engine.create_entries(section, data)
        outputs = {"entry_id": [_id(entry.get("id")) for entry in entries], "created_data": entries}
    else:
        entry = engine.create_entry(section, data)
        outputs = {"entry_id": _id(entry.get("id")), "created_data": entry}
    return outputs, dict(outputs)


def _target(entry_id, filters) -> tuple[str | None, dict | None]:
    """One entry by id, or the entries matching filters (exactly one of them)."""
    entry = optional_text(entry_id, "entry_id")
    matching = coerce_object(filters, "filters", decode_nested=True, allow_none=True) or None
    if entry and matching:
        raise InvalidInput("give entry_id or filters, not both", field="filters")
    if not entry and not matching:
        raise InvalidInput("entry_id is required (or give filters to match several entries)", field="entry_id")
    return entry, matching


def entry_update(engine, section_handle, entry_id, field_data, filters=None, confirm=False):
    section = required_text(section_handle, "section_handle")
    data = coerce_object(field_data, "field_data")
    entry_id, matching = _target(entry_id, filters)
    if matching is not None:
        result = engine.update_entries(section, matching, data, confirm=coerce_bool(confirm, "confirm"))
        outputs = {"success": result["confirmed"], "updated_data": {}, "updated_count": result["updated"]}
        return outputs, {**outputs, **result}
    entry = engine.update_entry(section, entry_id, data)
    outputs = {"success": True, "updated_data": entry, "updated_count": 1}
    return outputs, {**outputs, "entry_id": _id(entry.get("id"))}


def entry_query(engine, section_handle, filters=None, order_by=None, limit=None, offset=0, fields=None, search=None,
                count=None):
    count_limit = coerce_int(limit, "limit")
    mode = optional_text(count, "count") or "exact"
    page = query_with_titles(
        engine,
        required_text(section_handle, "section_handle"),
        filters=coerce_object(filters, "filters", decode_nested=True, allow_none=True),
        order_by=optional_text(order_by, "order_by"),
        limit=count_limit if count_limit else None,
        offset=coerce_int(offset, "offset", default=0),
        fields=optional_text(fields, "fields"),
        search=optional_text(search, "search"),
        count=mode,
    )
    total = page["total_count"] if page["total_count"] is not None else -1
    outputs = {"entries": page["entries"], "total_count": total, "related_titles": page["related_titles"]}
    return outputs, {**page, **outputs}


def entry_delete(engine, section_handle, entry_id, filters=None, confirm=False):
    section = required_text(section_handle, "section_handle")
    entry, matching = _target(entry_id, filters)
    if matching is not None:
        result = engine.delete_entries(section, matching, confirm=coerce_bool(confirm, "confirm"))
        outputs = {"success": result["confirmed"], "deleted_count": result["deleted"]}
        return outputs, {**outputs, **result}
    if not engine.delete_entry(section, entry):
        raise NotFound(f"entry '{entry}' does not exist in section '{section}'", field="entry_id")
    outputs = {"success": True, "deleted_count": 1}
    return outputs, {**outputs, "entry_id": entry}


# -- schema as code ----------------------------------------------------------------------
def schema_apply(engine, schema, prune=False, confirm=False):
    """Plan a schema file's changes (the combined review); with ``confirm``, apply them."""
    text = required_text(schema, "schema")
    pruning = coerce_bool(prune, "prune")
    if coerce_bool(confirm, "confirm"):
        result = engine.apply_schema(text, confirm=True, prune=pruning)
        outputs = {"applied": True, "changes": result["changes"], "summary": result["summary"], "error_message": None}
        return outputs, {**outputs, "result": result}
    review = engine.plan_schema(text, prune=pruning)
    outputs = {"applied": False, "changes": review["changes"], "summary": review["summary"], "error_message": None}
    return outputs, {**outputs, "review": review}


# -- history -----------------------------------------------------------------------------
#: The engine's ceiling on versions per history read.
MAX_HISTORY_VERSIONS = 1000


def entry_history(engine, section_handle, entry_id, limit=20):
    count = coerce_int(limit, "limit", default=20)
    if not 1 <= count <= MAX_HISTORY_VERSIONS:
        raise InvalidInput(f"limit must be from 1 to {MAX_HISTORY_VERSIONS}, got {count}", field="limit")
    history = engine.entry_history(required_text(section_handle, "section_handle"),
                                   required_text(entry_id, "entry_id"), limit=count)
    outputs = {"versions": history["versions"], "version_count": len(history["versions"])}
    return outputs, {**outputs, "section": history["section"], "entry_id": history["entry_id"]}


def _version_number(value) -> int:
    number = coerce_int(value, "history_version")
    if number is None:
        raise InvalidInput("history_version is required (a version number from Entry History)",
                           field="history_version")
    return number


def entry_restore(engine, section_handle, entry_id, history_version, confirm=False):
    """Without ``confirm`` a preview: the values the entry would get back (and has now)."""
    section = required_text(section_handle, "section_handle")
    entry = required_text(entry_id, "entry_id")
    number = _version_number(history_version)
    if coerce_bool(confirm, "confirm"):
        restored = engine.restore_entry(section, entry, number)
        outputs = {"success": True, "restored_data": restored, "restore_run_id": restored.run_id}
        return outputs, {**outputs, "confirmed": True, "entry_id": _id(restored.get("id"))}
    versions = engine.entry_history(section, entry, limit=MAX_HISTORY_VERSIONS)["versions"]
    found = next((v for v in versions if v["version"] == number), None)
    if found is None:
        raise NotFound(f"entry '{entry}' of section '{section}' has no version {number} among its newest "
                       f"{MAX_HISTORY_VERSIONS}", field="history_version")
    try:
        current = engine.get_entry(section, entry)
    except NotFound:  # deleted: a restore brings it back
        current = None
    outputs = {"success": False, "restored_data": found["values"], "restore_run_id": None}
    return outputs, {**outputs, "confirmed": False, "entry_id": entry, "version": found, "current": current}


def run_undo(engine, run_to_undo, confirm=False, force=False):
    """Without ``confirm`` a preview: what each entry goes back to, and the conflicts."""
    result = engine.undo_run(required_text(run_to_undo, "run_to_undo"), confirm=coerce_bool(confirm, "confirm"),
                             force=coerce_bool(force, "force"))
    outputs = {"success": bool(result["confirmed"]), "changes": result["changes"],
               "conflict_count": result["conflicts"], "undo_run_id": result.get("undo_run_id")}
    return outputs, {**outputs, **result}
