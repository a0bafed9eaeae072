"""Relation columns and pickers show the related entry's title, as the shared
``related_titles`` module names it (with ``guess_title``: a section without a configured
title shows its first text-like field); a title left empty shows the id."""

from __future__ import annotations

from ..content_engine.descriptors import MAX_LOOKUP, title_field, titles_by_id
from ..content_engine.entries import parse_entry_id
from ..content_engine.errors import InvalidInput

MAX_LOOKUP = MAX_LOOKUP
#: Different titles one relation column filter may name (each is a substring search).
MAX_TITLE_PARTS = 20


def reads_as_id(id_type: str, value) -> bool:
    """Whether ``value`` is an entry id of a section whose ids are ``id_type`` (a UUID, or
    an adopted table's own key: a whole number or text)."""
    try:
        parse_entry_id(value, id_type)
    except InvalidInput:
        return False
    return True


def valid_ids(engine, target_handle: str, values) -> list:
    """The ``values`` that are ids of ``target_handle``'s entries, in order."""
    id_type = engine.entry_id_type(target_handle)
    return [v for v in values if reads_as_id(id_type, v)]


def typed_ids(engine, target_handle: str, values) -> bool:
    """Whether what someone typed into a relation column's filter are ids, not titles: ids
    a title cannot be confused with (UUIDs, whole numbers), all of them."""
    id_type = engine.entry_id_type(target_handle)
    return id_type != "text" and all(reads_as_id(id_type, v) for v in values)


def shown(titles: dict) -> dict[str, str]:
    """Titles as the studio prints them: text, or the id where the title is empty."""
    return {i: str(t if t is not None else i) for i, t in titles.items()}


def titles(engine, target_handle: str, ids) -> dict[str, str]:
    """Entry id -> shown title for the given ids of ``target_handle`` (missing ids are left out)."""
    return shown(titles_by_id(engine, target_handle, ids, guess_title=True))


def listed(engine, section_ref: str, ids) -> list[dict]:
    """``[{"id", "title", "section"}]`` of the given entries of a section named by id or
    handle (a reverse relation's list, in its order)."""
    handle = engine.get_section(section_ref)["handle"]
    found = titles(engine, handle, ids)
    return [{"id": i, "title": found.get(i, i), "section": handle} for i in ids]


def search(engine, target_handle: str, text: str, limit: int = 20) -> list[dict]:
    """Entries of ``target_handle`` whose title contains ``text`` (any case), by title."""
    shown_field = title_field(engine, target_handle, guess_title=True) or "id"
    filters = {}
    if text:
        if shown_field == "id":
            id_type = engine.entry_id_type(target_handle)
            if not reads_as_id(id_type, text):
                return []
            filters = {"id": str(parse_entry_id(text.strip(), id_type))}
        else:
            filters = {shown_field: {"_icontains": text}}
    order = shown_field if shown_field != "id" else "created_at"
    try:
        result = engine.query_entries(target_handle, filters=filters, order_by=order, limit=limit)
    except InvalidInput:  # the title field has no text search (a select, say): match exactly
        result = engine.query_entries(target_handle, filters={shown_field: text}, order_by=order, limit=limit)
    return [{"id": e["id"], "title": str(e.get(shown_field) if e.get(shown_field) is not None else e["id"])}
            for e in result["entries"]]


def ids_by_titles(engine, target_handle: str, texts: list[str], column: str) -> list[str]:
    """Ids of the entries whose title contains any of ``texts``: a relation column filtered
    by what people see instead of by id. One query for all of them (an ``_or`` of the
    parts), the parts stripped and de-duplicated, at most MAX_TITLE_PARTS."""
    parts = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
    if len(parts) > MAX_TITLE_PARTS:
        raise InvalidInput(f"filter on '{column}': {len(parts)} different titles, at most {MAX_TITLE_PARTS} "
                           "(filter by fewer, or by ids)", field=column)
    if not parts:
        return []
    shown_field = title_field(engine, target_handle, guess_title=True) or "id"
    if shown_field == "id":
        id_type = engine.entry_id_type(target_handle)
        ids = [str(parse_entry_id(p, id_type)) for p in parts if reads_as_id(id_type, p)]
        filters = {"id": {"_in": ids}} if ids else None
        if filters is None:
            return []
    else:
        filters = {"_or": [{shown_field: {"_icontains": part}} for part in parts]}
    try:
        result = engine.query_entries(target_handle, filters=filters, fields=["id"], limit=MAX_LOOKUP, count="none")
    except InvalidInput:  # the title field has no text search (a select, say): match exactly
        result = engine.query_entries(target_handle, filters={shown_field: {"_in": parts}}, fields=["id"],
                                      limit=MAX_LOOKUP, count="none")
    return [e["id"] for e in result["entries"]]

