"""Connections: one pool per database URL per process, opened lazily and shared.

Nodes run in fresh event loops (scheduled runs call ``asyncio.run`` each time), so the
pool is synchronous and used from worker threads; it outlives any loop.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from psycopg_pool import ConnectionPool

from .errors import ConfigurationError

_pools: dict[tuple, ConnectionPool] = {}
_lock = threading.Lock()

URL_ENV_VARS = ("SECTIONS_DATABASE_URL", "DATABASE_URL")
#: Our own URL option; psycopg does not know it, so it is removed before connecting.
PREPARE_OPTION = "prepared_statements"


def resolve_database_url(explicit: str | None = None) -> str:
    """The explicit URL, else SECTIONS_DATABASE_URL, else DATABASE_URL."""
    if explicit and str(explicit).strip():
        return str(explicit).strip()
    for name in URL_ENV_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    raise ConfigurationError(
        "No database URL: set the database_url input, or the SECTIONS_DATABASE_URL or "
        "DATABASE_URL environment variable"
    )


def split_url_options(url: str) -> tuple[str, bool | None]:
    """Strip ``prepared_statements=false`` from a URL; return (url, choice or None)."""
    if "://" not in url:
        return url, None
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    choice = None
    kept = []
    for key, value in query:
        if key == PREPARE_OPTION:
            choice = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            kept.append((key, value))
    if choice is None and parts.port == 6543:
        choice = False  # Supabase's transaction pooler port
    return urlunsplit(parts._replace(query=urlencode(kept))), choice


#: A connection idle longer than this is pinged before use; busy ones are not (a round trip saved).
IDLE_CHECK_SECONDS = 5.0
_returned_at: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _mark_returned(conn) -> None:
    _returned_at[conn] = time.monotonic()


def _check_if_idle(conn) -> None:
    """Like ConnectionPool.check_connection, but only for connections that sat idle."""
    if time.monotonic() - _returned_at.get(conn, 0.0) > IDLE_CHECK_SECONDS:
        ConnectionPool.check_connection(conn)


def get_pool(url: str, prepared_statements: bool = True, min_size: int = 1, max_size: int = 10) -> ConnectionPool:
    """The process-wide pool for ``url`` (created and opened on first use)."""
    clean_url, choice = split_url_options(url)
    if choice is not None:
        prepared_statements = choice
    key = (clean_url, prepared_statements)
    pool = _pools.get(key)
    if pool is not None and not pool.closed:
        return pool
    with _lock:
        pool = _pools.get(key)
        if pool is None or pool.closed:
            kwargs = {} if prepared_statements else {"prepare_threshold": None}
            pool = ConnectionPool(
                clean_url,
                min_size=min_size,
                max_size=max_size,
                kwargs=kwargs,
                check=_check_if_idle,
                reset=_mark_returned,
                open=False,
                name=f"content-{len(_pools)}",
            )
            pool.open(wait=False)
            _pools[key] = pool
    return pool


def close_pools() -> None:
    """Close every pool (tests and CLI exit)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


atexit.register(close_pools)
