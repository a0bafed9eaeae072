"""Related entries' titles beside a listing whose relations stay bare ids.

Callers with a fixed output contract (the MCP tools, the EntryQuery node, the CLI's JSON)
keep relations as ids and get ``related_titles`` next to the entries:
``{"author": {"<id>": "Ada"}}``. The titles come from the same ``fields`` expansion the
CLI's tables use (``title_paths``), so each relation costs one query for the whole page,
never one per entry.

Which field is a related entry's title: by default the target section's configured title
field (a target without one gets no titles). ``guess_title=True`` is what the studio
shows: without a configured title, the first text-like field (the descriptors' rule,
``section_view.title_field``).
"""

from __future__ import annotations

from .section_view import relation_targets, section_fields
from .section_view import title_field as descriptor_title_field

MAX_LOOKUP = 1000


def title_field(engine, section: str, guess_title: bool = False) -> str | None:
    """The field that names an entry of ``section`` (None: it has none)."""
    if not guess_title:
        return engine.entries.title_field(section)
    found = engine.get_section(section)
    shown = descriptor_title_field(found, section_fields(found, "applied"))
    return None if shown == "id" else shown


def title_paths(engine, section: str, guess_title: bool = False, section_config: dict | None = None) -> list[str]:
    """``fields`` for a listing: every column, and each related entry's id and title.
    ``section_config``: the section as ``engine.get_section`` gave it, when the caller has
    it already (saves reading it again)."""
    if not guess_title:
        return engine.entries.title_paths(section)
    paths, shown = ["*"], {}
    found = section_config if section_config is not None else engine.get_section(section)
    for handle, target in relation_targets(found, engine.registry).items():
        if not engine.scope.allows(target):
            continue  # outside the caller's scope (ContentEngine.scoped): as if it did not exist
        if target not in shown:
            shown[target] = title_field(engine, target, guess_title=True)
        if shown[target]:
            paths += [f"{handle}.id", f"{handle}.{shown[target]}"]
    return paths


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
        for handle, title in relations.items():
            value = entry.get(handle)
            if isinstance(value, list):
                entry[handle] = [_note(titles[handle], v, title) for v in value]
            elif isinstance(value, dict):
                entry[handle] = _note(titles[handle], value, title)
    return entries, titles


def _note(seen: dict, related: dict, title: str):
    seen[related["id"]] = related.get(title)
    return related["id"]


def query_with_titles(engine, section, paths_allowed=None, guess_title: bool = False,
                      section_config: dict | None = None, **query) -> dict:
    """``engine.query_entries`` with ``related_titles`` added; with ``fields`` given the
    entries are as asked and ``related_titles`` is empty (followed relations already carry
    what was asked). ``paths_allowed(path) -> bool`` drops relations a caller does not show;
    a scoped engine (``ContentEngine.scoped``) gives no titles of sections outside its scope."""
    if query.get("fields"):
        return {**engine.query_entries(section, **query), "related_titles": {}}
    paths = _allowed(title_paths(engine, section, guess_title, section_config), paths_allowed)
    page = engine.query_entries(section, **{**query, "fields": _or_default(paths)})
    page["entries"], page["related_titles"] = split_titles(page["entries"], titled_relations(paths))
    return page


def get_with_titles(engine, section, entry_id, paths_allowed=None, fields=None,
                    guess_title: bool = False) -> tuple[dict, dict]:
    """``engine.get_entry`` and its ``related_titles`` (as ``query_with_titles``)."""
    if fields:
        return engine.get_entry(section, entry_id, fields=fields), {}
    paths = _allowed(title_paths(engine, section, guess_title), paths_allowed)
    entry = engine.get_entry(section, entry_id, fields=_or_default(paths))
    entries, titles = split_titles([entry], titled_relations(paths))
    return entries[0], titles


def titles_by_id(engine, section: str, ids, guess_title: bool = False) -> dict[str, object]:
    """Entry id -> title for some entries of ``section`` itself (at most ``MAX_LOOKUP``,
    one query; ids that do not exist are left out), e.g. the picked values of a form."""
    wanted = sorted({str(i) for i in ids if i})[:MAX_LOOKUP]
    shown = title_field(engine, section, guess_title) if wanted else None
    if not shown:
        return {}
    found = engine.query_entries(section, filters={"id": {"_in": wanted}}, limit=len(wanted), fields=["id", shown],
                                 count="none")
    return {e["id"]: e.get(shown) for e in found["entries"]}


def _allowed(paths: list[str], paths_allowed) -> list[str]:
    if paths_allowed is None:
        return paths
    return [p for p in paths if "." not in p or paths_allowed(p)]


def _or_default(paths: list[str]):
    """No titled relation: the plain read (``None``), not an expansion of nothing."""
    return paths if len(paths) > 1 else None
