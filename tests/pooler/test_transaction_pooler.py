"""The engine behind a real PgBouncer in transaction mode (like Supabase's pooler on 6543):
entries, imports, exports and queries work; migrations are refused with the way out, and
run when a direct connection is configured for them."""

from __future__ import annotations

import io
import json
import threading

import psycopg
import pytest
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import Refused
from polysynergy_nodes_content.content_engine.postgres.pooler import detect, probe
from polysynergy_nodes_content.content_engine.settings import EngineSettings
from polysynergy_nodes_content.content_engine.transfer import stream as transfer


def as_url(conninfo: str, **query) -> str:
    params = conninfo_to_dict(conninfo)
    options = "&".join(f"{k}={v}" for k, v in query.items())
    return (f"postgresql://{params.get('user', 'postgres')}@{params['host']}:{params['port']}/{params['dbname']}"
            + (f"?{options}" if options else ""))


def test_the_fixture_really_shares_server_connections(pooled_url):
    """What the engine has to live with: session state leaks between clients."""
    with psycopg.connect(pooled_url, autocommit=True, prepare_threshold=None) as first, \
            psycopg.connect(pooled_url, autocommit=True, prepare_threshold=None) as second:
        first.execute("SELECT pg_advisory_lock(42)")
        # The "other" client runs on the same server session and so holds the lock too.
        assert second.execute("SELECT pg_try_advisory_lock(42)").fetchone()[0] is True
    with psycopg.connect(pooled_url, autocommit=True, prepare_threshold=0) as first, \
            psycopg.connect(pooled_url, autocommit=True, prepare_threshold=0) as second:
        first.execute("SELECT %s::int", (1,))  # prepared on the shared server session
        with pytest.raises(pg_errors.DuplicatePreparedStatement):
            second.execute("SELECT %s::int", (2,))


def test_the_pooler_is_detected_by_a_probe_not_by_its_port(database_url, pooled_url):
    assert probe(database_url).mode == "none"
    found = probe(pooled_url)
    assert found.mode == "transaction" and "two connected clients" in found.reason
    assert conninfo_to_dict(pooled_url)["port"] != "6543"
    assert detect("postgresql://u@db.example.invalid:6543/postgres").mode == "transaction"  # no connection made
    assert detect("postgresql://u@aws-0-eu.pooler.supabase.com:5432/postgres").mode == "session"
    assert detect(pooled_url, "session").mode == "session"  # an explicit setting wins


def test_entries_imports_exports_and_queries_work_through_it(database_url, pooled_url, tmp_path):
    engine = ContentEngine(pooled_url, EngineSettings(migration_database_url=database_url))
    engine.install()  # transaction-scoped lock and settings only: fine through the pooler
    authors = engine.create_section("authors")
    engine.add_field(authors["id"], "name", "Name", "text", is_required=True, is_unique=True)
    engine.apply_migration(engine.plan_migration(authors["id"])["id"])
    books = engine.create_section("books")
    engine.add_field(books["id"], "title", "Title", "text", is_required=True)
    engine.add_field(books["id"], "pages", "Pages", "integer")
    engine.add_field(books["id"], "author", "Author", "relation", {"targetSection": "authors"})
    engine.add_field(books["id"], "coauthors", "Co-authors", "relation",
                     {"targetSection": "authors", "allowMultiple": True})
    migration = engine.plan_migration(books["id"])  # planning goes through the pooler
    engine.apply_migration(migration["id"])          # applying through the direct connection
    with engine.pool.connection() as conn:
        assert conn.prepare_threshold is None  # found behind a pooler: no prepared statements

    people = engine.create_entries("authors", [{"name": f"author {i}"} for i in range(5)])
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                entry = engine.create_entry("books", {"title": f"t{n}-{i}", "pages": i, "author": people[n % 5]["id"],
                                                      "coauthors": [people[(n + 1) % 5]["id"]]})
                engine.update_entry("books", entry["id"], {"pages": i + 1})
                found = engine.query_entries("books", filters={"pages": {"_gte": 0}, "title": {"_starts_with": "t"}},
                                             order_by="pages DESC", limit=5)
                assert found["entries"]
        except Exception as exc:  # reported by the assertion below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert engine.query_entries("books", limit=1000)["total_count"] == 90

    source = tmp_path / "books.csv"
    source.write_text("title,pages\n" + "".join(f"imported {i},{i}\n" for i in range(500)))
    assert transfer.import_entries(engine, "books", str(source))["imported"] == 500
    out = io.StringIO()
    transfer.export_entries(engine, "books", out, fmt="jsonl", filters={"title": {"_starts_with": "imported"}})
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 500 and {line["pages"] for line in lines} == set(range(500))
    victim = engine.query_entries("books", filters={"title": "imported 7"})["entries"][0]
    assert engine.delete_entry("books", victim["id"]) is True
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM custom.books").fetchone()[0] == 589
        assert conn.execute("SELECT count(*) FROM custom.books_coauthors").fetchone()[0] == 90


def test_migrations_through_the_pooler_are_refused_and_nothing_runs(database_url, pooled_url):
    engine = ContentEngine(pooled_url)
    engine.install()
    section = engine.create_section("notes")
    engine.add_field(section["id"], "text", "Text", "text")
    migration = engine.plan_migration(section["id"])
    with pytest.raises(Refused) as refused:
        engine.apply_migration(migration["id"])
    message = str(refused.value)
    assert "transaction pooler" in message and "SECTIONS_MIGRATION_DATABASE_URL" in message
    assert "direct connection" in message
    assert engine.get_migration(migration["id"])["status"] == "generated"
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT to_regclass('custom.notes')").fetchone()[0] is None
    # With a direct connection for migrations the same engine setup applies and rolls back.
    direct = ContentEngine(pooled_url, EngineSettings(migration_database_url=database_url))
    assert direct.apply_migration(migration["id"])["status"] == "applied"
    with pytest.raises(Refused):
        engine.rollback_migration(migration["id"])
    assert direct.rollback_migration(migration["id"])["status"] == "rolled_back"


def test_an_explicit_pooler_setting_needs_no_probe(database_url, pooled_url):
    """Told it is a transaction pooler, the engine believes it, even on a direct URL."""
    engine = ContentEngine(as_url(database_url, pooler="transaction"))
    engine.install()
    section = engine.create_section("notes")
    engine.add_field(section["id"], "text", "Text", "text")
    migration = engine.plan_migration(section["id"])
    with pytest.raises(Refused):
        engine.apply_migration(migration["id"])
    with engine.pool.connection() as conn:
        assert conn.prepare_threshold is None
    assert ContentEngine(database_url).apply_migration(migration["id"])["status"] == "applied"


def test_the_cli_refuses_with_the_way_out_and_follows_it(pooled_url, database_url):
    from click.testing import CliRunner

    from polysynergy_nodes_content.cli.main import cli as command

    runner = CliRunner()
    base = ["--database-url", pooled_url]
    for args in (["sections", "create", "notes"], ["fields", "add", "notes", "text", "--type", "text"],
                 ["migrations", "plan", "notes"]):
        assert runner.invoke(command, base + args).exit_code == 0
    refused = runner.invoke(command, base + ["migrations", "apply", "notes", "--yes"])
    assert refused.exit_code == 3
    assert "transaction pooler" in refused.stderr and "SECTIONS_MIGRATION_DATABASE_URL" in refused.stderr
    applied = runner.invoke(command, base + ["migrations", "apply", "notes", "--yes"],
                            env={"SECTIONS_MIGRATION_DATABASE_URL": database_url})
    assert applied.exit_code == 0, applied.stderr
    created = runner.invoke(command, base + ["--json", "entries", "create", "notes", '{"text": "via the pooler"}'])
    assert created.exit_code == 0 and json.loads(created.stdout)["entry"]["text"] == "via the pooler"


def test_db_pooler_reports_what_was_found(pooled_url, database_url):
    from click.testing import CliRunner

    from polysynergy_nodes_content.cli.main import cli as command

    runner = CliRunner()
    pooled = runner.invoke(command, ["--database-url", pooled_url, "--json", "db", "pooler"])
    assert pooled.exit_code == 0, pooled.stderr
    info = json.loads(pooled.stdout)
    assert info["pooler"] == "transaction" and info["migrations_allowed"] is False
    split = runner.invoke(command, ["--database-url", pooled_url, "db", "pooler"],
                          env={"SECTIONS_MIGRATION_DATABASE_URL": database_url})
    assert "transaction" in split.stdout and "Migrations can be applied" in split.stdout
    direct = json.loads(runner.invoke(command, ["--database-url", database_url, "--json", "db", "pooler"]).stdout)
    assert direct["pooler"] == "none" and direct["migrations_allowed"] is True


def test_nothing_the_engine_does_through_the_pooler_leaves_session_state_behind(database_url, pooled_url,
                                                                               pgbouncer_pool_size):
    """A session-level SET or advisory lock would stay on a shared server connection and
    reach the next client; every server connection must look untouched afterwards."""
    engine = ContentEngine(pooled_url, EngineSettings(migration_database_url=database_url))
    engine.install()
    section = engine.create_section("notes")
    engine.add_field(section["id"], "text", "Text", "text", is_unique=True)
    engine.apply_migration(engine.plan_migration(section["id"])["id"])
    engine.create_entries("notes", [{"text": f"n{i}"} for i in range(50)])
    engine.add_field(section["id"], "tag", "Tag", "text")
    engine.plan_migration(section["id"])
    engine.query_entries("notes", filters={"text": {"_starts_with": "n"}}, limit=5)
    engine.pool.close()
    # Hold every server connection of the pool at once, each in its own transaction.
    clients = [psycopg.connect(pooled_url, prepare_threshold=None) for _ in range(pgbouncer_pool_size)]
    try:
        seen = set()
        for client in clients:
            pid, lock_timeout, statement_timeout, search_path = client.execute(
                "SELECT pg_backend_pid(), current_setting('lock_timeout'), current_setting('statement_timeout'), "
                "current_setting('search_path')").fetchone()
            seen.add(pid)
            assert (lock_timeout, statement_timeout) == ("0", "0")
            assert search_path == '"$user", public'
            assert client.execute("SELECT current_setting('polysynergy.restoring', true)").fetchone()[0] in (None, "")
            advisory = client.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s",
                                      (pid,)).fetchone()[0]
            assert advisory == 0
        assert len(seen) == pgbouncer_pool_size  # every server connection was looked at
    finally:
        for client in clients:
            client.close()


def test_pooler_settings_and_url_options_are_checked():
    from polysynergy_nodes_content.content_engine.errors import ConfigurationError
    from polysynergy_nodes_content.content_engine.postgres.connections import split_url_options, url_options

    clean, options = url_options("postgresql://u@h:5432/db?sslmode=require&pooler=Session&prepared_statements=on")
    assert clean == "postgresql://u@h:5432/db?sslmode=require"
    assert options == {"prepared_statements": True, "pooler": "session"}
    assert split_url_options("postgresql://u@h:5432/db?pooler=transaction") == ("postgresql://u@h:5432/db", False)
    assert split_url_options("postgresql://u@h:6543/db")[1] is False
    with pytest.raises(ConfigurationError, match="pooler"):
        url_options("postgresql://u@h/db?pooler=sometimes")
    with pytest.raises(ConfigurationError, match="pooler"):
        EngineSettings(pooler="sometimes")
    env = {"SECTIONS_POOLER": "transaction", "SECTIONS_MIGRATION_DATABASE_URL": "postgresql://u@direct/db"}
    settings = EngineSettings.from_env(env)
    assert settings.pooler == "transaction" and settings.migration_database_url == "postgresql://u@direct/db"
    assert "direct" not in repr(settings)  # a URL with a password never shows in a repr


def test_the_read_statement_timeout_holds_behind_the_pooler(database_url, pooled_url, pgbouncer_pool_size):
    """SET LOCAL lives and dies with the read's transaction, so it works through a
    transaction pooler: a read waiting for a lock stops at the limit, and the shared
    server sessions keep no timeout afterwards."""
    from polysynergy_nodes_content.content_engine.postgres.read_limits import ReadTimeout

    engine = ContentEngine(pooled_url, EngineSettings(migration_database_url=database_url,
                                                      read_statement_timeout_ms=250))
    engine.install()
    section = engine.create_section("notes")
    engine.add_field(section["id"], "text", "Text", "text")
    engine.apply_migration(engine.plan_migration(section["id"])["id"])
    engine.create_entry("notes", {"text": "n1"})
    with psycopg.connect(database_url) as locker:
        locker.execute("SET idle_in_transaction_session_timeout = '60s'")
        locker.execute('LOCK TABLE custom."notes" IN ACCESS EXCLUSIVE MODE')
        with pytest.raises(ReadTimeout, match="stopped after 250 ms"):
            engine.query_entries("notes", filters={"text": {"_contains": "n"}})
        locker.rollback()
    assert engine.query_entries("notes")["total_count"] == 1
    engine.pool.close()
    clients = [psycopg.connect(pooled_url, prepare_threshold=None) for _ in range(pgbouncer_pool_size)]
    try:
        for client in clients:
            assert client.execute("SELECT current_setting('statement_timeout')").fetchone()[0] == "0"
    finally:
        for client in clients:
            client.close()
