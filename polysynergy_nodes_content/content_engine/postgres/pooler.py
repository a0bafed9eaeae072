"""Is there a connection pooler between us and PostgreSQL, and in which mode?

A transaction pooler (PgBouncer or Supavisor in transaction mode, Supabase's port 6543)
hands a server connection to another client after every transaction, so session state
does not hold: prepared statements, ``SET``, session advisory locks. Entries and queries
work through it once prepared statements are off; migrations need one server session
(their lock, their timeouts, CONCURRENTLY steps outside a transaction) and are refused.

Detection, first answer wins: the ``pooler`` setting or ``?pooler=`` URL option
(``none``, ``session``, ``transaction``); Supabase's ports (6543 transaction; 5432 of
``*.pooler.supabase.com`` session); then a probe. Any
pooler answers the protocol's backend key with its own number, so a process id that
differs from ``pg_backend_pid()`` means a pooler. While one client stays connected, a
transaction pooler gives its server connection to the next client; a session pooler
never does. A pooler whose mode the probe cannot prove is reported as ``unknown``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..errors import ConfigurationError

MODES = ("none", "session", "transaction")
SUPABASE_TRANSACTION_PORT = 6543
SUPABASE_POOLER_DOMAIN = ".pooler.supabase.com"
#: Rounds of the sharing probe: under load a transaction pooler may hand out another server.
SHARING_ROUNDS = 3
CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Pooler:
    mode: str  # "none", "session", "transaction" or "unknown"
    reason: str

    @property
    def keeps_sessions(self) -> bool:
        """Whether session state (locks, SET, prepared statements) holds between transactions."""
        return self.mode in ("none", "session")


def check_mode(value, name: str = "pooler") -> str | None:
    """A pooler mode from a setting ("auto" or empty means: detect)."""
    if value is None:
        return None
    mode = str(value).strip().lower()
    if mode in ("", "auto"):
        return None
    if mode not in MODES:
        raise ConfigurationError(f"{name} must be one of auto, {', '.join(MODES)} (got {value!r})")
    return mode


def _host_port(url: str) -> tuple[str, int | None]:
    try:
        params = conninfo_to_dict(url)
        port = params.get("port")
        return str(params.get("host") or "").lower(), (int(str(port).split(",")[0]) if port else None)
    except (psycopg.ProgrammingError, ValueError):
        return "", None


def probe(url: str) -> Pooler:
    """Ask the server (see the module docstring); ``url`` carries no options of ours."""
    kwargs = {"autocommit": True, "prepare_threshold": None, "connect_timeout": CONNECT_TIMEOUT_SECONDS}
    with psycopg.connect(url, **kwargs) as first:
        real_pid = first.execute("SELECT pg_backend_pid()").fetchone()[0]
        if first.info.backend_pid == real_pid:
            return Pooler("none", "the server's process id matches the connection's backend key")
        for _ in range(SHARING_ROUNDS):
            with psycopg.connect(url, **kwargs) as second:
                if second.execute("SELECT pg_backend_pid()").fetchone()[0] == real_pid:
                    return Pooler("transaction", "a pooler gave one server connection to two connected clients")
            real_pid = first.execute("SELECT pg_backend_pid()").fetchone()[0]
    return Pooler("unknown", "a pooler answers (its backend key is not the server's process id), "
                             "but its pool mode could not be determined")


_detected: dict[str, Pooler] = {}
_detected_lock = threading.Lock()


def detect(url: str, explicit: str | None = None) -> Pooler:
    """The pooler in front of ``url`` (a clean URL, without our options), remembered per URL."""
    explicit = check_mode(explicit)
    if explicit is not None:
        return Pooler(explicit, "set explicitly")
    host, port = _host_port(url)
    if port == SUPABASE_TRANSACTION_PORT:
        return Pooler("transaction", f"port {SUPABASE_TRANSACTION_PORT} is Supabase's transaction pooler")
    if host.endswith(SUPABASE_POOLER_DOMAIN) and port in (None, 5432):
        return Pooler("session", "port 5432 of Supabase's pooler is its session mode")
    found = _detected.get(url)
    if found is None:
        found = probe(url)
        with _detected_lock:
            _detected[url] = found
    return found


def behind_pooler(conn: psycopg.Connection) -> bool:
    """Whether this connection goes through a pooler (one query; leaves the connection idle)."""
    real_pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    if not conn.autocommit:
        conn.rollback()
    return conn.info.backend_pid != real_pid
