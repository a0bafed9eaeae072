"""Related entries' titles beside a listing whose relations stay bare ids.

Callers with a fixed output contract (the MCP tools, the EntryQuery node) keep relations
as ids and get ``related_titles`` next to the entries: ``{"author": {"<id>": "Ada"}}``.
The titles come from the same ``fields`` expansion the CLI uses (``title_paths``), so
each relation costs one query for the whole page, never one per entry.
"""

from __future__ import annotations


def titled_relations(paths: list[str]) -> dict[str, str]:
    """relation handle -> its target's title field, read from ``title_paths`` output."""
    out = {}
    for path in paths:
        handle, _, rest = path.partition(".")
        if rest and rest != "id":
            out[handle] = rest
    return out


def split_titles(entries: list[dict], relations: dict[str, str]) -> tuple[list[dict], dict]:
    """Expanded entries back to relations as ids (as without ``fields``), and the titles seen."""
    titles: dict[str, dict] = {handle: {} for handle in relations}
    for entry in entries:
        for handle, title_field in relations.items():
            value = entry.get(handle)
            if isinstance(value, list):
                entry[handle] = [_note(titles[handle], v, title_field) for v in value]
            elif isinstance(value, dict):
                entry[handle] = _note(titles[handle], value, title_field)
    return entries, titles


def _note(seen: dict, related: dict, title_field: str):
    seen[related["id"]] = related.get(title_field)
    return related["id"]


def query_with_titles(engine, section, paths_allowed=None, **query) -> dict:
    """``engine.query_entries`` with ``related_titles`` added; with ``fields`` given the
    entries are as asked and ``related_titles`` is empty (followed relations already carry
    what was asked). ``paths_allowed(path) -> bool`` drops relations a caller may not follow."""
    if query.get("fields"):
        return {**engine.query_entries(section, **query), "related_titles": {}}
    paths = _allowed(engine.entries.title_paths(section), paths_allowed)
    page = engine.query_entries(section, **{**query, "fields": _or_default(paths)})
    page["entries"], page["related_titles"] = split_titles(page["entries"], titled_relations(paths))
    return page


def get_with_titles(engine, section, entry_id, paths_allowed=None, fields=None) -> tuple[dict, dict]:
    """``engine.get_entry`` and its ``related_titles`` (as ``query_with_titles``)."""
    if fields:
        return engine.get_entry(section, entry_id, fields=fields), {}
    paths = _allowed(engine.entries.title_paths(section), paths_allowed)
    entry = engine.get_entry(section, entry_id, fields=_or_default(paths))
    entries, titles = split_titles([entry], titled_relations(paths))
    return entries[0], titles


def _allowed(paths: list[str], paths_allowed) -> list[str]:
    if paths_allowed is None:
        return paths
    return [p for p in paths if "." not in p or paths_allowed(p)]


def _or_default(paths: list[str]):
    """No titled relation: the plain read (``None``), not an expansion of nothing."""
    return paths if len(paths) > 1 else None
