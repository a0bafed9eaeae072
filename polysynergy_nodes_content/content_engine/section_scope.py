"""Which sections one caller may reach through a shared engine.

Engines are shared (``get_engine`` keeps one per URL), so a restriction such as the MCP
server's ``--sections`` cannot be a flag on the engine: it is a scope carried by a view
of it (``ContentEngine.scoped``). The view checks the scope where the engine itself
finds a section: loading an entry model (the section read or written, a relation's
target followed by a filter, an expansion, an aggregate, a write by a target's field,
a title lookup) and looking up a section's configuration (schema changes, relation
targets). A section outside the scope then gets the very answer a missing one gets.
"""

from __future__ import annotations

from collections.abc import Iterable


class SectionScope:
    """The section handles a caller may use; ``None`` means every section."""

    __slots__ = ("sections",)

    def __init__(self, sections: Iterable[str] | None = None):
        self.sections = None if sections is None else frozenset(sections)

    @property
    def restricted(self) -> bool:
        return self.sections is not None

    def allows(self, handle) -> bool:
        return self.sections is None or handle in self.sections

    def __repr__(self) -> str:
        return f"SectionScope({'all' if self.sections is None else sorted(self.sections)})"


#: The scope of an engine nobody restricted.
EVERY_SECTION = SectionScope()
