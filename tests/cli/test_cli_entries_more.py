"""The CLI's newer entry options: fields and counts, titles of related entries, bulk
changes with --yes, and import --dry-run / --on-conflict / --keep-ids."""

from __future__ import annotations

import json


def _authors_and_posts(run):
    run("sections", "create", "people")
    run("fields", "add", "people", "name", "-t", "text", "--required")
    run("fields", "add", "people", "email", "-t", "email", "--unique")
    run("migrations", "plan", "people")
    run("migrations", "apply", "people", "--yes")
    run("sections", "create", "posts")
    run("fields", "add", "posts", "title", "-t", "text", "--required", "--unique")
    run("fields", "add", "posts", "views", "-t", "integer")
    run("fields", "add", "posts", "writer", "-t", "relation", "--settings", '{"targetSection": "people"}')
    run("migrations", "plan", "posts")
    run("migrations", "apply", "posts", "--yes")


def test_query_fields_count_and_titles(run, database_url):
    from polysynergy_nodes_content.content_engine.engine import ContentEngine

    _authors_and_posts(run)
    engine = ContentEngine(database_url)
    engine.update_section("people", {"title_field_handle": "name"})
    ada = run.json("entries", "create", "people", '{"name": "Ada Lovelace", "email": "ada@example.org"}')["entry"]
    run("entries", "create", "posts", '[{"title": "p1", "views": 1, "writer": {"email": "ada@example.org"}}, '
                                      '{"title": "p2", "views": 2}]')
    got = run.json("entries", "query", "posts", "--fields", "title,writer.name", "-o", "title", "--count", "none")
    assert got["count"] == "none" and got["total_count"] is None
    assert got["entries"][0]["writer"] == {"id": ada["id"], "name": "Ada Lovelace"}
    table = run("entries", "query", "posts", "-o", "title").stdout
    assert "Ada Lovelace" in table and ada["id"] not in table
    assert "Ada Lovelace" in run("entries", "get", "posts", got["entries"][0]["id"]).stdout


def test_an_estimated_count_the_page_proves_exact_is_shown_without_about(run):
    _authors_and_posts(run)
    run("entries", "create", "posts", '[{"title": "p1"}, {"title": "p2"}]')
    got = run.json("entries", "query", "posts", "--count", "estimated")
    assert (got["count"], got["total_count"], got["total_is_exact"]) == ("estimated", 2, True)
    text = run("entries", "query", "posts", "--count", "estimated").stdout
    assert "2 of 2 entries" in text and "about" not in text
    full_page = run.json("entries", "query", "posts", "--count", "estimated", "--limit", "1")
    assert full_page["total_is_exact"] is False and full_page["total_count"] >= 2
    text = run("entries", "query", "posts", "--count", "estimated", "--limit", "1").stdout
    assert f"1 of about {full_page['total_count']} entries" in text
    assert "2 of 2 entries" in run("entries", "query", "posts").stdout
    assert "2 of ? entries" in run("entries", "query", "posts", "--count", "none").stdout


def test_update_where_and_delete_where(run):
    _authors_and_posts(run)
    run("entries", "create", "posts", json.dumps([{"title": f"p{i}", "views": i} for i in range(5)]))
    dry = run.json("entries", "update-where", "posts", '{"views": 0}', "--filter", '{"views": {"_gte": 3}}')
    assert dry == {"ok": True, "matched": 2, "updated": 0, "confirmed": False, **{k: dry[k] for k in dry
                                                                                    if k == "database"}}
    assert "2 entries match; nothing changed" in run("entries", "update-where", "posts", '{"views": 0}',
                                                     "--filter", '{"views": {"_gte": 3}}').stdout
    done = run.json("entries", "update-where", "posts", '{"views": 0}', "--filter", '{"views": {"_gte": 3}}', "--yes")
    assert done["updated"] == 2
    assert run.json("entries", "delete-where", "posts", "--filter", '{"views": 0}', "--yes")["deleted"] == 3
    assert run.json("entries", "query", "posts")["total_count"] == 2
    run("entries", "delete-where", "posts", "--filter", "{}", "--yes", expect=2)


def test_import_dry_run_on_conflict_and_keep_ids(run, tmp_path):
    _authors_and_posts(run)
    run("entries", "create", "posts", '{"title": "old", "views": 1}')
    bad = tmp_path / "bad.csv"
    bad.write_text("title,views\nfine,1\nbroken,-x\n,3\n")
    result = run.json("entries", "import", "posts", bad, "--dry-run", expect=2)
    assert result["invalid"] == 2 and result["imported"] == 0
    assert [e["line"] for e in result["errors"]] == [3, 4]
    shown = run("entries", "import", "posts", bad, "--dry-run", expect=2).stdout
    assert "nothing was written" in shown and "views" in shown
    good = tmp_path / "good.csv"
    good.write_text("title,views\nold,10\nnew,2\n")
    assert run.json("entries", "import", "posts", good, "--dry-run", expect=2)["errors"][0]["line"] == 2  # "old" exists
    assert run.json("entries", "import", "posts", good, "--dry-run", "--on-conflict", "title")["invalid"] == 0
    merged = run.json("entries", "import", "posts", good, "--on-conflict", "title")
    assert merged["created"] == 1 and merged["updated"] == 1
    export = tmp_path / "posts.jsonl"
    run("entries", "export", "posts", export)
    run("entries", "delete-where", "posts", "--filter", '{"id": {"_nnull": true}}', "--yes")
    assert run.json("entries", "import", "posts", export, "--keep-ids")["imported"] == 2
    again = tmp_path / "again.jsonl"
    run("entries", "export", "posts", again)
    assert again.read_text() == export.read_text()


def test_aggregate(run):
    _authors_and_posts(run)
    run("entries", "create", "posts", json.dumps([{"title": f"p{i}", "views": i} for i in range(5)]))
    got = run.json("entries", "aggregate", "posts", '{"count": "*", "sum": ["views"]}', "--filter", '{"views": {"_gt": 1}}')
    assert got["groups"] == [{"count": 3, "sum": {"views": 9}}]
    shown = run("entries", "aggregate", "posts", '{"max": "views"}', "-g", "title").stdout
    assert "max(views)" in shown and "p4" in shown


def test_search_fields_and_validation_rules(run):
    _authors_and_posts(run)
    run("sections", "update", "posts", "--search-fields", "title")
    run("migrations", "plan", "posts")
    run("migrations", "apply", "posts", "--yes")
    run("entries", "create", "posts", '[{"title": "kubernetes notes"}, {"title": "garden"}]')
    found = run.json("entries", "query", "posts", "--search", "kubernetes")
    assert [e["title"] for e in found["entries"]] == ["kubernetes notes"]
    run("fields", "update", "posts", "views", "--validation-rules", '[{"rule": {"_lte": 100}, "message": "at most 100"}]')
    failed = run("entries", "create", "posts", '{"title": "x", "views": 101}', expect=2)
    assert "at most 100" in failed.stderr + failed.stdout
    run("sections", "update", "posts", "--validation-rules",
        '[{"rule": {"views": {"_neq": 13}}, "message": "no thirteen"}]')
    failed = run("entries", "create", "posts", '{"title": "y", "views": 13}', expect=2)
    assert "no thirteen" in failed.stderr + failed.stdout


def test_json_listings_keep_relations_as_ids_with_their_titles_beside(run, database_url):
    from polysynergy_nodes_content.content_engine.engine import ContentEngine

    _authors_and_posts(run)
    ada = run.json("entries", "create", "people", '{"name": "Ada Lovelace", "email": "ada@example.org"}')["entry"]
    run("entries", "create", "posts", '[{"title": "p1", "writer": {"email": "ada@example.org"}}, {"title": "p2"}]')
    untitled = run.json("entries", "query", "posts", "-o", "title")
    assert untitled["related_titles"] == {}, "people has no title field yet"
    ContentEngine(database_url).update_section("people", {"title_field_handle": "name"})
    got = run.json("entries", "query", "posts", "-o", "title", "--count", "estimated")
    assert [e["writer"] for e in got["entries"]] == [ada["id"], None], "relations stay bare ids"
    assert got["entries"] == untitled["entries"]
    assert got["related_titles"] == {"writer": {ada["id"]: "Ada Lovelace"}}
    assert (got["count"], got["total_count"]) == ("estimated", 2)
    one = run.json("entries", "get", "posts", got["entries"][0]["id"])
    assert one["entry"] == got["entries"][0] and one["related_titles"] == {"writer": {ada["id"]: "Ada Lovelace"}}
    asked = run.json("entries", "query", "posts", "--fields", "title,writer.name", "-o", "title")
    assert asked["entries"][0]["writer"] == {"id": ada["id"], "name": "Ada Lovelace"} and asked["related_titles"] == {}
    assert run.json("entries", "get", "posts", got["entries"][0]["id"], "--fields", "title")["related_titles"] == {}


def test_search_on_the_seeds_varchar_company_name_through_the_cli(run, companies):
    """Issue 19: --search-fields company_name (a varchar(200) column) was refused as 'not a
    text field'; a search without search fields was an error. Now: a scan, then the index."""
    run("entries", "create", companies, '[{"company_name": "Kubernetes Works", "industry": "Hosting"}, '
                                        '{"company_name": "Acme", "industry": "Kubernetes consulting"}]')
    scan = run.json("entries", "query", companies, "--search", "kubernetes")
    assert scan["search"] == {"mode": "scan", "fields": ["company_name", "kubernetes_confidence", "industry"]}
    assert scan["total_count"] == 2
    assert "searched company_name, kubernetes_confidence, industry (scan)" in run(
        "entries", "query", companies, "--search", "kubernetes").stdout
    run("sections", "update", companies, "--search-fields", "company_name")
    run("migrations", "plan", companies)
    run("migrations", "apply", companies, "--yes")
    indexed = run.json("entries", "query", companies, "--search", "kubernetes")
    assert indexed["search"] == {"mode": "indexed", "fields": ["company_name"]}
    assert [e["company_name"] for e in indexed["entries"]] == ["Kubernetes Works"]
