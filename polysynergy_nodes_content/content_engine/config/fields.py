"""Writing a section's fields: a complete field configuration is validated, then stored.

Every change bumps the section's ``config_version``; the table changes only when a reviewed
migration is applied.
"""

from __future__ import annotations

import json

from psycopg import sql
from psycopg.types.json import Jsonb

from polysynergy_section_field.section_field_runner import FieldSettingsError, UnknownFieldTypeError

from ..errors import InvalidInput, NotFound
from ..identifiers import check_field_handle
from ..json_values import UNENCODABLE_MESSAGE, is_unencodable
from ..rules import check_patterns, parse_rules, to_config
from .consistency import applied_field, check_type_change, take_settings_default
from .reader import ConfigReader
from .reverse_fields import check_not_listed, check_reverse_field
from .values import FIELD_KEYS, UI_WIDTHS, check_bool, check_texts, require_text


class FieldConfig(ConfigReader):
    """Adds, changes and removes field configuration rows."""

    def normalize_field(self, section: dict, values: dict, existing: dict | None = None) -> dict:
        """Validate a complete field configuration; return the columns to store."""
        merged = dict(existing or {})
        merged.update(values)
        handle = check_field_handle(merged.get("handle"))
        label = merged.get("label")
        label = require_text(label, "label", field=handle) if label not in (None, "") else handle.replace("_", " ").title()
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
        previous = (existing or {}).get("field_settings")
        previous = previous if isinstance(previous, dict) else None
        try:
            # PolySynergy's spelling of a setting beside ours: the one that changed wins.
            raw_settings = field_type.reconcile_aliases(raw_settings, previous)
            settings = field_type.validate_settings(raw_settings)
            settings = field_type.resolve_section_refs(settings, previous, self._section_or_none(section))
        except FieldSettingsError as exc:
            raise InvalidInput(f"field '{handle}': {exc}", field=handle) from None
        is_required = check_bool(merged.get("is_required", False), "is_required", handle)
        is_unique = check_bool(merged.get("is_unique", False), "is_unique", handle)
        is_visible = check_bool(merged.get("is_visible", True), "is_visible", handle)
        ui_width = merged.get("ui_width") or "full"
        if ui_width not in UI_WIDTHS:
            raise InvalidInput(f"field '{handle}': ui_width must be one of {', '.join(UI_WIDTHS)}", field=handle)
        sort_order = merged.get("sort_order")
        if sort_order is None:
            sort_order = self._next_sort_order(section["id"])
        elif isinstance(sort_order, bool) or not isinstance(sort_order, int):
            raise InvalidInput(f"field '{handle}': sort_order must be a whole number", field=handle)
        related_section_id = None
        reverse = field_type.reverse_relation(settings)
        if reverse is not None:
            related_section_id = check_reverse_field(self, handle, reverse, section, merged)["id"]
        target = field_type.foreign_key_target(settings)
        stores_column = field_type.stores_column(settings)
        if target is not None:
            related_section_id = self._relation_target(handle, target, section)["id"]
            if not stores_column and is_unique:
                raise InvalidInput(f"field '{handle}': a multiple relation cannot be unique", field=handle)
            if not stores_column:
                self.names.check_junction_name_free(section, handle)
        check_texts({k: merged.get(k) for k in ("help_text", "placeholder", "tab_name")}, handle)
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
        rules = parse_rules(merged.get("custom_validation_rules"), f"field '{handle}'", handle)
        if "custom_validation_rules" in values:  # stored rules were checked when they were given
            check_patterns(self.conn, rules, f"field '{handle}'")
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
            "custom_validation_rules": to_config(rules),
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

    def _section_or_none(self, section: dict):
        """``find_section`` by id or handle for the field-type hooks: None when missing."""
        def find(ref):
            if ref in (section["handle"], str(section["id"])):
                return section
            try:
                return self.find_section(ref)
            except (NotFound, InvalidInput):
                return None
        return find

    def _next_sort_order(self, section_id) -> int:
        row = self.conn.execute(
            sql.SQL("SELECT coalesce(max(sort_order) + 1, 0) FROM {} WHERE section_id = %s").format(
                self._t("section_fields")
            ),
            (section_id,),
        ).fetchone()
        return row[0]

    def add_field(self, section_ref, values: dict, field_id=None, adopting_column: bool = False) -> dict:
        """``field_id``: the id to keep (a schema file's field); a new one when None.
        ``adopting_column``: the field takes over the live column of its name as it is (an
        adopted table's column added by another tool), so that column may exist."""
        section = self.find_section(section_ref, lock=True)
        unknown = set(values) - set(FIELD_KEYS)
        if unknown:
            raise InvalidInput(f"unknown field setting(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        row = self.normalize_field(section, values)
        if any(f["handle"] == row["handle"] for f in self.fields(section["id"])):
            raise InvalidInput(
                f"field '{row['handle']}' already exists in section '{section['handle']}'", field=row["handle"]
            )
        if not adopting_column:
            self.names.check_column_free(section, row["handle"])
        created = self._one(
            sql.SQL("INSERT INTO {} (id, section_id, {}) VALUES (coalesce(%s::uuid, gen_random_uuid()), %s, {}) "
                    "RETURNING *").format(
                self._t("section_fields"),
                sql.SQL(", ").join(map(sql.Identifier, row)),
                sql.SQL(", ").join(sql.Placeholder() * len(row)),
            ),
            (field_id, section["id"], *_adapt(row).values()),
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
        check_not_listed(self, section, existing, row)
        check_type_change(self.registry, applied_field(section, existing["id"]), row)
        if row["handle"] != existing["handle"] and any(
            f["handle"] == row["handle"] for f in self.fields(section["id"])
        ):
            raise InvalidInput(f"field '{row['handle']}' already exists in section '{section['handle']}'", field=row["handle"])
        if row["handle"] != existing["handle"] and section["title_field_handle"] == existing["handle"]:
            self._set_title_field(section["id"], row["handle"])  # the title follows a rename
        if row["handle"] != existing["handle"]:
            self._follow_in_search_fields(section, existing["handle"], row["handle"])
        updated = self._one(
            sql.SQL("UPDATE {} SET {} WHERE id = %s RETURNING *").format(
                self._t("section_fields"),
                sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in row),
            ),
            (*_adapt(row).values(), existing["id"]),
        )
        if existing.get("adopted_type") and (row.get("field_type_handle", existing["field_type_handle"]) !=
                                             existing["field_type_handle"] or row.get(
                                                 "field_settings", existing["field_settings"]) != existing["field_settings"]):
            # An adopted column's own type holds until the field's type or settings change.
            self.conn.execute(sql.SQL("UPDATE {} SET adopted_type = NULL WHERE id = %s").format(
                self._t("section_fields")), (existing["id"],))
            updated["adopted_type"] = None
        self.bump(section["id"])
        return updated

    def remove_field(self, section_ref, handle: str) -> dict:
        section = self.find_section(section_ref, lock=True)
        field = self.find_field_by_handle(section["id"], handle)
        check_not_listed(self, section, field, None)
        self.conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(self._t("section_fields")), (field["id"],))
        if section["title_field_handle"] == field["handle"]:
            self._set_title_field(section["id"], None)  # no title rather than a missing one
        self._follow_in_search_fields(section, field["handle"], None)
        self.bump(section["id"])
        return field

    def _follow_in_search_fields(self, section: dict, old: str, new: str | None) -> None:
        """The search fields follow a field's rename (``new``) or lose it (None): a stale handle
        there would make the section's settings unusable elsewhere (a schema file, an update)."""
        listed = section.get("search_fields") or []
        if old not in listed:
            return
        kept = [new if h == old else h for h in listed if h != old or new is not None]
        self.conn.execute(sql.SQL("UPDATE {} SET search_fields = %s WHERE id = %s").format(self._t("sections")),
                          (Jsonb(kept) if kept else None, section["id"]))


def _adapt(row: dict) -> dict:
    return {k: Jsonb(v) if k == "field_settings" or (k == "custom_validation_rules" and v is not None) else v
            for k, v in row.items()}
