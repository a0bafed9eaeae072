"""Content events for agents: which subscriptions exist and how their delivery goes.

``list_subscriptions`` only reads, so a read-only server offers it too. It works on the
server's scoped engine view: with ``--sections`` a subscription is listed only when the
server serves every one of its sections (one on a hidden section is not there at all).
A webhook's secret is never part of the answer.
"""

from typing import Any

from polysynergy_nodes_content.mcp_server.calls import ToolCalls
from polysynergy_nodes_content.mcp_server.content_tools import READS


def register_events_read_tool(server, calls: ToolCalls) -> None:
    async def list_subscriptions() -> dict[str, Any]:
        """The content-event subscriptions: name, sections, event types, filter, delivery (webhook URL or
        pull), paused, and the counts of pending, failed (pending after a failed attempt), dead and
        delivered events. Reads only; secrets are never shown."""
        def work(engine):
            return {"subscriptions": engine.list_subscriptions()}

        return await calls.run(work)

    server.add_tool(list_subscriptions, annotations=READS)
