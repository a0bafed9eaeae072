"""Exporting the content model (all sections, or some) as a schema file's text."""

from __future__ import annotations

from ..config import ConfigStore
from ..errors import InvalidInput, NotFound
from .document import dump, schema_document, section_document


def wanted_handles(sections) -> list[str] | None:
    """``sections`` as a list of handles: None (every section), a list, or "a,b" text."""
    if sections is None:
        return None
    if isinstance(sections, str):
        sections = [s.strip() for s in sections.split(",") if s.strip()]
    if not isinstance(sections, (list, tuple)) or not sections or not all(isinstance(s, str) for s in sections):
        raise InvalidInput("sections must be a non-empty list of section handles", field="sections")
    return list(dict.fromkeys(sections))


def export_schema(store: ConfigStore, sections=None) -> str:
    """The YAML text of the active sections (``sections``: only these handles, a partial file)."""
    handles = wanted_handles(sections)
    active = [s for s in store.list_sections() if s["is_active"]]
    if handles is not None:
        known = {s["handle"] for s in active}
        missing = [h for h in handles if h not in known]
        if missing:
            raise NotFound(f"section '{missing[0]}' does not exist", field="sections")
        active = [s for s in active if s["handle"] in handles]
    documents = [section_document(s, store.fields(s["id"])) for s in active]
    return dump(schema_document(documents, partial=handles is not None))
