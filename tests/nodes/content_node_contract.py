"""The content nodes' contract: module, class, inputs and outputs (exact names)."""

from __future__ import annotations

import importlib
from pathlib import Path

import polysynergy_nodes_content

PACKAGE_DIR = Path(polysynergy_nodes_content.__file__).resolve().parent

# module (relative to the package), class name, inputs, outputs
CONTRACT = {
    "ContentSectionCreate": (
        "section/section_create.py",
        ["section_handle", "label", "description", "section_icon"],
        ["section_id", "table_name", "migration_id"],
    ),
    "ContentSectionFieldAdd": (
        "section/section_field_add.py",
        ["section_id", "field_handle", "field_label", "field_type_handle", "field_settings",
         "is_required", "is_unique", "ui_width", "tab_name"],
        ["field_id", "migration_id"],
    ),
    "ContentSectionFieldRemove": (
        "section/section_field_remove.py",
        ["section_id", "field_handle"],
        ["migration_id"],
    ),
    "ContentSectionFieldUpdate": (
        "section/section_field_update.py",
        ["field_id", "updates"],
        ["migration_id"],
    ),
    "ContentMigrationGenerate": (
        "migration/migration_generate.py",
        ["section_id"],
        ["migration_sql", "migration_id", "is_destructive", "warnings"],
    ),
    "ContentMigrationApply": (
        "migration/migration_apply.py",
        ["migration_id", "confirm", "action"],
        ["success", "error_message"],
    ),
    "ContentMigrationRollback": (
        "migration/migration_rollback.py",
        ["migration_id"],
        ["success", "error_message"],
    ),
    "ContentSchemaApply": (
        "migration/schema_apply.py",
        ["schema", "prune", "confirm"],
        ["applied", "changes", "summary", "error_message"],
    ),
    "ContentEntryCreate": (
        "entry/entry_create.py",
        ["section_handle", "field_data"],
        ["entry_id", "created_data"],
    ),
    "ContentEntryUpdate": (
        "entry/entry_update.py",
        ["section_handle", "entry_id", "filters", "field_data", "confirm"],
        ["success", "updated_data", "updated_count"],
    ),
    "ContentEntryQuery": (
        "entry/entry_query.py",
        ["section_handle", "filters", "order_by", "limit", "offset", "fields", "search", "count"],
        ["entries", "total_count", "related_titles"],
    ),
    "ContentEntryDelete": (
        "entry/entry_delete.py",
        ["section_handle", "entry_id", "filters", "confirm"],
        ["success", "deleted_count"],
    ),
    "ContentEntryHistory": (
        "entry/entry_history.py",
        ["section_handle", "entry_id", "limit"],
        ["versions", "version_count"],
    ),
    "ContentEntryRestore": (
        "entry/entry_restore.py",
        ["section_handle", "entry_id", "history_version", "confirm"],
        ["success", "restored_data", "restore_run_id"],
    ),
    "ContentRunUndo": (
        "entry/run_undo.py",
        ["run_to_undo", "confirm", "force"],
        ["success", "changes", "conflict_count", "undo_run_id"],
    ),
    "ContentEventsPoll": (
        "event/events_poll.py",
        ["subscription", "limit", "lease_seconds"],
        ["events", "event_count"],
    ),
    "ContentEventsAck": (
        "event/events_ack.py",
        ["subscription", "events"],
        ["acknowledged_count", "not_pending"],
    ),
    "ContentEventReceive": (
        "event/event_receive.py",
        ["body", "headers", "secret", "tolerance_seconds"],
        ["event", "event_id", "event_type", "section", "entry_id", "entry", "previous", "changed", "event_run_id",
         "actor", "source"],
    ),
}

NODE_FOLDERS = ("section", "migration", "entry", "event")

#: Service nodes (an agent's tool provider): class name -> module. They run no engine
#: operation of their own, so they have no contract entry above.
SERVICE_NODES = {"ContentTools": "agent_tools/content_tools.py"}
SERVICE_FOLDERS = ("agent_tools",)
ALLOWED_ANNOTATIONS = {"str", "int", "float", "bool", "dict", "list", "str | None"}
PATH_ANNOTATION = "bool | dict"


def node_file(class_name: str) -> Path:
    return PACKAGE_DIR / CONTRACT[class_name][0]


def module_name(class_name: str) -> str:
    relative = CONTRACT[class_name][0][: -len(".py")]
    return "polysynergy_nodes_content." + relative.replace("/", ".")


def node_class(class_name: str):
    return getattr(importlib.import_module(module_name(class_name)), class_name)


#: Inputs every node has besides its own.
COMMON_INPUTS = ["errors_on_success_path", "database_url"]


def inputs_of(class_name: str) -> list[str]:
    return CONTRACT[class_name][1] + COMMON_INPUTS


def outputs_of(class_name: str) -> list[str]:
    return CONTRACT[class_name][2]
