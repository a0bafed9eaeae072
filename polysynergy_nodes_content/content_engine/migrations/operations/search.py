"""The full-text search index of a section's ``search_fields`` (see ``postgres/text_search``)."""

from __future__ import annotations

from psycopg import sql

from ...postgres import CONFIG, document, is_search_index, search_index_name, text_fields
from ..steps import Step
from .base import ORDER_ADD_CONSTRAINT, MigrationOperation, step
from .indexes import DropIndex, drop_concurrently


class AddSearchIndex(MigrationOperation):
    """A GIN index over the search document, built CONCURRENTLY after the commit."""

    kind = "add_search_index"
    order = ORDER_ADD_CONSTRAINT
    lock = "SHARE UPDATE EXCLUSIVE"
    lock_note = "CONCURRENTLY: writers go on while it builds"

    def __init__(self, ctx, table_name: str, name: str, columns: list[str], handles: list[str],
                 rebuild: bool = False):
        """``rebuild``: the index existed, and an online type change of one of its columns drops
        it; built again after the swap, and kept by a rollback (which converts in place)."""
        self.table_name, self.name, self.columns, self.handles = table_name, name, columns, handles
        self.rebuild = rebuild
        super().__init__(ctx)

    def describe(self) -> str:
        return (f"Full-text search index (GIN over to_tsvector('{CONFIG}', ...) of {', '.join(self.handles)}), "
                "built CONCURRENTLY; until it exists, search scans the table (slower)")

    def forwards(self) -> list[Step]:
        return [step(sql.SQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} USING gin ({})").format(
                    sql.Identifier(self.name), self.table(self.table_name), document(self.columns)),
                     phase="post", undo=[drop_concurrently(self.ctx.schema, self.name)], index_name=self.name)]

    def backwards(self) -> list[Step]:
        if self.rebuild:
            return []
        return [step(drop_concurrently(self.ctx.schema, self.name), phase="post")]


class DropSearchIndex(DropIndex):
    """The search index of a former ``search_fields`` choice (dropped and rebuilt like any index)."""

    kind = "drop_search_index"

    def __init__(self, ctx, live, name: str):
        super().__init__(ctx, live, name, field=None)

    def describe(self) -> str:
        return f"Drop the full-text search index {self.name} (search scans the table until a new one is built)"


def search_operations(ctx, section: dict, fields: list, table_name: str, live_table,
                      replaced: set = frozenset()) -> list:
    """Drop a search index that no longer matches ``search_fields``; build the one that does
    (again, when ``replaced`` names one of its columns: swapped in by an online type change)."""
    chosen = section.get("search_fields") or []
    usable = {f.handle: f for f in text_fields(fields)}
    wanted = [usable[h] for h in chosen if h in usable]
    name = search_index_name(section["id"], [f.id for f in wanted]) if wanted else None
    indexes = live_table.indexes if live_table is not None else {}
    ops: list = [DropSearchIndex(ctx, live_table, n) for n in indexes if is_search_index(n) and n != name]
    handles = [f.handle for f in wanted]
    if name is not None and not (name in indexes and indexes[name]["valid"]):
        ops.append(AddSearchIndex(ctx, table_name, name, handles, handles))
    elif name is not None and set(handles) & set(replaced):
        ops.append(AddSearchIndex(ctx, table_name, name, handles, handles, rebuild=True))
    return ops
