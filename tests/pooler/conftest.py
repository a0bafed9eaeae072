"""A real PgBouncer in transaction pool mode in front of the test server.

Started once per test session from Debian's ``pgbouncer`` package (``/usr/sbin/pgbouncer``;
CI installs it). PgBouncer refuses to run as root, so under root it runs as the
``postgres`` user. A small server pool makes clients share server connections, which is
what breaks session state behind Supabase's pooler.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PGBOUNCER_CANDIDATES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
SERVER_POOL_SIZE = 2


def pgbouncer_binary() -> str | None:
    for candidate in PGBOUNCER_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("pgbouncer")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@pytest.fixture(scope="session")
def pgbouncer(pg_admin_url):
    """(host, port) of a PgBouncer in transaction mode that serves every test database."""
    binary = pgbouncer_binary()
    if binary is None:
        message = ("PgBouncer is not installed (Debian package 'pgbouncer', /usr/sbin/pgbouncer); "
                   "`.ci/run` installs it")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    upstream = conninfo_to_dict(pg_admin_url)
    user = upstream.get("user") or "postgres"
    target = [f"host={_quote(upstream.get('host') or '127.0.0.1')}", f"port={upstream.get('port') or 5432}"]
    if upstream.get("password"):
        target.append(f"password={_quote(upstream['password'])}")
    work = Path(tempfile.mkdtemp(prefix="content-pgbouncer-"))
    port = free_port()
    (work / "users.txt").write_text(f'"{user}" ""\n')
    (work / "pgbouncer.ini").write_text("\n".join([
        "[databases]",
        "* = " + " ".join(target),
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {work / 'users.txt'}",
        "pool_mode = transaction",
        f"default_pool_size = {SERVER_POOL_SIZE}",
        "max_client_conn = 200",
        f"logfile = {work / 'pgbouncer.log'}",
        f"pidfile = {work / 'pgbouncer.pid'}",
        "",
    ]))
    command = [binary, str(work / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        for child in work.iterdir():
            shutil.chown(child, "postgres")
        command = ["runuser", "-u", "postgres", "--"] + command
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (work / "pgbouncer.log").read_text() if (work / "pgbouncer.log").exists() else ""
                    pytest.fail(f"PgBouncer did not start: {process.stderr.read().decode(errors='replace')} {log}")
                time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        pid_file = work / "pgbouncer.pid"
        if pid_file.exists():  # the pgbouncer process itself (under runuser the child of ours)
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGINT)
            except (ProcessLookupError, ValueError):
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def pgbouncer_pool_size():
    """Server connections PgBouncer keeps per database and user."""
    return SERVER_POOL_SIZE


@pytest.fixture
def pooled_url(database_url, pgbouncer):
    """The test's fresh database, reached through PgBouncer in transaction mode."""
    host, port = pgbouncer
    params = conninfo_to_dict(database_url)
    params.update(host=host, port=str(port))
    url = make_conninfo(**params)
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SELECT 1")
    return url
