"""Test fixtures: a real PostgreSQL server and a fresh database per test.

The server is the one named by CONTENT_TEST_DATABASE_URL (a superuser URL; CI starts
PostgreSQL 15 and sets it), else an embedded PostgreSQL started for the session. The
embedded one is restarted to listen on 127.0.0.1 as well (pgserver serves a unix socket
only, in a directory only its own user may enter), so PgBouncer, ``pg_basebackup`` and
the other components reach it exactly as they reach the CI server.
Each test gets its own database, so tests cannot see each other's tables.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_admin_url():
    """A superuser URL to the test server (started here when none is configured)."""
    url = os.environ.get("CONTENT_TEST_DATABASE_URL")
    if url:
        yield url
        return
    from polysynergy_nodes_content.content_engine.postgres.embedded import start_embedded, stop_embedded

    # A server of its own per test session, so parallel sessions never stop each other's.
    data_dir = Path(tempfile.mkdtemp(prefix="polysynergy-content-tests-")) / "pgdata"
    previous = signal.signal(signal.SIGTERM, _terminate_like_ctrl_c)  # so the finally below runs
    start_embedded(data_dir, database="postgres")
    try:
        yield _listen_on_localhost(data_dir)
    finally:
        from polysynergy_nodes_content.content_engine.postgres.connections import close_pools

        close_pools()
        stop_embedded(data_dir)
        shutil.rmtree(data_dir.parent, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


def _terminate_like_ctrl_c(signum, frame):
    """SIGTERM (``timeout``, CI) ends the run as Ctrl-C does: pytest tears down, the
    embedded server stops instead of running on without its test session."""
    raise KeyboardInterrupt(f"signal {signum}")


# The settings CI gives its server: room for the stress tests' connections, no fsync waits,
# and what a streaming replica needs.
_TEST_SERVER_SETTINGS = ("max_connections=200", "fsync=off", "synchronous_commit=off", "full_page_writes=off",
                         "wal_level=replica", "max_wal_senders=10")


def _listen_on_localhost(data_dir: Path) -> str:
    """Restart the embedded server on a free 127.0.0.1 port (its socket stays); its TCP URL."""
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = [f"-p {port}", "-c listen_addresses=127.0.0.1"]
    if info is not None and info.socket_dir is not None:
        options.append(f"-k {info.socket_dir}")
    options += [f"-c {setting}" for setting in _TEST_SERVER_SETTINGS]
    owner = pwd.getpwuid(data_dir.stat().st_uid).pw_name
    pg_ctl(["-w", "-m", "fast", "-l", str(data_dir / "log"), "-o", " ".join(options), "restart"], pgdata=data_dir,
           user=owner if os.geteuid() == 0 else None, timeout=120)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def url_for_database(admin_url: str, dbname: str) -> str:
    params = conninfo_to_dict(admin_url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@pytest.fixture
def new_database(pg_admin_url):
    """Factory of fresh, empty databases (dropped at the end of the test)."""
    created = []

    def make(template: str = "template0") -> str:
        name = f"ct_{os.getpid()}_{next(_counter)}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        created.append(name)
        return url_for_database(pg_admin_url, name)

    yield make
    from polysynergy_nodes_content.content_engine.postgres.connections import close_pools

    close_pools()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def database_url(new_database):
    """A fresh, empty database on the real server."""
    return new_database()


@pytest.fixture
def conn(database_url):
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection
