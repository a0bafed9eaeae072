"""The entry JSON Schema (draft 2020-12): which keys, which values, which are required.

It mirrors the engine's write rules: unknown keys are refused, a required field must be
present (unless it has a default) and never null, optional fields may be null, and each
value follows its field type's rules (see ``value_schema``). Validate with format
assertion on (``format_checker``) for dates, UUIDs and emails.
"""

from __future__ import annotations

from .section_view import default_of, section_fields
from .value_schema import KEY_ID_SCHEMAS, related_id_schema, related_ids_schema, value_schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def field_schema(field: dict, registry, related_id_types: dict | None = None) -> dict:
    """The schema of one field's value, with its title, description and default.
    ``related_id_types``: target section handle -> its entry ids' type, for targets that
    keep an adopted table's own key (a relation's values are then such ids, not UUIDs)."""
    settings = field.get("field_settings") or {}
    handle = field["field_type_handle"]
    ft = registry.get(handle)
    rule = value_schema(handle, settings, ft)
    multiple = ft.uses_junction(settings)
    key_type = (related_id_types or {}).get(ft.relation_target(settings))
    if key_type in KEY_ID_SCHEMAS and ft.reverse_relation(settings) is None:
        rule = related_ids_schema(key_type, settings, multiple)
    if ft.reverse_relation(settings) is not None:
        # Read only: the ids of the entries whose relation points here (never written), of
        # the related section's key type.
        rule = {"type": "array", "items": related_id_schema(key_type),
                "x-engine-checks": [f"read only: set '{ft.reverse_relation(settings)[1]}' on the related "
                                    "section's entries instead"]}
    if field.get("is_required"):
        schema = dict(rule)
        if multiple:
            schema["minItems"] = max(1, schema.get("minItems", 1))
    else:
        schema = {"anyOf": [{"type": "null"}, rule]}
    schema["title"] = field.get("label") or field["handle"]
    if field.get("help_text"):
        schema["description"] = field["help_text"]
    if field.get("default_value") is not None:
        schema["default"] = default_of(field)
    schema["x-field-type"] = handle
    if ft.reverse_relation(settings) is not None:
        schema["readOnly"] = True
    return schema


def entry_schema(section: dict, registry, source: str = "applied") -> dict:
    """The JSON Schema of an entry of ``section`` as the engine accepts it on create.

    For an update every key is optional: drop ``required`` (the schema's
    ``x-update-schema`` says so)."""
    fields = section_fields(section, source)
    keys = section.get("related_id_types")  # filled by callers that know them (ContentEngine.related_id_types)
    properties = {f["handle"]: field_schema(f, registry, keys) for f in fields}
    required = [f["handle"] for f in fields if f.get("is_required") and f.get("default_value") is None]
    schema = {
        "$schema": DIALECT,
        "$id": f"urn:polysynergy-content:section:{section['handle']}",
        "title": section.get("label") or section["handle"],
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "x-update-schema": "the same without 'required'",
    }
    if section.get("description"):
        schema["description"] = section["description"]
    if required:
        schema["required"] = required
    return schema
