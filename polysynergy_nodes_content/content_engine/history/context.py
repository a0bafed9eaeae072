"""The context of a write: who or what made it, carried by the writing transaction.

The engine sets it with ``set_config('polysynergy.context', ..., true)`` (transaction
local, so it holds behind a transaction pooler) before a write call's first statement;
the capture trigger stores it with every version. ``run_id`` names the change set: the
caller's own (a PolySynergy run id) or a new one per write call, which the call returns
(see ``stamped``) so the caller can undo exactly what it did.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass, replace

from ..errors import InvalidInput

SETTING = "polysynergy.context"
SOURCES = ("library", "cli", "studio", "mcp", "node", "sql", "undo")
_SET_CONTEXT = "SELECT pg_catalog.set_config('polysynergy.context', %s, true)"
#: Context values are ids and names, never documents.
MAX_VALUE_LENGTH = 200


@dataclass(frozen=True)
class WriteContext:
    source: str = "library"
    actor: str | None = None
    run_id: str | None = None
    node_id: str | None = None
    mcp_session: str | None = None
    import_id: str | None = None
    bulk_id: str | None = None
    #: The change set an undo reverts.
    undo_of: str | None = None

    def __post_init__(self):
        if self.source not in SOURCES:
            raise InvalidInput(f"source must be one of {', '.join(SOURCES)} (got {str(self.source)[:40]!r})",
                               field="source")
        for key, value in asdict(self).items():
            if value is not None and (not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH):
                raise InvalidInput(f"{key} must be text of at most {MAX_VALUE_LENGTH} characters", field=key)

    def merged(self, **changes) -> "WriteContext":
        """This context with ``changes`` (None values leave a key as it is)."""
        given = {k: (str(v) if v is not None and k != "source" else v) for k, v in changes.items() if v is not None}
        return replace(self, **given)

    def for_call(self, **extra) -> "WriteContext":
        """The context of one write call: a run id of its own unless the caller fixed one (an
        import's or bulk change's run id is then its import or bulk id)."""
        call = self.merged(**extra)
        if call.run_id:
            return call
        return replace(call, run_id=call.import_id or call.bulk_id or str(uuid.uuid4()))

    def as_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))


def set_context(conn, context: WriteContext) -> None:
    """Attach ``context`` to the transaction open on ``conn`` (ends with it); sent in one
    round trip with the transaction's BEGIN when it is the transaction's first statement."""
    with conn.pipeline():
        conn.execute(_SET_CONTEXT, (context.as_json(),))


_last = threading.local()


def remember(run_id: str) -> None:
    """The run id of the write call running in this thread (read back by ``last_run_id``)."""
    _last.run_id = run_id


def last_run_id() -> str | None:
    """The change set of the last write call this thread made through the engine."""
    return getattr(_last, "run_id", None)


class ChangedEntry(dict):
    """A write call's entry (a plain dict to every reader), with the ``run_id`` of its change set."""

    run_id: str | None = None


class ChangedEntries(list):
    """A write call's entries, with the ``run_id`` of its change set."""

    run_id: str | None = None


def stamped(result, run_id: str | None = None):
    """``result`` of the write call just made, carrying its change set id as the attribute
    ``run_id`` (entries, reports, lists of entries; equal to the plain dict or list, so
    nothing that reads them changes). Booleans are returned as they are: the id is then
    ``engine.last_run_id()``. ``run_id``: the id to carry (default: the last write's)."""
    run_id = run_id or last_run_id()
    if isinstance(result, dict):
        result = ChangedEntry(result)
    elif isinstance(result, list):
        result = ChangedEntries(result)
    else:
        return result
    result.run_id = run_id
    return result


def new_change_id() -> str:
    return str(uuid.uuid4())
