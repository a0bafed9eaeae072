"""Relation columns and pickers show the related entry's title, as the shared
``related_titles`` module names it (with ``guess_title``: a section without a configured
title shows its first text-like field); a title left empty shows the id."""

from __future__ import annotations

import uuid

from ..content_engine import related_titles
from ..content_engine.errors import InvalidInput

MAX_LOOKUP = related_titles.MAX_LOOKUP


def shown(titles: dict) -> dict[str, str]:
    """Titles as the studio prints them: text, or the id where the title is empty."""
    return {i: str(t if t is not None else i) for i, t in titles.items()}


def titles(engine, target_handle: str, ids) -> dict[str, str]:
    """Entry id -> shown title for the given ids of ``target_handle`` (missing ids are left out)."""
    return shown(related_titles.titles_by_id(engine, target_handle, ids, guess_title=True))


def listed(engine, section_ref: str, ids) -> list[dict]:
    """``[{"id", "title", "section"}]`` of the given entries of a section named by id or
    handle (a reverse relation's list, in its order)."""
    handle = engine.get_section(section_ref)["handle"]
    found = titles(engine, handle, ids)
    return [{"id": i, "title": found.get(i, i), "section": handle} for i in ids]


def search(engine, target_handle: str, text: str, limit: int = 20) -> list[dict]:
    """Entries of ``target_handle`` whose title contains ``text`` (any case), by title."""
    shown_field = related_titles.title_field(engine, target_handle, guess_title=True) or "id"
    filters = {}
    if text:
        if shown_field == "id":
            try:
                filters = {"id": str(uuid.UUID(text.strip()))}
            except ValueError:
                return []
        else:
            filters = {shown_field: {"_icontains": text}}
    order = shown_field if shown_field != "id" else "created_at"
    try:
        result = engine.query_entries(target_handle, filters=filters, order_by=order, limit=limit)
    except InvalidInput:  # the title field has no text search (a select, say): match exactly
        result = engine.query_entries(target_handle, filters={shown_field: text}, order_by=order, limit=limit)
    return [{"id": e["id"], "title": str(e.get(shown_field) if e.get(shown_field) is not None else e["id"])}
            for e in result["entries"]]


def ids_by_title(engine, target_handle: str, text: str) -> list[str]:
    """Ids of the entries whose title contains ``text``: a relation column filtered by
    what people see instead of by UUID."""
    return [e["id"] for e in search(engine, target_handle, text, limit=MAX_LOOKUP)]
