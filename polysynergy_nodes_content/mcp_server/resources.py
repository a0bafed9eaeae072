"""Section schemas as MCP resources: ``content://sections/{handle}/schema``.

The template serves any section this server may use; ``list_resources`` also names
one concrete resource per section, so hosts that only browse lists find them.
"""

from __future__ import annotations

import json

from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.types import Resource

from polysynergy_nodes_content.content_engine.descriptors import entry_schema
from polysynergy_nodes_content.mcp_server.calls import ToolCalls

SCHEMA_MIME = "application/schema+json"


def schema_uri(handle: str) -> str:
    return f"content://sections/{handle}/schema"


def register_schema_resources(server, calls: ToolCalls) -> None:
    @server.resource(schema_uri("{handle}"), name="section_entry_schema", mime_type=SCHEMA_MIME,
                     description="JSON Schema (draft 2020-12) of one entry of a section")
    async def section_entry_schema(handle: str) -> str:
        def work(engine):
            found = calls.section(engine, handle)
            return entry_schema({**found, "related_id_types": engine.related_id_types(found["id"])}, engine.registry)

        try:
            schema = await calls.run(work)
        except Exception as error:  # the tool error's message already says what is wrong
            raise ResourceNotFoundError(str(error)) from None
        return json.dumps(schema, ensure_ascii=False, indent=2)


async def section_resources(calls: ToolCalls) -> list[Resource]:
    """One schema resource per section this server serves (none while the database is unreachable)."""
    def work(engine):
        return [s for s in engine.list_sections() if calls.policy.allows_section(s["handle"])]

    try:
        sections = await calls.run(work)
    except Exception:  # listing resources must not fail because the database is down
        return []
    return [
        Resource(uri=schema_uri(s["handle"]), name=f"{s['handle']} entry schema", mime_type=SCHEMA_MIME,
                 description=f"JSON Schema of one entry of {s.get('label') or s['handle']}")
        for s in sections
    ]
