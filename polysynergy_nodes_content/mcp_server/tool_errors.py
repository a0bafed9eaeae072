"""Engine errors as MCP tool errors: the field, the reason, and what to do next.

The message is what the model reads, so it always ends with a next step it can take
(call another tool, fix a value, ask a person). Database URLs and passwords are taken
out of every message.
"""

from __future__ import annotations

import logging

import psycopg
from mcp.server.mcpserver.exceptions import ToolError

from polysynergy_nodes_content.content_engine.errors import (
    ConfigurationError,
    ContentError,
    DatabaseFailure,
    InvalidInput,
    NeedsConfirmation,
    NestedTooDeeply,
    NotFound,
    PendingMigration,
    Refused,
    StaleMigration,
)
from polysynergy_nodes_content.mcp_server.policy import PolicyRefusal

logger = logging.getLogger(__name__)

NEXT_STEPS = (
    (NotFound, "Check the name or id: list_sections shows the sections, describe_section their fields, "
               "query_entries finds entry ids."),
    (PendingMigration, "The section's table does not match its configuration yet: call plan_migration and have "
                       "a person review and apply it."),
    (NeedsConfirmation, "Destructive migrations are never applied through this server: ask a person to review "
                        "and apply it (polysynergy-content migrations apply)."),
    (StaleMigration, "Call plan_migration again and review the new plan."),
    (InvalidInput, "Fix that value and call again; describe_section shows each field's type, rules and the "
                   "filter operators it allows."),
    (Refused, "Nothing was changed; see the reason above."),
    (ConfigurationError, "The server is not configured for a database: set --database-url or "
                         "SECTIONS_DATABASE_URL where the server starts, then restart it."),
    (DatabaseFailure, "Nothing was changed. If it says permission denied or read-only, this server's database "
                      "role may only read: use the read tools. Otherwise try again later or ask a person to "
                      "check the database."),
)


def next_step(error: BaseException) -> str:
    for kind, step in NEXT_STEPS:
        if isinstance(error, kind):
            return step
    return "Try again later, or ask a person to check the server's log."


def describe_error(error: BaseException) -> str:
    """The message for the model: reason, field (when not already named), item, next step."""
    if isinstance(error, PolicyRefusal):
        return str(error)
    if isinstance(error, RecursionError):
        error = NestedTooDeeply()
    if isinstance(error, psycopg.Error):
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        error = DatabaseFailure(f"database error: {first_line}")
    if not isinstance(error, ContentError):
        return f"unexpected {type(error).__name__} in the content server. {next_step(error)}"
    message = str(error).rstrip(".")
    field = getattr(error, "field", None)
    if field and f"'{field}'" not in message and not message.startswith(field):
        message += f" (field '{field}')"
    index = getattr(error, "index", None)
    if index is not None and "item" not in message and "line" not in message:
        message += f" (item {index} of the list, counting from 0)"
    return f"{message}. {next_step(error)}"


def tool_error(error: BaseException, redact) -> ToolError:
    """The ToolError to raise for ``error``; unexpected ones are logged (redacted) first."""
    if not isinstance(error, (ContentError, PolicyRefusal, psycopg.Error, RecursionError)):
        logger.error("content tool failed: %s: %s", type(error).__name__, redact(str(error)))
    return ToolError(redact(describe_error(error)))
