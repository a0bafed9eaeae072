"""Writing a section's own settings (handle, label, title, search, rules).

A rename of the handle renames the table name too, and relation fields elsewhere that name
this section by handle follow it through their type's ``retarget`` hook.
"""

from __future__ import annotations

import json

from psycopg import sql
from psycopg.types.json import Jsonb

from ..errors import InvalidInput
from ..history import check_history_settings
from ..identifiers import check_identifier
from ..rules import check_patterns, parse_rules, to_config
from .consistency import check_title_field
from .reader import ConfigReader
from .values import SECTION_KEYS, check_texts, require_text

STRUCTURAL_SECTION_KEYS = {"handle", "is_active", "search_fields", "validation_rules", "history"}


class SectionConfig(ConfigReader):
    """Creates, changes and deletes section configuration rows."""

    def create_section(self, handle, label, description=None, icon=None, title_field_handle=None,
                       section_id=None) -> dict:
        """``section_id``: the id to keep (a schema file's section); a new one when None."""
        check_identifier(handle, "section handle")
        check_texts({"description": description, "icon": icon, "title_field_handle": title_field_handle}, "section")
        label = require_text(label, "label") if label not in (None, "") else handle.replace("_", " ").title()
        check_title_field({"handle": handle}, title_field_handle or None, [], self.registry)
        self.names.check_table_name_free(handle)
        return self._one(
            sql.SQL(
                "INSERT INTO {} (id, handle, label, description, icon, table_name, title_field_handle) "
                "VALUES (coalesce(%s::uuid, gen_random_uuid()), %s, %s, %s, %s, %s, %s) RETURNING *"
            ).format(self._t("sections")),
            (section_id, handle, label, description or None, icon or None, handle, title_field_handle or None),
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
            values["label"] = require_text(values["label"], "label")
        if "title_field_handle" in values:
            values["title_field_handle"] = values["title_field_handle"] or None
            check_title_field(section, values["title_field_handle"], self.fields(section["id"]), self.registry)
        if "search_fields" in values:
            values["search_fields"] = _search_fields(values["search_fields"], self.fields(section["id"]), self.registry)
        if "validation_rules" in values:
            values["validation_rules"] = _rules_json(self.conn, values["validation_rules"], "section validation_rules")
        values.update(check_history_settings(values))
        if not values:
            return section
        check_texts({k: v for k, v in values.items() if k not in ("validation_rules", "search_fields")}, "section")
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values
        )
        structural = bool(STRUCTURAL_SECTION_KEYS & set(values))
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


def _search_fields(value, fields: list, registry):
    """The text fields search covers, in order (checked against the section's fields)."""
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else [v.strip() for v in value.split(",") if v.strip()]
    if value in (None, []):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 20:
        raise InvalidInput("search_fields must be a list of (at most 20) text field handles", field="search_fields")
    searchable = {f["handle"]: registry.get(f["field_type_handle"]).is_text_searchable(f["field_settings"] or {})
                  for f in fields}
    for handle in value:
        if handle not in searchable:
            raise InvalidInput(f"search_fields: unknown field '{handle[:60]}'", field="search_fields")
        if not searchable[handle]:
            raise InvalidInput(f"search_fields: '{handle}' is not a text field", field="search_fields")
    return Jsonb(list(dict.fromkeys(value)))


def _rules_json(conn, value, where: str):
    """Validation rules checked for shape and patterns, as the JSONB value to store (None: no rules)."""
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where} is not valid JSON ({exc.msg})", field="validation_rules") from None
    parsed = parse_rules(value, where)
    check_patterns(conn, parsed, where)
    rules = to_config(parsed)
    return Jsonb(rules) if rules is not None else None
