"""The embedded PostgreSQL (start, reuse, stop) and the demo command."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from polysynergy_nodes_content.cli.main import cli
from polysynergy_nodes_content.content_engine.postgres.embedded import is_running, stop_embedded


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
        from polysynergy_nodes_content.content_engine.postgres.connections import close_pools

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


def _serve(argv: list[str], env: dict) -> tuple[subprocess.Popen, str]:
    """Run a printed ``polysynergy-content ... serve ...`` command (the module in place of the
    console script, a free port added) and return the process and its base URL."""
    assert argv[0] == "polysynergy-content" and "serve" in argv, argv
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "polysynergy_nodes_content", *argv[1:], "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    announced = proc.stdout.readline().strip()
    assert announced.startswith("Content studio: http://127.0.0.1:"), (announced, proc.stderr.read())
    return proc, f"http://127.0.0.1:{port}"


def _page(base: str, path: str, token: str) -> str:
    """GET a studio page with the bearer token, once the server listens (it prints its URL
    just before it binds; polled as tests/studio/browser_support.py does, with a deadline)."""
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read().decode("utf-8")
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_the_demo_ends_with_the_serve_command_that_shows_its_data(embedded_dir):
    """Finding: the demo wrote to polysynergy_demo and `serve` opened polysynergy_content
    ("No sections yet"). The demo now prints the exact serve command; run as printed, the
    studio lists the demo's section and its entries."""
    runner = CliRunner()
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    [line] = [ln for ln in result.stdout.splitlines() if ln.startswith("Studio:")]
    command = line.removeprefix("Studio:").split("   (")[0].strip()
    # The data directory is named (it came from SECTIONS_EMBEDDED_DIR), so it works in any shell.
    assert command == f"polysynergy-content --data-dir {shlex.quote(str(embedded_dir))} serve --demo", command
    assert _json(runner.invoke(cli, ["--json", "demo"]))["serve"] == command

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECTIONS_DATABASE_URL", "DATABASE_URL"))}
    env.update(SECTIONS_EMBEDDED_DIR=str(embedded_dir), SECTIONS_STUDIO_TOKEN="demo-token-" + "x" * 24)
    proc, base = _serve(shlex.split(command), env)
    try:
        home = _page(base, "/", env["SECTIONS_STUDIO_TOKEN"])
        assert "research_companies" in home and "No sections yet" not in home
        assert "SWIS" in _page(base, "/sections/research_companies/entries", env["SECTIONS_STUDIO_TOKEN"])
    finally:
        proc.terminate()
        proc.communicate(timeout=20)

    # The plain `serve` opens the other database: the reason the demo names --demo.
    proc, base = _serve(["polysynergy-content", "serve"], env)
    try:
        assert "No sections yet" in _page(base, "/", env["SECTIONS_STUDIO_TOKEN"])
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_serve_demo_is_refused_when_a_database_url_is_set(run, database_url):
    """With a URL the demo wrote to that database; --demo would open another one."""
    err = run.json("serve", "--demo", expect=2)["error"]
    assert err["field"] == "--demo" and "run serve without --demo" in err["message"]
    printed = run("demo").stdout
    assert f"Studio: polysynergy-content --database-url {shlex.quote(database_url)} serve" in printed
