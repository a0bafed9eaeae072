"""The history commands of the CLI, in-process against the real PostgreSQL."""

from __future__ import annotations

import json

from click.testing import CliRunner

from polysynergy_nodes_content.cli.main import cli


def run(url, *args, expect=0) -> dict:
    result = CliRunner().invoke(cli, ["--database-url", url, "--json", *[str(a) for a in args]],
                                catch_exceptions=False)
    assert result.exit_code == expect, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_history_restore_show_and_undo_from_the_cli(engine, notes):
    url = engine.url
    entry = run(url, "entries", "create", "notes", '{"title": "from the cli", "count": 1}')["entry"]
    run(url, "entries", "update", "notes", entry["id"], '{"count": 2}')
    versions = run(url, "entries", "history", "notes", entry["id"])["versions"]
    assert [v["op"] for v in versions] == ["update", "insert"]
    assert versions[0]["context"] == {"source": "cli"}
    assert versions[0]["changes"] == {"count": {"old": 1, "new": 2}}
    restored = run(url, "entries", "restore", "notes", entry["id"], versions[1]["version"])
    assert restored["entry"]["count"] == 1
    shown = run(url, "runs", "show", restored["run_id"])
    assert shown["counts"] == {"update": 1}
    preview = run(url, "runs", "undo", restored["run_id"])
    assert preview["confirmed"] is False and engine.get_entry("notes", entry["id"])["count"] == 1
    assert run(url, "runs", "undo", restored["run_id"], "--yes")["reverted"] == 1
    assert engine.get_entry("notes", entry["id"])["count"] == 2
    assert run(url, "history", "prune")["removed"] == 0
    assert run(url, "history", "forget", "notes", entry["id"], "--yes")["forgotten"] == 4


def test_cli_writes_print_their_run_id_and_one_delete_command_is_one_change_set(engine, notes):
    url = engine.url
    created = run(url, "entries", "create", "notes", '[{"title": "a"}, {"title": "b"}]')
    assert engine.run_changes(created["run_id"])["counts"] == {"insert": 2}
    ids = [e["id"] for e in created["entries"]]
    bulk = run(url, "entries", "update-where", "notes", '{"count": 5}', "--filter", '{"title": {"_in": ["a", "b"]}}',
               "--yes")
    assert engine.run_changes(bulk["run_id"])["counts"] == {"update": 2}
    deleted = run(url, "entries", "delete", "notes", *ids)
    assert engine.run_changes(deleted["run_id"])["counts"] == {"delete": 2}
    run(url, "runs", "undo", deleted["run_id"], "--yes")
    assert sorted(e["count"] for e in engine.query_entries("notes")["entries"]) == [5, 5]
