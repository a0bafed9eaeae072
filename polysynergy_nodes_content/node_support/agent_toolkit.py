"""The content tools as an Agno toolkit, for PolySynergy agents (the ContentTools node).

The tools are the MCP server's own (``mcp_server.tool_catalog``): the same functions,
the same policy (section allow-list, read-only mode, cap on entries per call) and the
same error texts, without a separate server process. This module only adapts them to
Agno: each becomes a ``Function`` whose parameter schema is the JSON Schema of the
tool's typed signature, whose arguments are validated against that signature, and
whose answer is JSON text; a refusal or an error is answered as ``{"error": ...}`` that
names the argument and the next step, so the model can correct itself.
"""

from __future__ import annotations

import json
import threading

from agno.tools import Toolkit
from agno.tools.function import Function
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import TypeAdapter, ValidationError, validate_call

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.postgres import resolve_database_url
from polysynergy_nodes_content.mcp_server.calls import ToolCalls
from polysynergy_nodes_content.mcp_server.engine_access import EngineAccess
from polysynergy_nodes_content.mcp_server.policy import DEFAULT_MAX_ENTRIES, ServerPolicy
from polysynergy_nodes_content.mcp_server.tool_catalog import catalog_for
from polysynergy_nodes_content.mcp_server.tool_errors import next_step
from polysynergy_nodes_content.node_support.json_input import coerce_bool, coerce_int, optional_text
from polysynergy_nodes_content.node_support.runner import clean_database_url, node_write_context

TOOLKIT_NAME = "content_tools"
#: The tools an agent gets, in this order; writes only when the policy is not read-only.
AGENT_TOOLS = ("list_sections", "describe_section", "query_entries", "get_entry", "aggregate_entries",
               "create_entries", "update_entry")

_accesses: dict[tuple[str, bool], EngineAccess] = {}
_accesses_lock = threading.Lock()


def engine_access(url: str, read_only: bool) -> EngineAccess:
    """One EngineAccess (one engine and pool) per database and mode, shared by every run.

    The agent asks the node for a new toolkit on every run; the connection pool must not
    be rebuilt (and leaked) each time.
    """
    key = (url, read_only)
    with _accesses_lock:
        access = _accesses.get(key)
        if access is None:
            access = _accesses[key] = EngineAccess(url, read_only=read_only)
    return access


def _answer(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def argument_errors(error: ValidationError) -> str:
    """The pydantic errors of a tool call as one sentence per argument, and what to do."""
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ())) or "arguments"
        parts.append(f"argument '{where}': {item.get('msg', 'invalid value')}")
    return "; ".join(parts) + ". " + next_step(InvalidInput("", field=None))


def agent_function(name: str, tool) -> Function:
    """``tool`` (an async MCP tool function) as an Agno Function with its typed schema."""
    checked = validate_call(tool)

    async def call(**arguments) -> str:
        try:
            return _answer(await checked(**arguments))
        except ValidationError as error:
            return _answer({"error": argument_errors(error)})
        except ToolError as error:  # the tools' own refusals and engine errors, already worded
            return _answer({"error": str(error)})

    schema = TypeAdapter(tool).json_schema()
    schema.pop("title", None)
    return Function(name=name, description=(tool.__doc__ or "").strip(), parameters=schema, entrypoint=call,
                    skip_entrypoint_processing=True)


def instructions(policy: ServerPolicy) -> str:
    parts = [
        "Content tools: sections are typed tables, entries are validated rows.",
        "Call list_sections first, then describe_section before writing entries or filters.",
        f"At most {policy.max_entries} entries per call; page with offset.",
        "This toolkit is read-only." if policy.read_only else "create_entries and update_entry change data.",
        "An answer with an 'error' says which argument is wrong and what to do next.",
    ]
    return " ".join(parts)


class ContentToolkit(Toolkit):
    """The agent tools one policy allows, over one database."""

    def __init__(self, calls: ToolCalls):
        super().__init__(name=TOOLKIT_NAME, instructions=instructions(calls.policy), add_instructions=True)
        catalog = catalog_for(calls)
        for name in AGENT_TOOLS:
            if name in catalog.tools:
                self.functions[name] = agent_function(name, catalog.tools[name])
        self.calls = calls


def build_toolkit(database_url=None, sections=None, read_only=False, max_entries=DEFAULT_MAX_ENTRIES,
                  node=None) -> ContentToolkit:
    """The toolkit for a database (input, else SECTIONS_DATABASE_URL, else DATABASE_URL) and a policy.

    The node's inputs may arrive as text ("true", "50"); they are read as the MCP server's
    command-line options are. The toolkit's writes are recorded in the entry history as
    ``node``'s (source ``node``, its id, its flow run's id: the agent asks for a new toolkit
    on every run).
    """
    url = resolve_database_url(clean_database_url(database_url))
    policy = ServerPolicy.from_options(
        sections=optional_text(sections, "sections"),
        read_only=coerce_bool(read_only, "read_only"),
        max_entries=coerce_int(max_entries, "max_entries", default=DEFAULT_MAX_ENTRIES),
    )
    return ContentToolkit(ToolCalls(engine_access(url, policy.read_only), policy, node_write_context(node)))
