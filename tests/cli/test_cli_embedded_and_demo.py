"""The embedded PostgreSQL (start, reuse, stop) and the demo command."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from polysynergy_nodes_content.cli.main import cli
from polysynergy_nodes_content.content_engine.embedded import is_running, stop_embedded


def _alive(pid: int) -> bool:
    """Running (a zombie left for a non-reaping init counts as stopped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


@pytest.fixture
def embedded_dir(monkeypatch):
    """A private data directory (short path: PostgreSQL's socket lives in it) and no URL in the environment."""
    monkeypatch.delenv("SECTIONS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = Path(tempfile.mkdtemp(prefix="pgcli-", dir="/tmp"))
    monkeypatch.setenv("SECTIONS_EMBEDDED_DIR", str(path / "pg"))
    yield path / "pg"
    if is_running(path / "pg"):
        from polysynergy_nodes_content.content_engine.database import close_pools

        close_pools()
        stop_embedded(path / "pg")
    shutil.rmtree(path, ignore_errors=True)


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_embedded_server_is_started_reused_and_stopped(embedded_dir):
    runner = CliRunner()
    status = _json(runner.invoke(cli, ["--json", "db", "status"]))
    assert status["running"] is False and status["initialized"] is False
    assert status["data_dir"] == str(embedded_dir)

    first = _json(runner.invoke(cli, ["--json", "sections", "list"]))
    db = first["database"]
    assert db["source"] == "embedded" and db["data_dir"] == str(embedded_dir) and db["started_now"] is True
    pid = db["pid"]
    assert _alive(pid)

    second = _json(runner.invoke(cli, ["--json", "init"]))
    assert second["database"]["pid"] == pid and second["database"]["started_now"] is False
    text = runner.invoke(cli, ["sections", "list"])
    assert text.exit_code == 0 and f"pid {pid}" in text.stderr and "reused" in text.stderr

    status = _json(runner.invoke(cli, ["--json", "db", "status"]))
    assert status["running"] is True and status["pid"] == pid
    assert "polysynergy_content" in status["url"] and status["psql"]
    assert "running" in runner.invoke(cli, ["db", "status"]).stdout

    # the demo on the embedded server: its own database, re-created on every run
    for _ in range(2):
        demo = _json(runner.invoke(cli, ["--json", "demo"]))
        assert demo["fresh_database"] is True and demo["entries"] == 5 and "polysynergy_demo" in demo["url"]
        assert demo["database"]["pid"] == pid
    with psycopg.connect(demo["url"]) as conn:
        assert conn.execute("SELECT count(*) FROM custom.research_companies").fetchone()[0] == 5

    started = _json(runner.invoke(cli, ["--json", "db", "start"]))
    assert started["started"] is False and started["pid"] == pid

    stopped = _json(runner.invoke(cli, ["--json", "db", "stop"]))
    assert stopped["stopped"] is True and stopped["pid"] == pid
    assert not _alive(pid)
    status = _json(runner.invoke(cli, ["--json", "db", "status"]))
    assert status["running"] is False and status["initialized"] is True
    again = runner.invoke(cli, ["db", "stop"])
    assert again.exit_code == 0 and "was not running" in again.stdout


def test_demo_runs_end_to_end(run, database_url):
    result = run("demo")
    out = result.stdout
    for text in ("Where the data lives", "SQL to review", "CREATE TABLE", "Apply the migration",
                 "SWIS", "uses_kubernetes", "rename 'industry' to 'sector'", 'RENAME COLUMN "industry" TO "sector"',
                 "renaming-column", "Roll the change back", "rolled back", "psql", "SELECT * FROM custom.research_companies"):
        assert text in out, text
    assert "Database:" in result.stderr
    with psycopg.connect(database_url) as conn:
        cols = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'custom' "
            "AND table_name = 'research_companies' ORDER BY ordinal_position")]
        assert "industry" in cols and "sector" not in cols
        assert conn.execute("SELECT count(*) FROM custom.research_companies").fetchone()[0] == 5

    # On a database the user named, nothing is dropped: a second run is refused with a hint ...
    again = run("demo", expect=3)
    assert "already exists" in again.stderr and "--section" in again.stderr
    # ... and works with another handle.
    other = run.json("demo", "--section", "research_companies_2")
    assert other["fresh_database"] is False and other["entries"] == 5
    assert other["fields_after_rollback"] == ["company_name", "uses_kubernetes", "kubernetes_confidence", "industry",
                                              "outreach_suggestion"]
