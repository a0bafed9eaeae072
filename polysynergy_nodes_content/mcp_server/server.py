"""Assemble the MCP server from the policy: which tools exist depends on how it was started."""

from __future__ import annotations

import uuid

from mcp.server.mcpserver import MCPServer

from polysynergy_nodes_content.mcp_server.bulk_tools import register_aggregate_tool, register_bulk_tools
from polysynergy_nodes_content.mcp_server.calls import ToolCalls, current_session
from polysynergy_nodes_content.mcp_server.content_tools import register_read_tools, register_write_tools
from polysynergy_nodes_content.mcp_server.engine_access import EngineAccess
from polysynergy_nodes_content.mcp_server.events_tools import register_events_read_tool
from polysynergy_nodes_content.mcp_server.history_tools import register_history_read_tool, register_undo_tools
from polysynergy_nodes_content.mcp_server.policy import ServerPolicy
from polysynergy_nodes_content.mcp_server.resources import register_schema_resources, section_resources
from polysynergy_nodes_content.mcp_server.schema_tools import register_apply_tool, register_schema_tools

SERVER_NAME = "polysynergy-content"


def instructions(policy: ServerPolicy) -> str:
    limits = policy.describe()
    parts = [
        "A content system on PostgreSQL: sections are typed tables, entries are validated rows.",
        "Start with list_sections, then describe_section before writing entries or filters: it gives each "
        "field's type, rules, allowed filter operators and the entry JSON Schema.",
        f"At most {policy.max_entries} entries per call.",
    ]
    if policy.read_only:
        parts.append("This server is read-only.")
    else:
        parts.append("update_entries and delete_entries change every entry a filter matches: call them without "
                     "confirm first to see how many would change.")
        parts.append("Schema changes are " + ("enabled" if policy.allow_schema_changes else "not enabled") +
                     "; they only plan migrations. Applying is " +
                     ("enabled for non-destructive migrations" if limits["apply_migrations"] else "done by a person") +
                     "; destructive migrations are never applied here.")
        if policy.allow_undo:
            parts.append("undo_run changes nothing unless confirm is true: show its preview to the user first.")
    if policy.sections is not None:
        parts.append("Sections served: " + ", ".join(sorted(policy.sections)) + ".")
    return " ".join(parts)


#: HTTP clients send the session id the server gave them in this header.
SESSION_HEADER = "mcp-session-id"


class ContentServer(MCPServer):
    """MCPServer whose resource list also names one schema resource per section, and whose
    tool calls know their MCP session (recorded with every write in the entry history)."""

    def __init__(self, calls: ToolCalls, **kwargs):
        super().__init__(**kwargs)
        self._calls = calls
        #: A stdio server serves exactly one session, which its transport gives no id: this one.
        self.process_session = f"server-{uuid.uuid4()}"

    async def list_resources(self):
        return [*await super().list_resources(), *await section_resources(self._calls)]

    def session_of(self, context) -> str:
        """The call's MCP session: the streamable HTTP session id, else this server process's (stdio)."""
        try:
            headers = context.headers if context is not None else None
        except ValueError:  # no request behind the context
            headers = None
        given = (headers or {}).get(SESSION_HEADER)
        return given[:200] if given else self.process_session

    async def call_tool(self, name, arguments, context=None):
        token = current_session.set(self.session_of(context))
        try:
            return await super().call_tool(name, arguments, context)
        finally:
            current_session.reset(token)


def build_server(database_url: str, policy: ServerPolicy) -> ContentServer:
    """The server for one database and one policy (connects to the database on first use)."""
    from importlib.metadata import version

    calls = ToolCalls(EngineAccess(database_url, read_only=policy.read_only), policy)
    server = ContentServer(calls, name=SERVER_NAME, version=version("polysynergy-nodes-content"),
                           instructions=instructions(policy), log_level="WARNING")
    register_read_tools(server, calls)
    register_aggregate_tool(server, calls)
    register_history_read_tool(server, calls)
    register_events_read_tool(server, calls)
    if not policy.read_only:
        register_write_tools(server, calls)
        register_bulk_tools(server, calls)
        if policy.allow_undo:
            register_undo_tools(server, calls)
        if policy.allow_schema_changes:
            register_schema_tools(server, calls)
        if policy.allow_apply:  # a tool the agent may not use is not offered at all
            register_apply_tool(server, calls)
    register_schema_resources(server, calls)
    return server
