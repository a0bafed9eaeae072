"""The schema file: the content model as a YAML document, and back.

One function shapes a section as the file holds it (``section_document``), for the export
and for comparing a file with a database alike, so the two never disagree on a key. Keys
come in a fixed order and settings are sorted, so a diff in git shows only what changed.
The file holds configuration only: no entries, no migration records, no URLs.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import yaml
from jsonschema import Draft202012Validator

from ..errors import InvalidInput, NestedTooDeeply

FORMAT = "polysynergy-content-schema"
VERSION = 1
SECTION_KEYS = ("id", "handle", "label", "description", "icon", "title_field_handle", "search_fields",
                "validation_rules", "history", "history_keep_versions", "history_keep_days")
#: History capture and retention: optional in a file (absent: the target's stays as it is).
HISTORY_KEYS = ("history", "history_keep_versions", "history_keep_days")
#: Section keys that name fields: set after the fields exist.
SECTION_FIELD_KEYS = ("title_field_handle", "search_fields", "validation_rules")
FIELD_KEYS = ("id", "handle", "label", "field_type_handle", "field_settings", "is_required", "is_unique",
              "default_value", "custom_validation_rules", "help_text", "placeholder", "tab_name", "ui_width",
              "sort_order", "is_visible")
HEADER = ("# The content model of polysynergy-content (sections and fields, matched by id).\n"
          "# Review changes with `polysynergy-content schema plan FILE`; apply with `schema apply FILE`.\n")


def _sorted(value):
    """Dicts with their keys sorted, all the way down (JSONB gives its own key order)."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def field_document(field: dict) -> dict:
    """A stored field row as the file holds it (the default decoded from its JSON text)."""
    doc = {k: field.get(k) for k in FIELD_KEYS}
    doc["id"] = str(field["id"])
    doc["field_settings"] = _sorted(field.get("field_settings") or {})
    default = field.get("default_value")
    doc["default_value"] = json.loads(default) if isinstance(default, str) else default
    doc["default_value"] = _sorted(doc["default_value"])
    doc["custom_validation_rules"] = _sorted(field.get("custom_validation_rules"))
    return doc


def section_document(section: dict, fields: list[dict]) -> dict:
    """A stored section and its fields (in their form order) as the file holds them."""
    doc = {k: section.get(k) for k in SECTION_KEYS}
    doc["id"] = str(section["id"])
    doc["search_fields"] = list(section["search_fields"]) if section.get("search_fields") else None
    doc["validation_rules"] = _sorted(section.get("validation_rules"))
    ordered = sorted(fields, key=lambda f: (f["sort_order"], f["handle"]))
    doc["fields"] = [field_document(f) for f in ordered]
    return doc


def schema_document(sections: list[dict], partial: bool) -> dict:
    """The whole file: sections (already shaped by ``section_document``) by handle."""
    return {"format": FORMAT, "version": VERSION, "partial": partial,
            "sections": sorted(sections, key=lambda s: s["handle"])}


def dump(document: dict) -> str:
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False,
                                   width=100)


@lru_cache(maxsize=1)
def format_schema() -> dict:
    """The JSON Schema of the file format, shipped beside this module."""
    return json.loads(resources.files(__package__).joinpath("format.schema.json").read_text(encoding="utf-8"))


def _where(error) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(the file)"


#: A schema file is configuration: far below this. Larger text is refused before parsing.
MAX_FILE_BYTES = 5_000_000


class _PlainLoader(yaml.SafeLoader):
    """``safe_load`` without aliases: an alias (``*name``) can stand for a node many times
    over, and a few nested ones make a small file expand into a huge document to walk."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a schema file", mark)
        return super().compose_node(parent, index)


def problems(text: str) -> tuple[dict | None, list[dict]]:
    """The parsed document and every problem with it: YAML, the format, duplicate ids and handles."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [{"path": "(the file)", "message": f"larger than {MAX_FILE_BYTES} bytes"}]
    try:
        document = yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader without aliases
        found = [{"path": _where(e), "message": e.message}
                 for e in sorted(Draft202012Validator(format_schema()).iter_errors(document), key=lambda e: list(
                     map(str, e.absolute_path)))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(the file)"
        return None, [{"path": where, "message": f"not valid YAML: {getattr(exc, 'problem', None) or exc}"}]
    except RecursionError:
        raise NestedTooDeeply("schema file") from None
    if found:
        return None, found
    return document, _duplicates(document)


def _duplicates(document: dict) -> list[dict]:
    found, ids, handles = [], set(), set()
    for i, section in enumerate(document["sections"]):
        for key, seen, what in (("id", ids, "id"), ("handle", handles, "section handle")):
            if section[key] in seen:
                found.append({"path": f"sections/{i}/{key}", "message": f"{what} {section[key]} appears twice"})
            seen.add(section[key])
        field_handles = set()
        for j, field in enumerate(section["fields"]):
            if field["id"] in ids:
                found.append({"path": f"sections/{i}/fields/{j}/id", "message": f"id {field['id']} appears twice"})
            ids.add(field["id"])
            if field["handle"] in field_handles:
                found.append({"path": f"sections/{i}/fields/{j}/handle",
                              "message": f"field handle {section['handle']}.{field['handle']} appears twice"})
            field_handles.add(field["handle"])
    return found


def check_schema_file(text: str) -> dict:
    """``{"valid": bool, "problems": [{"path", "message"}], "sections": n}`` for a file's text."""
    document, found = problems(text)
    return {"valid": not found, "problems": found,
            "sections": len(document["sections"]) if document and not found else 0}


def load(text: str) -> dict:
    """The document of a valid file; InvalidInput naming the first problems otherwise."""
    if not isinstance(text, str):
        raise InvalidInput("the schema file must be YAML text", field="schema")
    document, found = problems(text)
    if found:
        listed = "; ".join(f"{p['path']}: {p['message']}" for p in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise InvalidInput(f"the schema file is not valid: {listed}{more}", field="schema", errors=found)
    return document
