"""How a tool reaches the engine: in a worker thread, inside the policy, errors translated.

The engine is synchronous (psycopg over a pool); running each call in a thread keeps
the server's event loop free for other requests and for cancellation. With
``--sections`` every tool works on the engine's scoped view (``ContentEngine.scoped``):
the engine itself then refuses every section outside the list, wherever a call names
or reaches one, as if it did not exist.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

import anyio

from polysynergy_nodes_content.content_engine.errors import NotFound
from polysynergy_nodes_content.content_engine.postgres import cancellable_reads
from polysynergy_nodes_content.mcp_server.engine_access import EngineAccess
from polysynergy_nodes_content.mcp_server.policy import PolicyRefusal, ServerPolicy
from polysynergy_nodes_content.mcp_server.tool_errors import tool_error


#: The MCP session of the tool call running in this task (set by the server per call).
current_session: contextvars.ContextVar[str | None] = contextvars.ContextVar("mcp_session", default=None)


@dataclass
class ToolCalls:
    access: EngineAccess
    policy: ServerPolicy
    #: What the entry history records of these tools' writes (the MCP server's; a node's
    #: agent toolkit records the node and its flow run instead).
    write_context: dict = field(default_factory=lambda: {"source": "mcp"})

    async def run(self, work, *args, **kwargs):
        """``work(engine, *args, **kwargs)`` in a thread; any failure becomes a ToolError."""
        session = current_session.get()

        def call():
            return work(self.engine(session), *args, **kwargs)

        try:
            with cancellable_reads() as reads:
                try:
                    return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
                except anyio.get_cancelled_exc_class():
                    # The call was cancelled (the client went away or sent a cancel): stop its
                    # statements in the database instead of letting the thread run on.
                    with anyio.CancelScope(shield=True):
                        await anyio.to_thread.run_sync(reads.cancel)
                    raise
        except Exception as error:  # every failure is answered as a tool error, never a crash
            raise tool_error(error, self.access.redact) from None

    def engine(self, session: str | None = None):
        """The engine as this server's policy sees it: scoped to ``--sections`` when given;
        its writes are recorded in the history with ``write_context`` and the MCP session."""
        engine = self.access.engine().with_context(**self.write_context, mcp_session=session)
        return engine if self.policy.sections is None else engine.scoped(self.policy.sections)

    # -- helpers used inside ``work`` (they run in the worker thread) ----------------------
    def section(self, engine, name: str) -> dict:
        """The section called ``name`` (handle or id), on the scoped engine from ``run``.

        A section outside the allow-list is missing there, so it gets the same answer
        whether it exists or not.
        """
        name = (name or "").strip()
        try:
            return engine.get_section(name)
        except NotFound:
            if self.policy.sections is not None:
                raise PolicyRefusal(self.policy.unknown_section_message(name)) from None
            raise

    def field(self, section: dict, handle: str) -> dict:
        for field in section.get("fields") or []:
            if field["handle"] == handle or field["id"] == handle:
                return field
        known = ", ".join(f["handle"] for f in section.get("fields") or []) or "none"
        raise NotFound(f"section '{section['handle']}' has no field '{handle}' (its fields: {known})", field="field")
