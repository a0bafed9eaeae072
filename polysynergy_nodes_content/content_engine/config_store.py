"""Sections and fields: the desired configuration, kept in the system tables.

Changing the configuration never touches a section's table; it bumps the section's
``config_version`` and marks it ``pending`` until a reviewed migration is applied.
"""

from __future__ import annotations

import json
import uuid

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from polysynergy_section_field.section_field_runner import FieldSettingsError, FieldTypeRegistry, UnknownFieldTypeError

from .entry_rules import parse_rules, to_config
from .config_checks import applied_field, check_title_field, check_type_change, take_settings_default
from .errors import InvalidInput, NotFound
from .identifiers import check_field_handle, check_identifier
from .config_restore import restore_configuration
from .name_guard import NameGuard
from .records import UNENCODABLE_MESSAGE, is_unencodable, json_safe, row_dict
from .settings import EngineSettings

UI_WIDTHS = ("full", "half", "third", "quarter")
FIELD_KEYS = (
    "handle", "label", "field_type_handle", "field_settings", "is_required", "is_unique",
    "default_value", "help_text", "placeholder", "ui_width", "tab_name", "sort_order", "is_visible",
    "custom_validation_rules",
)
SECTION_KEYS = ("handle", "label", "description", "icon", "title_field_handle", "is_active", "validation_rules",
                "search_fields")


class ConfigStore:
    """Reads and writes sections and fields over one connection (the caller's transaction)."""

    def __init__(self, conn: psycopg.Connection, settings: EngineSettings, registry: FieldTypeRegistry):
        self.conn = conn
        self.settings = settings
        self.registry = registry
        self.names = NameGuard(conn, settings, registry)

    def _t(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.settings.system_schema, name)

    def _one(self, query, params=()) -> dict | None:
        cur = self.conn.execute(query, params)
        row = cur.fetchone()
        return row_dict(cur, row) if row else None

    def _all(self, query, params=()) -> list[dict]:
        cur = self.conn.execute(query, params)
        return [row_dict(cur, row) for row in cur.fetchall()]

    # -- sections ------------------------------------------------------------------
    def find_section(self, ref, lock: bool = False) -> dict:
        """A section by id or handle; NotFound names what was asked for."""
        if ref is None or (isinstance(ref, str) and not ref.strip()):
            raise InvalidInput("a section id or handle is required", field="section")
        ref = str(ref).strip()
        suffix = sql.SQL(" FOR UPDATE" if lock else "")
        try:
            uuid.UUID(ref)
            row = self._one(sql.SQL("SELECT * FROM {} WHERE id = %s").format(self._t("sections")) + suffix, (ref,))
        except ValueError:
            row = self._one(
                sql.SQL("SELECT * FROM {} WHERE handle = %s").format(self._t("sections")) + suffix, (ref,)
            )
        if row is None:
            raise NotFound(f"section '{ref}' does not exist", field="section")
        return row

    def list_sections(self) -> list[dict]:
        return self._all(sql.SQL("SELECT * FROM {} ORDER BY handle").format(self._t("sections")))

    def create_section(self, handle, label, description=None, icon=None, title_field_handle=None) -> dict:
        check_identifier(handle, "section handle")
        _check_texts({"description": description, "icon": icon, "title_field_handle": title_field_handle}, "section")
        label = _require_text(label, "label") if label not in (None, "") else handle.replace("_", " ").title()
        check_title_field({"handle": handle}, title_field_handle or None, [], self.registry)
        self.names.check_table_name_free(handle)
        return self._one(
            sql.SQL(
                "INSERT INTO {} (handle, label, description, icon, table_name, title_field_handle) "
                "VALUES (%s, %s, %s, %s, %s, %s) RETURNING *"
            ).format(self._t("sections")),
            (handle, label, description or None, icon or None, handle, title_field_handle or None),
        )

    def update_section(self, ref, changes: dict) -> dict:
        section = self.find_section(ref, lock=True)
        unknown = set(changes) - set(SECTION_KEYS)
        if unknown:
            raise InvalidInput(
                f"unknown section setting(s): {', '.join(sorted(unknown))} (allowed: {', '.join(SECTION_KEYS)})",
                field=sorted(unknown)[0],
            )
        values = dict(changes)
        if "handle" in values and values["handle"] != section["handle"]:
            check_identifier(values["handle"], "section handle")
            self.names.check_table_name_free(values["handle"], section["id"])
            values["table_name"] = values["handle"]
        if "label" in values:
            values["label"] = _require_text(values["label"], "label")
        if "title_field_handle" in values:
            values["title_field_handle"] = values["title_field_handle"] or None
            check_title_field(section, values["title_field_handle"], self.fields(section["id"]), self.registry)
        if "search_fields" in values:
            values["search_fields"] = _search_fields(values["search_fields"], self.fields(section["id"]), self.registry)
        if "validation_rules" in values:
            values["validation_rules"] = _rules_json(values["validation_rules"], "section validation_rules")
        if not values:
            return section
        _check_texts({k: v for k, v in values.items() if k not in ("validation_rules", "search_fields")}, "section")
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values
        )
        structural = bool({"handle", "is_active", "search_fields", "validation_rules"} & set(values))
        bump = sql.SQL(", config_version = config_version + 1, migration_status = 'pending'") if structural else sql.SQL("")
        updated = self._one(
            sql.SQL("UPDATE {} SET {}{} WHERE id = %s RETURNING *").format(self._t("sections"), assignments, bump),
            (*values.values(), section["id"]),
        )
        if "table_name" in values:
            self._follow_renamed_target(section["id"], values["handle"])
        return updated

    def _follow_renamed_target(self, section_id, handle: str) -> None:
        """Relation fields name their target by handle: each type's ``retarget`` follows the rename."""
        for field in self._all(
            sql.SQL("SELECT id, field_type_handle, field_settings FROM {} WHERE related_section_id = %s").format(
                self._t("section_fields")),
            (section_id,),
        ):
            if field["field_type_handle"] not in self.registry:
                continue
            settings = field["field_settings"] or {}
            changed = self.registry.get(field["field_type_handle"]).retarget(settings, handle)
            if changed != settings:
                self.conn.execute(
                    sql.SQL("UPDATE {} SET field_settings = %s WHERE id = %s").format(self._t("section_fields")),
                    (Jsonb(changed), field["id"]),
                )

    def referencing_fields(self, section: dict) -> list[str]:
        """``section.field`` names of relation fields in other sections that target this one."""
        rows = self._all(
            sql.SQL(
                "SELECT s.handle AS section, f.handle FROM {} f JOIN {} s ON s.id = f.section_id "
                "WHERE f.related_section_id = %s AND f.section_id <> %s ORDER BY 1, 2"
            ).format(self._t("section_fields"), self._t("sections")),
            (section["id"], section["id"]),
        )
        return [f"{r['section']}.{r['handle']}" for r in rows]

    def delete_section_config(self, section_id) -> None:
        self.conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(self._t("sections")), (section_id,))

    def bump(self, section_id) -> None:
        """Record that the desired configuration changed."""
        self.conn.execute(
            sql.SQL(
                "UPDATE {} SET config_version = config_version + 1, migration_status = 'pending' WHERE id = %s"
            ).format(self._t("sections")),
            (section_id,),
        )

    # -- fields --------------------------------------------------------------------
    def fields(self, section_id) -> list[dict]:
        return self._all(
            sql.SQL("SELECT * FROM {} WHERE section_id = %s ORDER BY sort_order, created_at, handle").format(
                self._t("section_fields")
            ),
            (section_id,),
        )

    def find_field(self, field_id, lock: bool = False) -> dict:
        try:
            uuid.UUID(str(field_id))
        except ValueError:
            raise InvalidInput(f"field id {field_id!r} is not a UUID", field="field_id") from None
        suffix = sql.SQL(" FOR UPDATE" if lock else "")
        row = self._one(
            sql.SQL("SELECT * FROM {} WHERE id = %s").format(self._t("section_fields")) + suffix, (str(field_id),)
        )
        if row is None:
            raise NotFound(f"field '{field_id}' does not exist", field="field_id")
        return row

    def find_field_by_handle(self, section_id, handle: str) -> dict:
        row = self._one(
            sql.SQL("SELECT * FROM {} WHERE section_id = %s AND handle = %s").format(self._t("section_fields")),
            (section_id, handle),
        )
        if row is None:
            raise NotFound(f"field '{handle}' does not exist in this section", field=handle)
        return row

    def normalize_field(self, section: dict, values: dict, existing: dict | None = None) -> dict:
        """Validate a complete field configuration; return the columns to store."""
        merged = dict(existing or {})
        merged.update(values)
        handle = check_field_handle(merged.get("handle"))
        label = merged.get("label")
        label = _require_text(label, "label", field=handle) if label not in (None, "") else handle.replace("_", " ").title()
        type_handle = merged.get("field_type_handle")
        try:
            field_type = self.registry.get(type_handle)
        except UnknownFieldTypeError as exc:
            raise InvalidInput(f"field '{handle}': {exc}", field=handle) from None
        raw_settings = merged.get("field_settings")
        if isinstance(raw_settings, str):
            try:
                raw_settings = json.loads(raw_settings) if raw_settings.strip() else {}
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"field '{handle}': field_settings is not valid JSON ({exc.msg})", field=handle) from None
        if raw_settings in ([], None):
            raw_settings = {}
        try:
            settings = field_type.validate_settings(raw_settings)
        except FieldSettingsError as exc:
            raise InvalidInput(f"field '{handle}': {exc}", field=handle) from None
        is_required = _bool(merged.get("is_required", False), "is_required", handle)
        is_unique = _bool(merged.get("is_unique", False), "is_unique", handle)
        is_visible = _bool(merged.get("is_visible", True), "is_visible", handle)
        ui_width = merged.get("ui_width") or "full"
        if ui_width not in UI_WIDTHS:
            raise InvalidInput(f"field '{handle}': ui_width must be one of {', '.join(UI_WIDTHS)}", field=handle)
        sort_order = merged.get("sort_order")
        if sort_order is None:
            sort_order = self._next_sort_order(section["id"])
        elif isinstance(sort_order, bool) or not isinstance(sort_order, int):
            raise InvalidInput(f"field '{handle}': sort_order must be a whole number", field=handle)
        related_section_id = None
        target = field_type.foreign_key_target(settings)
        stores_column = field_type.stores_column(settings)
        if target is not None:
            related_section_id = self._relation_target(handle, target, section)["id"]
            if not stores_column and is_unique:
                raise InvalidInput(f"field '{handle}': a multiple relation cannot be unique", field=handle)
            if not stores_column:
                self.names.check_junction_name_free(section, handle)
        _check_texts({k: merged.get(k) for k in ("help_text", "placeholder", "tab_name")}, handle)
        if is_unencodable(raw_settings):
            raise InvalidInput(f"field '{handle}': field_settings {UNENCODABLE_MESSAGE}", field=handle)
        settings, default_value, moved = take_settings_default(handle, settings, values, merged.get("default_value"))
        if not moved and isinstance(default_value, str) and existing is not None and \
                default_value == existing.get("default_value"):
            default_text = default_value  # unchanged, already JSON text
        elif default_value is None:
            default_text = None
        else:
            if not stores_column:
                raise InvalidInput(f"field '{handle}': a multiple relation cannot have a default value", field=handle)
            ok, message = field_type.validate(default_value, settings)
            if not ok:
                raise InvalidInput(f"field '{handle}': default value is invalid: {message}", field=handle)
            default_text = json.dumps(default_value)
        return {
            "handle": handle,
            "label": label,
            "field_type_handle": field_type.handle,
            "field_settings": settings,
            "is_required": is_required,
            "is_unique": is_unique,
            "default_value": default_text,
            "help_text": merged.get("help_text") or None,
            "placeholder": merged.get("placeholder") or None,
            "ui_width": ui_width,
            "tab_name": merged.get("tab_name") or "Content",
            "sort_order": sort_order,
            "is_visible": is_visible,
            "related_section_id": related_section_id,
            "custom_validation_rules": to_config(parse_rules(
                merged.get("custom_validation_rules"), f"field '{handle}'", handle)),
        }

    def _relation_target(self, handle: str, target: str, section: dict) -> dict:
        if target == section["handle"]:
            return section
        try:
            return self.find_section(target)
        except NotFound:
            raise InvalidInput(
                f"field '{handle}': relation target section '{target}' does not exist", field=handle
            ) from None

    def _next_sort_order(self, section_id) -> int:
        row = self.conn.execute(
            sql.SQL("SELECT coalesce(max(sort_order) + 1, 0) FROM {} WHERE section_id = %s").format(
                self._t("section_fields")
            ),
            (section_id,),
        ).fetchone()
        return row[0]

    def add_field(self, section_ref, values: dict) -> dict:
        section = self.find_section(section_ref, lock=True)
        unknown = set(values) - set(FIELD_KEYS)
        if unknown:
            raise InvalidInput(f"unknown field setting(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        row = self.normalize_field(section, values)
        if any(f["handle"] == row["handle"] for f in self.fields(section["id"])):
            raise InvalidInput(
                f"field '{row['handle']}' already exists in section '{section['handle']}'", field=row["handle"]
            )
        self.names.check_column_free(section, row["handle"])
        created = self._one(
            sql.SQL("INSERT INTO {} (section_id, {}) VALUES (%s, {}) RETURNING *").format(
                self._t("section_fields"),
                sql.SQL(", ").join(map(sql.Identifier, row)),
                sql.SQL(", ").join(sql.Placeholder() * len(row)),
            ),
            (section["id"], *_adapt(row).values()),
        )
        self.bump(section["id"])
        return created

    def update_field(self, field_id, updates: dict) -> dict:
        if not isinstance(updates, dict) or not updates:
            raise InvalidInput("updates must be a non-empty JSON object", field="updates")
        unknown = set(updates) - set(FIELD_KEYS)
        if unknown:
            raise InvalidInput(
                f"unknown field setting(s): {', '.join(sorted(unknown))} (allowed: {', '.join(FIELD_KEYS)})",
                field=sorted(unknown)[0],
            )
        existing = self.find_field(field_id, lock=True)
        section = self.find_section(existing["section_id"], lock=True)
        row = self.normalize_field(section, updates, existing)
        check_type_change(self.registry, applied_field(section, existing["id"]), row)
        if row["handle"] != existing["handle"] and any(
            f["handle"] == row["handle"] for f in self.fields(section["id"])
        ):
            raise InvalidInput(f"field '{row['handle']}' already exists in section '{section['handle']}'", field=row["handle"])
        if row["handle"] != existing["handle"] and section["title_field_handle"] == existing["handle"]:
            self._set_title_field(section["id"], row["handle"])  # the title follows a rename
        updated = self._one(
            sql.SQL("UPDATE {} SET {} WHERE id = %s RETURNING *").format(
                self._t("section_fields"),
                sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in row),
            ),
            (*_adapt(row).values(), existing["id"]),
        )
        self.bump(section["id"])
        return updated

    def remove_field(self, section_ref, handle: str) -> dict:
        section = self.find_section(section_ref, lock=True)
        field = self.find_field_by_handle(section["id"], handle)
        self.conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(self._t("section_fields")), (field["id"],))
        if section["title_field_handle"] == field["handle"]:
            self._set_title_field(section["id"], None)  # no title rather than a missing one
        self.bump(section["id"])
        return field

    def _set_title_field(self, section_id, handle: str | None) -> None:
        self.conn.execute(
            sql.SQL("UPDATE {} SET title_field_handle = %s WHERE id = %s").format(self._t("sections")), (handle, section_id))

    # -- snapshots -----------------------------------------------------------------
    def snapshot(self, section_id) -> dict:
        """The complete configuration of a section, as stored in migration records."""
        section = self.find_section(section_id)
        keep = ("id", "handle", "label", "description", "icon", "table_name", "title_field_handle", "is_active",
                "search_fields", "validation_rules")
        return {
            "section": {k: section[k] for k in keep},
            "config_version": section["config_version"],
            "fields": [_field_snapshot(f) for f in self.fields(section["id"])],
        }

    def restore_fields(self, section_id, state: dict | None) -> None:
        """Make the section's configuration exactly ``state`` (used by rollback)."""
        restore_configuration(self.conn, self.settings, section_id, state)

def _field_snapshot(field: dict) -> dict:
    keep = ("id", "related_section_id") + FIELD_KEYS
    return {k: field.get(k) for k in keep}


def _adapt(row: dict) -> dict:
    return {k: Jsonb(v) if k == "field_settings" or (k == "custom_validation_rules" and v is not None) else v
            for k, v in row.items()}


def _require_text(value, name: str, field: str | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name} must be a non-empty string", field=field or name)
    if is_unencodable(value):
        raise InvalidInput(f"{name} {UNENCODABLE_MESSAGE}", field=field or name)
    if len(value) > 255:
        raise InvalidInput(f"{name} is too long (at most 255 characters)", field=field or name)
    return value.strip()


def _check_texts(values: dict, where: str) -> None:
    for key, value in values.items():
        if is_unencodable(value):
            raise InvalidInput(f"{where}: {key} {UNENCODABLE_MESSAGE}", field=key)


def _search_fields(value, fields: list, registry):
    """The text fields search covers, in order (checked against the section's fields)."""
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else [v.strip() for v in value.split(",") if v.strip()]
    if value in (None, []):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 20:
        raise InvalidInput("search_fields must be a list of (at most 20) text field handles", field="search_fields")
    kinds = {}
    for f in fields:
        ft = registry.get(f["field_type_handle"])
        settings = f["field_settings"] or {}
        kinds[f["handle"]] = ft.column_type(settings) if ft.stores_column(settings) else None
    for handle in value:
        if handle not in kinds:
            raise InvalidInput(f"search_fields: unknown field '{handle[:60]}'", field="search_fields")
        if kinds[handle] != "text":
            raise InvalidInput(f"search_fields: '{handle}' is not a text field", field="search_fields")
    return Jsonb(list(dict.fromkeys(value)))


def _rules_json(value, where: str):
    """Validation rules checked for shape, as the JSONB value to store (None: no rules)."""
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where} is not valid JSON ({exc.msg})", field="validation_rules") from None
    rules = to_config(parse_rules(value, where))
    return Jsonb(rules) if rules is not None else None


def _bool(value, name: str, handle: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidInput(f"field '{handle}': {name} must be true or false", field=handle)


__all__ = ["ConfigStore", "json_safe", "FIELD_KEYS", "SECTION_KEYS"]
