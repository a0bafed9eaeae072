"""Reads from a real streaming replica (SECTIONS_READ_DATABASE_URL / read_database_url).

The replica is a ``pg_basebackup -R`` of the test server, started on a free port as the
postgres user. With its replay paused, a write through the engine is visible to a read
that asks for the primary and not (yet) to a default read: so the default reads are
served by the replica. In CI the replica must start; elsewhere the tests skip when the
machine cannot run one (not root, no PostgreSQL binaries).
"""

from __future__ import annotations

import io
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.transfer import stream as transfer


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"the streaming replica is needed in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*argv, **kwargs):
    command = list(argv) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=180, **kwargs)


def _server_binaries(admin_url: str) -> str:
    """The bin directory of PostgreSQL binaries of the test server's major version: Debian's,
    else the ones pgserver ships (the embedded test server is pgserver's PostgreSQL 16)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    candidates = [f"/usr/lib/postgresql/{major}/bin"]
    try:
        from pgserver._commands import POSTGRES_BIN_PATH

        candidates.append(str(POSTGRES_BIN_PATH))
    except ImportError:
        pass
    for bindir in candidates:
        if not os.access(os.path.join(bindir, "pg_basebackup"), os.X_OK):
            continue
        version = subprocess.run([os.path.join(bindir, "postgres"), "--version"], capture_output=True, text=True)
        if version.returncode == 0 and version.stdout.split()[-1].split(".")[0] == str(major):
            return bindir
    _unavailable(f"no PostgreSQL {major} server binaries (looked in {', '.join(candidates)})")


@pytest.fixture(scope="module")
def replica(pg_admin_url):
    """(admin URL of the replica) for a streaming replica of the test server."""
    bindir = _server_binaries(pg_admin_url)
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        _unavailable("starting a replica needs root (runuser) or the postgres user")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("the replica runs as the 'postgres' system user, which this machine lacks "
                         "(useradd --system postgres)")
    params = conninfo_to_dict(pg_admin_url)
    host, port = params.get("host", "127.0.0.1"), str(params.get("port", 5432))
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        senders = int(conn.execute("SHOW max_wal_senders").fetchone()[0])
        level = conn.execute("SHOW wal_level").fetchone()[0]
        # A hot standby needs at least the primary's values of these.
        matched = " ".join(f"-c {name}={conn.execute(f'SHOW {name}').fetchone()[0]}" for name in (
            "max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
            "max_locks_per_transaction"))
    if level == "minimal" or senders < 1:
        pytest.fail(f"the test server cannot stream to a replica (wal_level={level}, max_wal_senders={senders})")
    # A replication slot keeps the WAL the replica still needs (a busy server recycles it fast);
    # slots left by a run that died are dropped first, ours when the module ends.
    slot = f"content_test_replica_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                     "WHERE slot_name LIKE 'content\\_test\\_replica\\_%' AND NOT active")
    work = tempfile.mkdtemp(prefix="content-replica-")
    os.chmod(work, 0o755)
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
    data = os.path.join(work, "data")
    replica_port = _free_port()
    _as_postgres(f"{bindir}/pg_basebackup", "-h", host, "-p", port, "-U", params.get("user", "postgres"),
                 "-D", data, "-R", "-X", "stream", "-c", "fast", "-C", "-S", slot)
    log = os.path.join(work, "replica.log")
    try:
        _as_postgres(f"{bindir}/pg_ctl", "-D", data, "-l", log, "-w", "-o",
                     f"-p {replica_port} -k {work} -c listen_addresses=127.0.0.1 -c hot_standby=on "
                     f"-c fsync=off {matched}", "start")
    except subprocess.CalledProcessError:
        text = open(log).read() if os.path.exists(log) else ""
        shutil.rmtree(work, ignore_errors=True)
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                         (slot,))
        pytest.fail(f"the replica did not start:\n{text[-2000:]}")
    url = make_conninfo(**{**params, "host": "127.0.0.1", "port": str(replica_port)})
    try:
        yield url
    finally:
        from polysynergy_nodes_content.content_engine.postgres.connections import close_pools

        close_pools()
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) +
                       [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(work, ignore_errors=True)
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                         (slot,))


def _on(url: str, dbname: str) -> str:
    return make_conninfo(**{**conninfo_to_dict(url), "dbname": dbname})


def _caught_up(primary_url: str, replica_url: str, timeout: float = 60.0) -> None:
    """Wait until the replica has replayed everything the primary wrote so far (on a busy
    shared server, replay can trail by several seconds)."""
    with psycopg.connect(primary_url, autocommit=True) as conn:
        # The insert position: with synchronous_commit off a commit may not be written out yet.
        target = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(replica_url, autocommit=True) as conn:
                done, last = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn, pg_last_wal_replay_lsn()",
                                          (target,)).fetchone()
            if done:
                return
        except psycopg.OperationalError as exc:
            last = str(exc).strip()  # the database is not there yet
        time.sleep(0.1)
    raise AssertionError(f"the replica did not replay up to {target} within {timeout:.0f}s (last: {last})")


@pytest.fixture
def pair(database_url, replica, sections):
    """An engine writing to the test database and reading from its replica."""
    dbname = conninfo_to_dict(database_url)["dbname"]
    replica_url = _on(replica, dbname)
    _caught_up(database_url, replica_url)
    engine = ContentEngine(database_url, read_database_url=replica_url)
    return engine, replica_url


def test_reads_are_served_by_the_replica(pair, database_url):
    engine, replica_url = pair
    engine.create_entry("authors", {"name": "Before"})
    _caught_up(database_url, replica_url)
    with engine.read_pool.connection() as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
    with engine.pool.connection() as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
    with psycopg.connect(replica_url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    try:
        fresh = engine.create_entry("authors", {"name": "After"})  # written to the primary
        assert [e["name"] for e in engine.query_entries("authors")["entries"]] == ["Before"]
        assert engine.aggregate_entries("authors", {"count": "*"})["groups"] == [{"count": 1}]
        out = io.StringIO()
        assert transfer.export_entries(engine, "authors", out, "jsonl")["exported"] == 1
        # A read straight after a write can ask for the primary.
        names = sorted(e["name"] for e in engine.query_entries("authors", primary=True)["entries"])
        assert names == ["After", "Before"]
        assert engine.get_entry("authors", fresh["id"], primary=True)["name"] == "After"
        assert engine.aggregate_entries("authors", {"count": "*"}, primary=True)["groups"] == [{"count": 2}]
    finally:
        with psycopg.connect(replica_url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
    _caught_up(database_url, replica_url)
    assert engine.get_entry("authors", fresh["id"])["name"] == "After"
    assert engine.query_entries("authors", count="estimated")["count"] == "estimated"


def test_writes_never_go_to_the_replica(pair):
    engine, _ = pair
    created = engine.create_entries("authors", [{"name": f"a{i}"} for i in range(3)])
    engine.update_entries("authors", {"name": {"_in": ["a0", "a1"]}}, {"email": "x@example.org"}, confirm=False)
    assert engine.delete_entries("authors", {"name": "a2"}, confirm=True)["deleted"] == 1
    assert engine.update_entry("authors", created[0]["id"], {"name": "b0"})["name"] == "b0"
