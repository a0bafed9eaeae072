"""The README's schema walk runs as written, top to bottom, on two fresh databases
(``$DEV`` and ``$PROD`` stand for their URLs)."""

from __future__ import annotations

import shlex
from pathlib import Path

from click.testing import CliRunner

from polysynergy_nodes_content.cli.main import cli
from polysynergy_nodes_content.content_engine.engine import ContentEngine

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
MARKER = "<!-- schema-walk -->"


def walk_commands() -> list[list[str]]:
    block = README.split(MARKER, 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line, comments=True) for line in block.splitlines()]
    commands = [words for words in commands if words]
    assert all(words[0] == "polysynergy-content" for words in commands)
    return [words[1:] for words in commands]


def test_the_walk_renames_in_production_and_keeps_the_data(new_database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    urls = {"$DEV": new_database(), "$PROD": new_database()}
    runner = CliRunner()
    commands = walk_commands()
    assert any(words[-3:] == ["schema", "plan", "content.yaml"] for words in commands)
    for words in commands:
        words = [urls.get(w, w) for w in words]
        result = runner.invoke(cli, words, catch_exceptions=False)
        assert result.exit_code == 0, (words, result.stdout, result.stderr)
    prod = ContentEngine(urls["$PROD"])
    [entry] = prod.query_entries("articles")["entries"]
    assert entry["headline"] == "Hello" and entry["body"] == "First"
    assert prod.get_section("articles")["id"] == ContentEngine(urls["$DEV"]).get_section("articles")["id"]
    assert prod.export_schema() == (tmp_path / "content.yaml").read_text(encoding="utf-8")
