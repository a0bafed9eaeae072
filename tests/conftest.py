"""Test fixtures: a real PostgreSQL server and a fresh database per test.

The server is the one named by CONTENT_TEST_DATABASE_URL (a superuser URL; CI starts
PostgreSQL 15 and sets it), else an embedded PostgreSQL started for the session. The
embedded one is restarted to listen on 127.0.0.1 as well (pgserver serves a unix socket
only, in a directory only its own user may enter), so PgBouncer, ``pg_basebackup`` and
the other components reach it exactly as they reach the CI server.
Each test gets its own database, so tests cannot see each other's tables.
"""

from __future__ import annotations

import copy
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
from template_builds import install_engine

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


@pytest.fixture(scope="session")
def database_templates(pg_admin_url):
    """Factory of template databases, each built once per test session:
    ``template(key, build)`` -> (database name, what ``build(url)`` returned).

    Copying a database whose setup already ran (``CREATE DATABASE ... TEMPLATE``) costs a
    fraction of running that setup again for every test, and gives the same database (same
    rows, same ids). A template takes no connections once built: a copy needs that."""
    built: dict[str, tuple[str, object]] = {}

    def template(key: str, build) -> tuple[str, object]:
        if key in built:
            return built[key]
        name = f"ct_tpl_{os.getpid()}_{key}"
        url = url_for_database(pg_admin_url, name)
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        try:
            value = build(url)
        except BaseException:
            _close_pools_of(url)
            with psycopg.connect(pg_admin_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            raise
        _close_pools_of(url)
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        built[key] = (name, value)
        return built[key]

    yield template
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name, _ in built.values():
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _close_pools_of(url: str) -> None:
    """Close the engine's pools to ``url`` (only those: other tests' pools stay open)."""
    from polysynergy_nodes_content.content_engine.postgres import connections

    dbname = conninfo_to_dict(url)["dbname"]
    with connections._lock:
        keys = [key for key in connections._pools if conninfo_to_dict(key[0]).get("dbname") == dbname]
        pools = [connections._pools.pop(key) for key in keys]
    for pool in pools:
        pool.close()


@pytest.fixture
def prepared_databases() -> dict:
    """Fixture name -> (template key, build(url)): a test that uses the fixture gets a copy of
    a database ``build`` prepared as that fixture would (most specific first). A directory's
    conftest adds its own heavier fixtures in front."""
    return {"engine": ("installed", lambda url: install_engine(url) and None)}


@pytest.fixture
def database_url(request, new_database, database_templates, prepared_databases):
    """A fresh database on the real server: empty, except for a test that uses a fixture in
    ``prepared_databases`` (``engine``, ...): then a copy of a database prepared as that
    fixture would prepare it (the fixture still runs and finds its work done)."""
    for fixture_name, (key, build) in prepared_databases.items():
        if fixture_name in request.fixturenames:
            name, value = database_templates(key + api_roles_tag(request), build)
            request.node.stash[_PREPARED_VALUE] = value
            return new_database(name)
    return new_database()


# Install and apply grant to (and revoke from) these roles only where they exist, and tests
# create them on the shared server: a template is built for each set that exists.
_API_ROLES = ("anon", "authenticated", "service_role")


def api_roles_tag(request) -> str:
    """``_r`` and a 1 or 0 per API role: whether it exists now."""
    conn = request.getfixturevalue("roles_connection")
    present = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
                                           (list(_API_ROLES),))}
    return "_r" + "".join("1" if role in present else "0" for role in _API_ROLES)


@pytest.fixture(scope="session")
def roles_connection(pg_admin_url):
    """One connection for the question above, asked before every test with a prepared database."""
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        yield conn


_PREPARED_VALUE = pytest.StashKey[object]()


@pytest.fixture
def prepared_value(request, database_url):
    """A copy of what the build of this test's prepared database returned (the fixture's
    value, e.g. the sections it made: the copy has the same rows and ids)."""
    return copy.deepcopy(request.node.stash[_PREPARED_VALUE])


@pytest.fixture
def conn(database_url):
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


# Parallel runs (pytest-xdist, ``-n 2 --dist loadgroup`` as in the README): the tests of one
# group run one after another on one worker. "exclusive": tests that kill processes or
# backends, wait on lock or statement timeouts, or run writers through migrations and count
# what happened when; they never share the machine with each other. "api_roles": tests that
# create the cluster-wide Supabase roles (anon, authenticated, service_role) with
# "IF NOT EXISTS ... CREATE ROLE", which two sessions at the same moment would both try.
XDIST_GROUPS = {
    "exclusive": (
        "engine/test_apply_safety.py",
        "engine/test_junction_source_index.py",
        "engine/test_no_writer_waits.py",
        "engine/test_online_type_change.py",
        "engine/test_plan_and_apply_feedback.py",
        "engine/test_writes_survive_rollback.py",
        "entries/test_entry_replica.py",
        "entries/test_read_bounds.py",
        "events/test_database_crash.py",
        "events/test_delivery.py",
        "events/test_worker_kills.py",
        "history/test_prune_under_writers.py",
        "mcp/test_mcp_http.py",
        "nodes/test_content_node_recovery.py",
        "schema_file/test_schema_cli.py",
        "stress/test_crash_recovery.py",
        "stress/test_stress_concurrency.py",
        "stress/test_stress_faults.py",
        "studio/test_studio_disconnect.py",
        "test_database_fixture.py",
    ),
    "api_roles": (
        "engine/test_script_authority.py",
        "engine/test_supabase.py",
        "engine/test_system_lockdown.py",
        "events/test_subscriptions.py",
        "history/test_privacy_and_retention.py",
        "schema_file/test_schema_drift.py",
        "stress/test_stress_privileges.py",
    ),
}


def pytest_collection_modifyitems(config, items):
    tests_dir = Path(__file__).resolve().parent
    group_of = {path: group for group, paths in XDIST_GROUPS.items() for path in paths}
    for item in items:
        try:
            relative = Path(item.fspath).resolve().relative_to(tests_dir).as_posix()
        except ValueError:
            continue
        if relative in group_of:
            item.add_marker(pytest.mark.xdist_group(group_of[relative]))
