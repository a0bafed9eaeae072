"""Keep an allow-listed server inside its sections when relations point elsewhere.

Relations let a read follow into another section (``fields=["author.name"]``), a filter
look at related entries (``{"author": {"name": "Ada"}}``, ``_some`` / ``_none``) and a
write find the related entry by one of its fields (``{"author": {"email": ...}}``).
With ``--sections`` each of those may only reach a section the server serves; a link
written by id stays possible (the id is all it reveals).
"""

from __future__ import annotations

from polysynergy_nodes_content.content_engine.descriptors.section_view import relation_targets
from polysynergy_nodes_content.content_engine.identifiers import IDENTIFIER_PATTERN
from polysynergy_nodes_content.mcp_server.policy import PolicyRefusal, ServerPolicy

RELATED_OPERATORS = ("_some", "_none")


class RelationGuard:
    def __init__(self, policy: ServerPolicy, load_section, registry):
        self.policy = policy
        self.load_section = load_section  # handle -> section (the engine's get_section)
        self.registry = registry

    @property
    def active(self) -> bool:
        return self.policy.sections is not None

    def _follow(self, section: dict, handle: str, how: str) -> dict:
        target = relation_targets(section, self.registry)[handle]
        if target and not self.policy.allows_section(target) and not IDENTIFIER_PATTERN.match(target):
            target = self.load_section(target)["handle"]  # named by section id (relatedSection)
        if not self.policy.allows_section(target or ""):
            raise PolicyRefusal(
                f"{how} through '{section['handle']}.{handle}' reaches section '{target}', which this server does "
                "not serve; use the related entry's id instead, or ask for a server that serves that section")
        return self.load_section(target)

    # -- reads ------------------------------------------------------------------------
    def check_fields(self, section: dict, paths) -> None:
        if not self.active or not paths:
            return
        for path in paths:
            current = section
            parts = str(path).split(".")
            for part in parts[:-1]:
                if part not in relation_targets(current, self.registry):
                    break  # not a relation: the engine reports the bad path
                current = self._follow(current, part, f"fields '{path}'")

    def allows_fields(self, section: dict):
        """``path -> bool``: whether a read may follow ``path`` (for the titles a listing adds)."""
        def allowed(path: str) -> bool:
            try:
                self.check_fields(section, [path])
            except PolicyRefusal:
                return False
            return True
        return allowed

    def check_filters(self, section: dict, filters) -> None:
        if self.active and isinstance(filters, dict):
            self._filter_group(section, filters)

    def _filter_group(self, section: dict, group: dict) -> None:
        for key, value in group.items():
            if key in ("_and", "_or") and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        self._filter_group(section, item)
            elif key in relation_targets(section, self.registry) and isinstance(value, dict):
                related = {k: v for k, v in value.items() if not str(k).startswith("_") or k in RELATED_OPERATORS}
                if related:
                    target = self._follow(section, key, "a filter")
                    for operator, nested in related.items():
                        if isinstance(nested, dict):
                            self._filter_group(target, nested if operator in RELATED_OPERATORS else {operator: nested})

    # -- writes -----------------------------------------------------------------------
    def check_values(self, section: dict, values: dict) -> None:
        if not self.active or not isinstance(values, dict):
            return
        for handle in relation_targets(section, self.registry):
            value = values.get(handle)
            items = value if isinstance(value, list) else [value]
            if any(isinstance(item, dict) for item in items):
                self._follow(section, handle, "finding the related entry by its fields")
