"""The CLI never shows the database password, wherever the URL carries it."""

from __future__ import annotations

import json
from urllib.parse import quote

from click.testing import CliRunner
from psycopg.conninfo import conninfo_to_dict

from polysynergy_nodes_content.cli.main import cli

SECRET = "s3cr3t-Pw"


def url_with_query_password(conninfo: str) -> str:
    params = conninfo_to_dict(conninfo)
    host = quote(params.get("host") or "127.0.0.1", safe="")
    return (f"postgresql://{quote(params.get('user') or 'postgres', safe='')}@/{params['dbname']}"
            f"?host={host}&port={params.get('port') or 5432}&password={SECRET}&application_name=cli%20test")


def run_with(url: str, *args):
    result = CliRunner().invoke(cli, ["--database-url", url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


def assert_hidden(result) -> None:
    assert SECRET not in result.stdout and SECRET not in result.stderr
    assert "***" in result.stdout + result.stderr


def test_a_password_in_the_url_query_is_masked(database_url):
    url = url_with_query_password(database_url)  # the test server trusts, so any password connects
    text = run_with(url, "init")
    assert "Database:" in text.stderr
    assert_hidden(text)
    assert "password=***" in text.stderr and "application_name=cli%20test" in text.stderr
    described = run_with(url, "--json", "init")
    assert_hidden(described)
    assert json.loads(described.stdout)["database"]["url"].count("password=***") == 1


def test_a_quoted_password_in_a_conninfo_string_is_masked(database_url):
    text = run_with(f"{database_url} password='{SECRET} with space'", "init")
    assert "Database:" in text.stderr
    assert_hidden(text)
    assert "with space" not in text.stderr
