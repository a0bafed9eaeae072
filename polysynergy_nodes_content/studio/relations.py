"""Relation columns show the related entry's title: one batched query per related
section and page, through the engine's public query API."""

from __future__ import annotations

import uuid

from ..content_engine.errors import InvalidInput
from ..content_engine.descriptors.section_view import section_fields, title_field

MAX_LOOKUP = 1000


def related_title_field(engine, target_handle: str) -> str:
    target = engine.get_section(target_handle)
    return title_field(target, section_fields(target, "applied"))


def titles(engine, target_handle: str, ids) -> dict[str, str]:
    """Entry id -> title for the given ids of ``target_handle`` (missing ids are left out)."""
    wanted = sorted({str(i) for i in ids if i})[:MAX_LOOKUP]
    if not wanted:
        return {}
    shown = related_title_field(engine, target_handle)
    result = engine.query_entries(target_handle, filters={"id": {"_in": wanted}}, limit=len(wanted))
    return {e["id"]: str(e.get(shown) if e.get(shown) is not None else e["id"]) for e in result["entries"]}


def search(engine, target_handle: str, text: str, limit: int = 20) -> list[dict]:
    """Entries of ``target_handle`` whose title contains ``text`` (any case), by title."""
    shown = related_title_field(engine, target_handle)
    filters = {}
    if text:
        if shown == "id":
            try:
                filters = {"id": str(uuid.UUID(text.strip()))}
            except ValueError:
                return []
        else:
            filters = {shown: {"_icontains": text}}
    order = shown if shown != "id" else "created_at"
    try:
        result = engine.query_entries(target_handle, filters=filters, order_by=order, limit=limit)
    except InvalidInput:  # the title field has no text search (a select, say): match exactly
        result = engine.query_entries(target_handle, filters={shown: text}, order_by=order, limit=limit)
    return [{"id": e["id"], "title": str(e.get(shown) if e.get(shown) is not None else e["id"])}
            for e in result["entries"]]


def ids_by_title(engine, target_handle: str, text: str) -> list[str]:
    """Ids of the entries whose title contains ``text``: a relation column filtered by
    what people see instead of by UUID."""
    return [e["id"] for e in search(engine, target_handle, text, limit=MAX_LOOKUP)]
