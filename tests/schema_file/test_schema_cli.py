"""``polysynergy-content schema ...`` against two real databases, in-process (CliRunner)."""

from __future__ import annotations

import json

import psycopg
import pytest
import yaml
from click.testing import CliRunner
from schema_model import blog

from polysynergy_nodes_content.cli.main import cli
from polysynergy_nodes_content.content_engine.engine import ContentEngine


class Shell:
    def __init__(self, url):
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args, input=None, expect=0):
        result = self.runner.invoke(cli, ["--database-url", self.url, *map(str, args)], input=input,
                                    catch_exceptions=False)
        assert result.exit_code == expect, (args, result.exit_code, result.stdout, result.stderr)
        return result

    def json(self, *args, input=None, expect=0):
        return json.loads(self("--json", *args, input=input, expect=expect).stdout)


@pytest.fixture
def shells(new_database):
    dev_url, prod_url = new_database(), new_database()
    blog(ContentEngine(dev_url))
    return Shell(dev_url), Shell(prod_url)


def test_export_check_plan_apply_diff(shells, tmp_path):
    dev, prod = shells
    path = tmp_path / "content.yaml"
    dev("schema", "export", "-o", path)
    assert yaml.safe_load(path.read_text())["sections"][0]["handle"] == "authors"
    assert dev("schema", "export").stdout == path.read_text()
    assert dev.json("schema", "check", path)["valid"] is True

    plan = prod("schema", "plan", path)
    assert "Schema plan:" in plan.stdout and "CREATE TABLE" in plan.stdout and "not recorded" in plan.stdout
    assert "+ create section posts" in plan.stdout
    declined = prod("schema", "apply", path, input="n\n", expect=3)
    assert "cancelled" in declined.stderr
    assert prod.json("schema", "plan", path)["review"]["changes"] is True  # nothing was applied
    applied = prod.json("schema", "apply", path, "--yes")
    assert [d["section"] for d in applied["result"]["done"]] == ["authors", "posts"]
    assert "no changes" in prod("schema", "apply", path).stdout
    assert prod("schema", "export").stdout == path.read_text()

    assert prod.json("schema", "diff", path)["drift"] is False
    with psycopg.connect(prod.url, autocommit=True) as conn:
        conn.execute("ALTER TABLE custom.posts ADD COLUMN sneaky text")
    drifted = prod("schema", "diff", path, expect=1)
    assert "sneaky" in drifted.stdout and "Live-table drift" in drifted.stdout


def test_check_an_invalid_file_exits_2_and_names_the_problem(shells, tmp_path):
    dev, _ = shells
    path = tmp_path / "bad.yaml"
    document = yaml.safe_load(dev("schema", "export").stdout)
    document["sections"][0]["fields"][0]["ui_width"] = "wide"
    path.write_text(yaml.safe_dump(document))
    error = dev.json("schema", "check", path, expect=2)["error"]
    assert error["type"] == "InvalidInput" and "sections/0/fields/0/ui_width" in error["message"]
    assert dev.json("schema", "plan", path, expect=2)["ok"] is False


def test_a_destructive_apply_asks_and_says_so(shells, tmp_path):
    dev, prod = shells
    path = tmp_path / "content.yaml"
    dev("schema", "export", "-o", path)
    prod("schema", "apply", path, "--yes")
    dev("fields", "remove", "posts", "views")
    dev("migrations", "plan", "posts")
    dev("migrations", "apply", "posts", "--yes")
    dev("schema", "export", "-o", path)
    asked = prod("schema", "apply", path, "--prune", input="n\n", expect=3)
    assert "DESTRUCTIVE" in asked.stderr + asked.stdout
    assert "views" in [f["handle"] for f in ContentEngine(prod.url).get_section("posts")["fields"]]
    prod("schema", "apply", path, "--prune", "--yes")
    assert "views" not in [f["handle"] for f in ContentEngine(prod.url).get_section("posts")["fields"]]


def test_a_stopped_apply_exits_with_the_failure_and_reports_what_is_done(shells, tmp_path, monkeypatch):
    dev, prod = shells
    path = tmp_path / "content.yaml"
    dev("schema", "export", "-o", path)
    prod("schema", "apply", path, "--yes")
    dev("fields", "add", "authors", "email", "--type", "email")
    dev("fields", "add", "posts", "summary", "--type", "textarea")
    for section in ("authors", "posts"):
        dev("migrations", "plan", section)
        dev("migrations", "apply", section, "--yes")
    dev("schema", "export", "-o", path)
    monkeypatch.setenv("SECTIONS_LOCK_TIMEOUT_MS", "100")
    monkeypatch.setenv("SECTIONS_LOCK_RETRIES", "1")
    with psycopg.connect(prod.url) as holder:  # another session holds the posts table
        holder.execute("LOCK TABLE custom.posts IN ACCESS SHARE MODE")
        stopped = prod.json("schema", "apply", path, "--yes", expect=4)
    assert stopped["ok"] is False and stopped["error"]["type"] == "SchemaApplyStopped"
    assert [d["section"] for d in stopped["report"]["done"]] == ["authors"]
    assert stopped["report"]["failed"]["section"] == "posts"
    assert "Applied before it and kept: authors" in stopped["error"]["message"]
