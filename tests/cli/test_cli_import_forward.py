"""`entries import --keep-ids` of a section whose entries refer to later entries of the
same section, with a batch size that puts a child before its parent in another batch."""

from __future__ import annotations

import json


def _pages(run):
    run("sections", "create", "pages")
    run("fields", "add", "pages", "title", "-t", "text", "--required")
    run("fields", "add", "pages", "parent", "-t", "relation", "--settings", '{"targetSection": "pages"}')
    run("fields", "add", "pages", "related", "-t", "relation",
        "--settings", '{"targetSection": "pages", "allowMultiple": true}')
    run("migrations", "plan", "pages")
    run("migrations", "apply", "pages", "--yes")


def test_keep_ids_import_of_a_tree_round_trips_across_batches(run, tmp_path):
    _pages(run)
    ids = [run.json("entries", "create", "pages", json.dumps({"title": f"p{i}"}))["entry"]["id"] for i in range(4)]
    run("entries", "update", "pages", ids[0], json.dumps({"parent": ids[3], "related": [ids[2], ids[1]]}))
    run("entries", "update", "pages", ids[1], json.dumps({"parent": ids[2]}))
    for name in ("pages.jsonl", "pages.csv"):
        export = tmp_path / name
        run("entries", "export", "pages", export)
        run("entries", "delete-where", "pages", "--filter", '{"id": {"_nnull": true}}', "--yes")
        dry = run.json("entries", "import", "pages", export, "--keep-ids", "--batch-size", "1", "--dry-run")
        assert (dry["valid"], dry["invalid"]) == (4, 0)
        assert run.json("entries", "import", "pages", export, "--keep-ids", "--batch-size", "1")["imported"] == 4
        again = tmp_path / f"again-{name}"
        run("entries", "export", "pages", again)
        assert again.read_text() == export.read_text()


def test_keep_ids_import_refuses_a_reference_to_an_entry_that_is_nowhere(run, tmp_path):
    _pages(run)
    source = tmp_path / "broken.jsonl"
    lost = "00000000-0000-4000-8000-00000000beef"
    source.write_text(
        '{"id": "11111111-1111-4111-8111-111111111111", "title": "a", "parent": "22222222-2222-4222-8222-222222222222"}\n'
        '{"id": "22222222-2222-4222-8222-222222222222", "title": "b", "related": ["%s"]}\n' % lost)
    err = run.json("entries", "import", "pages", source, "--keep-ids", "--batch-size", "1", expect=2)["error"]
    assert (err["line"], err["field"]) == (2, "related")
    assert err["message"].startswith("line 2: field 'related': the related entry does not exist in section 'pages'")
    assert lost in err["message"]
    assert run.json("entries", "query", "pages")["total_count"] == 0
    shown = run("entries", "import", "pages", source, "--keep-ids", "--batch-size", "1", "--dry-run", expect=2).stdout
    assert "1 of 2 rows are invalid" in shown and lost[:20] in shown
