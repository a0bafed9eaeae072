"""Full-text search over a section's ``search_fields``: one expression, two users.

The migration builds a GIN index over ``to_tsvector('simple', ...)`` of the chosen text
columns (an expression index: no new column, no table rewrite, built CONCURRENTLY);
``query_entries(..., search=...)`` filters with the *same* expression and
``websearch_to_tsquery``, so the index serves it, and ranks with ``ts_rank``. Without the
index (not applied yet) the query still works, scanning the table; a section without
``search_fields`` is searched over all its text fields, by a scan. The ``simple``
configuration neither stems nor drops stop words, so it suits every language.
"""

from __future__ import annotations

import hashlib

from psycopg import sql

from ..errors import InvalidInput

CONFIG = "simple"
PREFIX = "sx_"
MAX_SEARCH = 500


def search_index_name(section_id, field_ids: list) -> str:
    """``sx_<section>_<hash of the fields>``: a changed field list gets a new index."""
    digest = hashlib.sha1(",".join(str(f) for f in field_ids).encode()).hexdigest()[:8]
    return f"{PREFIX}{str(section_id).replace('-', '')[:12]}_{digest}"


def is_search_index(name: str) -> bool:
    return name.startswith(PREFIX)


def document(columns: list[str], alias: str | None = None) -> sql.Composable:
    """``to_tsvector('simple', coalesce(a, '') || ' ' || coalesce(b, ''))`` over the columns."""
    parts = [sql.SQL("coalesce({}, '')").format(sql.Identifier(alias, c) if alias else sql.Identifier(c))
             for c in columns]
    return sql.SQL("to_tsvector({}::regconfig, {})").format(
        sql.Literal(CONFIG), sql.SQL(" || ' ' || ").join(parts))


def check_search(text) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidInput("search must be text", field="search")
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_SEARCH:
        raise InvalidInput(f"search takes at most {MAX_SEARCH} characters", field="search")
    return text


def search_condition(model, text: str, alias: str) -> tuple[sql.Composable, sql.Composable, list, dict]:
    """(WHERE condition, rank expression, parameters, how it searched) of a search on ``model``.

    With ``search_fields`` the expression is the one the GIN index holds ("indexed"); without
    them every text field of the section is searched by scanning the table ("scan"), as
    headless CMSs search their text fields by default."""
    if model.search_fields:
        fields, mode = list(model.search_fields), "indexed"
    else:
        fields, mode = [h for h, f in model.fields.items() if f.ft.is_text_searchable(f.settings)], "scan"
    if not fields:
        raise InvalidInput(f"section '{model.handle}' has no text fields to search", field="search")
    doc = document(fields, alias)
    query = sql.SQL("websearch_to_tsquery({}::regconfig, %s)").format(sql.Literal(CONFIG))
    return (sql.SQL("{} @@ {}").format(doc, query), sql.SQL("ts_rank({}, {})").format(doc, query), [text],
            {"mode": mode, "fields": fields})


def text_fields(fields) -> list:
    """The configured fields search can use: text and varchar columns (the type decides)."""
    return [f for f in fields if f.ft.is_text_searchable(f.settings)]
