"""Entry history for agents: read an entry's versions; with ``--allow-undo``, put an entry
back to a version or revert everything one run changed.

``entry_history`` only reads, so a read-only server offers it too. ``restore_entry`` and
``undo_run`` write, and are offered only when the server was started with
``--allow-undo`` (never with ``--read-only``). ``undo_run`` changes nothing unless
``confirm`` is true: first the agent (and the person it works for) sees what each entry
goes back to and which entries were changed since. Every call works on the server's
scoped engine view: a section outside ``--sections`` is missing, and a run that touched
one is a run that does not exist (``ContentEngine.undo_run`` on a scoped view).
"""

from typing import Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import Field

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.mcp_server.calls import ToolCalls
from polysynergy_nodes_content.mcp_server.content_tools import READS, EntryId, SectionName

#: Overwrites an entry's values (or a run's), and a repeat adds another change.
PUTS_BACK = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False,
                            open_world_hint=False)
#: The engine's ceiling on versions per history read.
MAX_VERSIONS = 1000

RunId = Annotated[str, Field(description="A change set id: the run_id of a version in entry_history (a write, an "
                                         "import, a bulk change or a PolySynergy flow run)",
                             min_length=1, max_length=200)]


def register_history_read_tool(server, calls: ToolCalls) -> None:
    async def entry_history(
        section: SectionName,
        entry_id: EntryId,
        limit: Annotated[int, Field(description=f"Most versions to return, newest first (at most {MAX_VERSIONS})",
                                    json_schema_extra={"minimum": 1, "maximum": MAX_VERSIONS})] = 20,
    ) -> dict[str, Any]:
        """The recorded versions of one entry, newest first: when, the operation, who or what made it
        (source, actor, run_id, node or MCP session) and the changed fields (old -> new). Reads only."""
        def work(engine):
            if not 1 <= limit <= MAX_VERSIONS:
                raise InvalidInput(f"limit must be from 1 to {MAX_VERSIONS}, got {limit}", field="limit")
            found = calls.section(engine, section)
            return engine.entry_history(found["handle"], entry_id.strip(), limit=limit)

        return await calls.run(work)

    server.add_tool(entry_history, annotations=READS)


def register_undo_tools(server, calls: ToolCalls) -> None:
    async def restore_entry(
        section: SectionName,
        entry_id: EntryId,
        version: Annotated[int, Field(description="The version number to go back to, from entry_history",
                                      json_schema_extra={"minimum": 1})],
    ) -> dict[str, Any]:
        """Put one entry back as it was at a version from entry_history (a deleted entry comes back with its
        id), validated like any write; recorded as a new change whose run_id is returned."""
        def work(engine):
            found = calls.section(engine, section)
            entry = engine.restore_entry(found["handle"], entry_id.strip(), version)
            return {"entry": dict(entry), "run_id": entry.run_id}

        return await calls.run(work)

    async def undo_run(
        run_id: RunId,
        confirm: Annotated[bool, Field(
            description="false (default): change nothing, only list what each entry would go back to and the "
                        "conflicts. true: revert everything the run changed, all or nothing (check with the "
                        "person first)")] = False,
        force: Annotated[bool, Field(
            description="true: also revert entries changed since by another change (the conflicts)")] = False,
    ) -> dict[str, Any]:
        """Revert everything one run (a write call, import, bulk change or flow run) changed; previews unless
        confirm is true. Entries changed since are conflicts, refused unless force is true."""
        def work(engine):
            return engine.undo_run(run_id.strip(), confirm=confirm, force=force)

        return await calls.run(work)

    server.add_tool(restore_entry, annotations=PUTS_BACK)
    server.add_tool(undo_run, annotations=PUTS_BACK)
