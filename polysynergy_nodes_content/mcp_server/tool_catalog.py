"""The content tools as plain async functions, for callers other than the MCP server.

The tools are defined once, by the ``register_*`` functions the MCP server calls with
itself as the target. Handing them a ``ToolCatalog`` instead collects the same
functions, with the same ``ToolCalls`` behind them: the section allow-list, the
read-only engine, the cap per call, the section scope and the error messages apply
to every caller alike. An Agno toolkit (the ContentTools node) is built from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from polysynergy_nodes_content.mcp_server.bulk_tools import register_aggregate_tool
from polysynergy_nodes_content.mcp_server.calls import ToolCalls
from polysynergy_nodes_content.mcp_server.content_tools import register_read_tools, register_write_tools
from polysynergy_nodes_content.mcp_server.history_tools import register_history_read_tool, register_undo_tools


@dataclass
class ToolCatalog:
    """Stands where the MCP server stands for ``register_*``: keeps each tool by its name."""

    tools: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)

    def add_tool(self, function, annotations=None, **_options) -> None:
        self.tools[function.__name__] = function
        self.annotations[function.__name__] = annotations


def catalog_for(calls: ToolCalls) -> ToolCatalog:
    """The read tools, the aggregate and entry history, plus the entry writes unless the policy
    is read-only (and restore and undo when it allows undo)."""
    catalog = ToolCatalog()
    register_read_tools(catalog, calls)
    register_aggregate_tool(catalog, calls)
    register_history_read_tool(catalog, calls)
    if not calls.policy.read_only:
        register_write_tools(catalog, calls)
        if calls.policy.allow_undo:
            register_undo_tools(catalog, calls)
    return catalog
