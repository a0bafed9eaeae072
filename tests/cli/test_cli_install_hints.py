"""A missing optional extra is named with an install command that works (not on PyPI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polysynergy_nodes_content

# The checkout of the package these tests run (the one a user would install the extra into).
ROOT = Path(polysynergy_nodes_content.__file__).resolve().parents[1]

# Runs the CLI with some top-level packages made unimportable, as if their extra were absent.
WITHOUT = """
import sys
blocked = set(sys.argv.pop(1).split(","))
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
from polysynergy_nodes_content.cli.main import main
sys.argv[0] = "polysynergy-content"
main()
"""


def run_without(blocked: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("SECTIONS_DATABASE_URL", "DATABASE_URL", "SECTIONS_EMBEDDED_DIR")}
    environment["PYTHONPATH"] = str(ROOT)  # the same package as this test process, from any folder
    environment.update(env or {})
    return subprocess.run([sys.executable, "-c", WITHOUT, blocked, *args], capture_output=True, text=True,
                          timeout=120, env=environment, cwd="/")


def hint(extra: str) -> str:
    assert (ROOT / "pyproject.toml").is_file()
    return f"pip install -e '{ROOT}[{extra}]'"


def test_studio_without_the_web_extra(database_url):
    done = run_without("starlette,uvicorn", "--database-url", database_url, "serve")
    assert done.returncode != 0
    assert "needs the 'web' extra" in done.stderr and hint("web") in done.stderr, done.stderr


def test_mcp_without_the_mcp_extra(database_url):
    done = run_without("mcp", "--database-url", database_url, "mcp")
    assert done.returncode != 0
    assert "needs the mcp extra" in done.stderr and hint("mcp") in done.stderr, done.stderr


def test_no_database_url_without_the_embedded_extra(tmp_path):
    done = run_without("pgserver", "--data-dir", str(tmp_path / "pgdata"), "sections", "list")
    assert done.returncode != 0
    assert "embedded PostgreSQL is not installed" in done.stderr and hint("embedded") in done.stderr, done.stderr
