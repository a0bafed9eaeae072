"""An embedded PostgreSQL for the demo, the CLI and tests when no URL is given.

It uses the ``pgserver`` wheel (PostgreSQL 16, runs as a non-root user by itself). The
server keeps running after the command that started it so later commands reuse it;
``stop_embedded`` shuts it down cleanly.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import ConfigurationError
from ..install_hint import extra_install_hint

DEFAULT_DATABASE = "polysynergy_content"


def _import_pgserver():
    """Import pgserver without platformdirs' RuntimeDirWarning (XDG_RUNTIME_DIR unset) on every command."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


def default_data_dir() -> Path:
    override = os.environ.get("SECTIONS_EMBEDDED_DIR")
    if override:
        return Path(override).expanduser().resolve()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "polysynergy-content" / "pgdata"


@dataclass
class EmbeddedDatabase:
    url: str
    data_dir: Path
    pid: int | None
    started_now: bool


def _postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:  # a zombie (exited, not reaped by a container's init) is not running
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return None
    except (OSError, IndexError):
        pass
    return pid


def is_running(data_dir: Path | None = None) -> bool:
    return _postmaster_pid(Path(data_dir) if data_dir else default_data_dir()) is not None


def start_embedded(data_dir: Path | str | None = None, database: str = DEFAULT_DATABASE) -> EmbeddedDatabase:
    """Start (or reuse) the embedded server and make sure ``database`` exists."""
    try:
        pgserver = _import_pgserver()
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigurationError(
            "No database URL was given and the embedded PostgreSQL is not installed: "
            f"{extra_install_hint('embedded')}, or pass --database-url"
        ) from exc
    path = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()
    path.mkdir(parents=True, exist_ok=True)
    was_running = _postmaster_pid(path) is not None
    server = pgserver.get_server(path, cleanup_mode=None)
    base_url = server.get_uri()
    with psycopg.connect(base_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return EmbeddedDatabase(server.get_uri(database), path, _postmaster_pid(path), not was_running)


def stop_embedded(data_dir: Path | str | None = None, timeout: float = 30.0) -> bool:
    """Fast-shutdown the embedded server; True if it was running."""
    path = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()
    pid = _postmaster_pid(path)
    if pid is None:
        return False
    os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown: clean, no recovery needed
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _postmaster_pid(path) is None:
            return True
        time.sleep(0.1)
    raise ConfigurationError(f"the embedded PostgreSQL (pid {pid}) did not stop within {timeout:.0f}s")


def resolve_data_dir(data_dir: Path | str | None = None) -> Path:
    return Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()


def embedded_url(data_dir: Path | str | None = None, database: str = DEFAULT_DATABASE) -> str | None:
    """The URL of ``database`` on the running embedded server, or None when it is not running."""
    path = resolve_data_dir(data_dir)
    if _postmaster_pid(path) is None:
        return None
    try:
        _import_pgserver()
        from pgserver.utils import PostmasterInfo
    except ImportError:  # pragma: no cover - depends on the install
        return None
    try:
        info = PostmasterInfo.read_from_pgdata(path)
        return info.get_uri(database=database) if info is not None else None
    except (OSError, AssertionError, ValueError, RuntimeError):
        return None


def embedded_status(data_dir: Path | str | None = None, database: str = DEFAULT_DATABASE) -> dict:
    """What is known about the embedded server without starting it."""
    path = resolve_data_dir(data_dir)
    pid = _postmaster_pid(path)
    return {
        "data_dir": str(path),
        "initialized": (path / "PG_VERSION").exists(),
        "running": pid is not None,
        "pid": pid,
        "url": embedded_url(path, database) if pid is not None else None,
        "database": database,
    }


def recreate_database(data_dir: Path | str | None, database: str) -> EmbeddedDatabase:
    """Start (or reuse) the embedded server and give ``database`` a fresh, empty start.

    Only for databases this package owns on its own embedded server (the demo's)."""
    admin = start_embedded(data_dir, database="postgres")
    with psycopg.connect(admin.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    url = embedded_url(admin.data_dir, database)
    if url is None:  # pragma: no cover - the server stopped in between
        raise ConfigurationError("the embedded PostgreSQL stopped while the database was being created")
    return EmbeddedDatabase(url, admin.data_dir, admin.pid, admin.started_now)


def psql_command(url: str) -> str:
    """A psql command line for ``url`` (the psql bundled with pgserver when none is on PATH)."""
    psql = shutil.which("psql")
    if psql is None:
        try:
            _import_pgserver()
            from pgserver._commands import POSTGRES_BIN_PATH

            candidate = Path(POSTGRES_BIN_PATH) / "psql"
            if candidate.exists():
                psql = str(candidate)
        except ImportError:  # pragma: no cover
            pass
    return f"{shlex.quote(psql or 'psql')} {shlex.quote(url)}"
