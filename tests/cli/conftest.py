"""Helpers for driving the CLI in-process against the real PostgreSQL."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from polysynergy_nodes_content.cli.main import cli


class Cli:
    def __init__(self, url: str | None):
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args, input=None, expect=0, env=None):
        argv = (["--database-url", self.url] if self.url else []) + [str(a) for a in args]
        result = self.runner.invoke(cli, argv, input=input, env=env, catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (
                f"exit {result.exit_code} != {expect} for {argv}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    def json(self, *args, input=None, expect=0, env=None) -> dict:
        result = self("--json", *args, input=input, expect=expect, env=env)
        return json.loads(result.stdout)


@pytest.fixture
def run(database_url):
    """Invoke the CLI with --database-url pointing at a fresh database."""
    return Cli(database_url)


@pytest.fixture
def companies(run):
    """The seed's research_companies section, applied."""
    run("sections", "create", "research_companies", "--label", "Research Companies")
    run("fields", "add", "research_companies", "company_name", "--type", "text", "--settings", '{"maxLength": 200}',
        "--required", "--unique")
    run("fields", "add", "research_companies", "uses_kubernetes", "--type", "boolean")
    run("fields", "add", "research_companies", "kubernetes_confidence", "--type", "select",
        "--settings", '{"options": ["hoog", "middel", "laag"]}')
    run("fields", "add", "research_companies", "industry", "--type", "text")
    run("migrations", "plan", "research_companies")
    run("migrations", "apply", "research_companies", "--yes")
    return "research_companies"
