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
from urllib.parse import unquote, urlsplit, urlunsplit

from psycopg_pool import ConnectionPool

from ..errors import ConfigurationError
from .pooler import SUPABASE_TRANSACTION_PORT, behind_pooler, check_mode

_pools: dict[tuple, ConnectionPool] = {}
_lock = threading.Lock()

URL_ENV_VARS = ("SECTIONS_DATABASE_URL", "DATABASE_URL")
#: Our own URL options; psycopg does not know them, so they are removed before connecting.
PREPARE_OPTION = "prepared_statements"
POOLER_OPTION = "pooler"


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


READ_URL_ENV_VAR = "SECTIONS_READ_DATABASE_URL"


def resolve_read_url(explicit: str | None = None) -> str | None:
    """Where reads go: the explicit URL, else SECTIONS_READ_DATABASE_URL, else None
    (reads share the primary's pool)."""
    if explicit and str(explicit).strip():
        return str(explicit).strip()
    value = os.environ.get(READ_URL_ENV_VAR, "").strip()
    return value or None


def url_options(url: str) -> tuple[str, dict]:
    """Strip our options from a URL; return (url, {"prepared_statements": bool or None,
    "pooler": mode or None}). Key=value connection strings carry none."""
    options: dict = {PREPARE_OPTION: None, POOLER_OPTION: None}
    if "://" not in url:
        return url, options
    parts = urlsplit(url)
    kept = []
    # The other parameters are passed on exactly as written: libpq percent-decodes them but
    # reads "+" as a plus, so decoding and re-encoding them (form style) would corrupt them.
    for pair in filter(None, parts.query.split("&")):
        key, _, value = pair.partition("=")
        key, value = unquote(key), unquote(value)
        if key == PREPARE_OPTION:
            options[PREPARE_OPTION] = value.strip().lower() in ("1", "true", "yes", "on")
        elif key == POOLER_OPTION:
            options[POOLER_OPTION] = check_mode(value, "the pooler URL option")
        else:
            kept.append(pair)
    return urlunsplit(parts._replace(query="&".join(kept))), options


def split_url_options(url: str) -> tuple[str, bool | None]:
    """Strip our options from a URL; return (url, prepared statements choice or None)."""
    clean, options = url_options(url)
    choice = options[PREPARE_OPTION]
    if choice is None and options[POOLER_OPTION] is not None:
        choice = options[POOLER_OPTION] != "transaction"
    if choice is None and "://" in url and urlsplit(url).port == SUPABASE_TRANSACTION_PORT:
        choice = False
    return clean, choice


def _prepare_only_without_pooler(conn) -> None:
    """Pool ``configure`` hook: prepared statements off on a connection through a pooler."""
    if behind_pooler(conn):
        conn.prepare_threshold = None


#: A connection idle longer than this is pinged before use; busy ones are not (a round trip saved).
IDLE_CHECK_SECONDS = 5.0
_returned_at: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _mark_returned(conn) -> None:
    _returned_at[conn] = time.monotonic()


def _check_if_idle(conn) -> None:
    """Like ConnectionPool.check_connection, but only for connections that sat idle."""
    if time.monotonic() - _returned_at.get(conn, 0.0) > IDLE_CHECK_SECONDS:
        ConnectionPool.check_connection(conn)


def get_pool(url: str, prepared_statements: bool | None = None, min_size: int = 1, max_size: int = 10,
             pooler: str | None = None) -> ConnectionPool:
    """The process-wide pool for ``url`` (created and opened on first use).

    Prepared statements: the URL's choice, else ``prepared_statements``, else on unless
    the pooler mode (``pooler``, or a probe of each new connection) says they break."""
    clean_url, choice = split_url_options(url)
    if choice is not None:
        prepared_statements = choice
    mode = check_mode(pooler)
    if prepared_statements is None and mode is not None:
        prepared_statements = mode != "transaction"
    key = (clean_url, prepared_statements)
    pool = _pools.get(key)
    if pool is not None and not pool.closed:
        return pool
    with _lock:
        pool = _pools.get(key)
        if pool is None or pool.closed:
            kwargs = {"prepare_threshold": None} if prepared_statements is False else {}
            pool = ConnectionPool(
                clean_url,
                min_size=min_size,
                max_size=max_size,
                kwargs=kwargs,
                configure=_prepare_only_without_pooler if prepared_statements is None else None,
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
