"""Relation settings in PolySynergy's spelling: the target named by section id.

PolySynergy's relation types store ``relatedSection`` (a section id) and
``displayField``. Our engine's relation hooks work with section handles, so a field
configured with an id keeps it and gets the target's handle (``targetSection``) beside
it when it is configured (``resolve_section_refs``); one given as a handle gets the id.
Renaming the target updates the handle (``retarget``); the id never changes.
Not part of the plugin API.
"""

from __future__ import annotations

from ...section_field_runner.errors import FieldSettingsError
from .._common import prop

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def target_properties() -> dict:
    """The target and how entries of it are shown, in both spellings."""
    return {
        "relatedSection": prop("string", "Related section", "Id of the section to link to (PolySynergy's "
                               "spelling; the handle is filled in).", pattern=UUID_PATTERN),
        "targetSection": prop("string", "Target section", "Handle of the section to link to (the id is "
                              "filled in).", pattern="^[a-z][a-z0-9_]*$", maxLength=63),
        "displayField": prop("string", "Display field", "Field of the target shown for a linked entry.",
                             maxLength=63, default="title"),
    }


#: One of the two names of the target is required.
TARGET_REQUIRED = [{"required": ["relatedSection"]}, {"required": ["targetSection"]}]


class SectionIdReference:
    """Mixin for a relation type whose settings may name the target by id."""

    handle: str

    def resolve_section_refs(self, settings: dict, previous: dict | None, find_section) -> dict:
        by_id = by_handle = None
        related, target = settings.get("relatedSection"), settings.get("targetSection")
        if related is not None:
            by_id = find_section(related)
        if target is not None:
            by_handle = find_section(target)
        found = self._choose(by_id, by_handle, related, target, previous or {})
        return {**settings, "relatedSection": str(found["id"]), "targetSection": found["handle"]}

    def _choose(self, by_id, by_handle, related, target, previous: dict) -> dict:
        if by_id is None and by_handle is None:
            setting, ref = ("relatedSection", related) if related is not None else ("targetSection", target)
            raise FieldSettingsError(self.handle, f"section '{ref}' does not exist", setting)
        if by_id is None or by_handle is None or by_id["id"] == by_handle["id"]:
            # An id from another database (an import) gives way to the handle, and the other way round.
            return by_id or by_handle
        # Both name existing, different sections: the one that was changed wins.
        if previous.get("relatedSection") == related:
            return by_handle
        if previous.get("targetSection") == target:
            return by_id
        raise FieldSettingsError(
            self.handle, f"relatedSection ('{related}', section '{by_id['handle']}') and targetSection "
                         f"('{target}') name different sections; give one of them", "relatedSection")
