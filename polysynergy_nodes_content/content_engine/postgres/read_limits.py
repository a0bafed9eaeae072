"""Bounds on reads: a statement timeout for every read transaction, and caps on the size
of a filter (text operand length, conditions, nesting, bytes).

A read without them can hold a database core for as long as its filter makes it work (a
10,000-character ``_contains`` scans for tens of seconds). The timeout is set with
``SET LOCAL``, so it ends with the transaction and works behind a transaction pooler.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from psycopg import errors as pg_errors
from psycopg import sql

from ..errors import DatabaseFailure, InvalidInput

#: Containers (objects, lists) nested deeper than this are refused before any other check
#: walks the filter (a filter's own levels are capped lower by ``max_depth``).
MAX_CONTAINER_DEPTH = 64


class ReadTimeout(DatabaseFailure):
    """A read ran into the read statement timeout; nothing was changed."""


@dataclass(frozen=True)
class FilterLimits:
    operand_length: int = 1000
    conditions: int = 200
    depth: int = 8
    bytes: int = 65_536

    @classmethod
    def of(cls, settings) -> "FilterLimits":
        return cls(settings.max_filter_operand_length, settings.max_filter_conditions, settings.max_filter_depth,
                   settings.max_filter_bytes)


class ReadCancel:
    """The connections of the reads one client request runs; ``cancel`` stops their
    statements when the client goes away (a web request, an MCP call)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running: set = set()
        self.cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            for conn in self._running:
                conn.cancel_safe(timeout=5)

    def _enter(self, conn) -> None:
        with self._lock:
            if self.cancelled:
                raise DatabaseFailure("the read was cancelled before it started (its client went away)")
            self._running.add(conn)

    def _leave(self, conn) -> None:
        with self._lock:
            self._running.discard(conn)
            if self.cancelled:  # a cancel may still be on its way to this session: never reuse it
                conn.close()


_current: ContextVar[ReadCancel | None] = ContextVar("content_read_cancel", default=None)


@contextmanager
def cancellable_reads():
    """Reads started inside (in this context, or a thread that copied it) can be stopped
    with the ReadCancel this yields."""
    scope = ReadCancel()
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


@contextmanager
def read_transaction(conn, settings, read: bool = True):
    """Around a read transaction on ``conn``: the statement timeout, and the client's
    cancellation (if the caller opened ``cancellable_reads``). Writes pass through."""
    scope = _current.get() if read else None
    if read:
        bound_read(conn, settings)
    if scope is None:
        yield conn
        return
    scope._enter(conn)
    try:
        yield conn
    finally:
        scope._leave(conn)


def bound_read(conn, settings) -> None:
    """Limit every statement of this read transaction to ``read_statement_timeout_ms``."""
    limit = settings.read_statement_timeout_ms
    if limit:
        # In one round trip with the transaction's BEGIN; never prepared (the same text each time).
        with conn.pipeline():
            conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(int(limit))), prepare=False)


def cancelled_read(exc: pg_errors.QueryCanceled, settings) -> DatabaseFailure:
    """The error a cancelled read raises: the timeout named with the setting that changes
    it, or a cancellation (the client went away)."""
    diag = getattr(exc, "diag", None)
    if diag is not None and "statement timeout" in (diag.message_primary or ""):
        return ReadTimeout(
            f"the read was stopped after {settings.read_statement_timeout_ms} ms, the read statement timeout "
            "(setting read_statement_timeout_ms, environment variable SECTIONS_READ_STATEMENT_TIMEOUT_MS; "
            "0 turns it off): narrow the filter or raise the limit")
    return DatabaseFailure("the read was cancelled before it finished (its client went away)")


def check_filter_size(filters, limits: FilterLimits) -> None:
    """Refuse a filter beyond the caps, naming the key and the limit (the condition count
    and the filter levels are counted while it is compiled)."""
    stack = [(filters, "filters", 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_CONTAINER_DEPTH:
                raise InvalidInput(f"{path[:200]}: filters are nested too deeply (at most {MAX_CONTAINER_DEPTH} "
                                   "levels of objects and lists)", field="filters")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                if isinstance(key, str):
                    _check_text(key, path, limits)
                stack.append((value, f"{path}.{key}" if isinstance(node, dict) else f"{path}[{key}]", depth + 1))
        elif isinstance(node, str):
            _check_text(node, path, limits)
    size = len(json.dumps(filters, ensure_ascii=False, default=str).encode(errors="surrogatepass"))
    if size > limits.bytes:
        raise InvalidInput(f"filters are {size} bytes as JSON, more than the {limits.bytes} allowed (setting "
                           "max_filter_bytes, environment variable SECTIONS_MAX_FILTER_BYTES)", field="filters")


def _check_text(text: str, path: str, limits: FilterLimits) -> None:
    if len(text) > limits.operand_length:
        raise InvalidInput(
            f"{path[:200]}: a text of {len(text)} characters is longer than the {limits.operand_length} a filter "
            "operand may have (setting max_filter_operand_length, environment variable "
            "SECTIONS_MAX_FILTER_OPERAND_LENGTH)", field="filters")
