"""Streamed CSV / JSON Lines import and export through the CLI."""

from __future__ import annotations

import csv
import json

import psycopg


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM custom.{table}").fetchone()[0]


def _typed_section(run, handle="things"):
    run("sections", "create", "tags")
    run("fields", "add", "tags", "name", "-t", "text", "--required")
    run("migrations", "plan", "tags")
    run("migrations", "apply", "tags", "--yes")
    run("sections", "create", handle)
    for args in (
        ("title", "-t", "text", "--required", "--unique"),
        ("count", "-t", "integer"),
        ("ratio", "-t", "number"),
        ("price", "-t", "decimal"),
        ("active", "-t", "boolean"),
        ("born", "-t", "date"),
        ("meta", "-t", "json"),
        ("colours", "-t", "multi_select", "--settings", '{"options": ["red", "green", "blue"]}'),
        ("level", "-t", "select", "--settings", '{"options": ["low", "high"]}'),
        ("tag", "-t", "relation", "--settings", '{"targetSection": "tags"}'),
        ("tags", "-t", "relation", "--settings", '{"targetSection": "tags", "allowMultiple": true}'),
    ):
        run("fields", "add", handle, *args)
    run("migrations", "plan", handle)
    run("migrations", "apply", handle, "--yes")
    return handle


def test_csv_values_are_converted_per_field_type_and_round_trip(run, database_url, tmp_path):
    section = _typed_section(run)
    t1 = run.json("entries", "create", "tags", '{"name": "one"}')["entry"]["id"]
    t2 = run.json("entries", "create", "tags", '{"name": "two"}')["entry"]["id"]
    source = tmp_path / "in.csv"
    with open(source, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "count", "ratio", "price", "active", "born", "meta", "colours", "level", "tag", "tags"])
        w.writerow(["Alpha, \"quoted\"\nsecond line", "42", "1.5", "9.99", "true", "2024-02-29",
                    '{"a": [1, 2]}', '["red", "blue"]', "high", t1, json.dumps([t1, t2])])
        w.writerow(["Beta", "", "", "", "FALSE", "", "", "green,blue", "", "", t2])
        w.writerow(["Gamma", "7.0", "-2", "0", "yes", "1999-12-31", "null", "[]", "low", t2, ""])
    result = run.json("entries", "import", section, source)
    assert result["imported"] == 3 and result["format"] == "csv"

    entries = {e["title"]: e for e in run.json("entries", "query", section, "-o", "title")["entries"]}
    alpha = entries['Alpha, "quoted"\nsecond line']
    assert alpha["count"] == 42 and alpha["ratio"] == 1.5 and alpha["price"] == "9.99" and alpha["active"] is True
    assert alpha["born"] == "2024-02-29" and alpha["meta"] == {"a": [1, 2]} and alpha["colours"] == ["red", "blue"]
    assert alpha["tag"] == t1 and alpha["tags"] == [t1, t2]
    beta = entries["Beta"]
    assert beta["count"] is None and beta["active"] is False and beta["colours"] == ["green", "blue"]
    assert beta["meta"] is None and beta["tag"] is None and beta["tags"] == [t2]
    assert entries["Gamma"]["count"] == 7 and entries["Gamma"]["tags"] == []

    # export (CSV and JSON Lines), import into a copy of the section, compare
    out_csv = tmp_path / "out.csv"
    out_jsonl = tmp_path / "out.jsonl"
    assert run.json("entries", "export", section, out_csv)["exported"] == 3
    assert run.json("entries", "export", section, out_jsonl, "-o", "title DESC")["exported"] == 3
    lines = out_jsonl.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["title"] for line in lines] == ["Gamma", "Beta", 'Alpha, "quoted"\nsecond line']
    header = out_csv.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("id,title,count,")

    filtered = run("entries", "export", section, "--format", "jsonl", "-f", '{"active": true}').stdout
    assert sorted(json.loads(line)["title"] for line in filtered.splitlines()) == [
        'Alpha, "quoted"\nsecond line', "Gamma"]

    for source_file, fmt in ((out_csv, "csv"), (out_jsonl, "jsonl")):
        target = f"copy_{fmt}"
        run("sections", "create", target)
        for f in run.json("sections", "show", section)["section"]["fields"]:
            args = [target, f["handle"], "-t", f["field_type_handle"]]
            if f["field_settings"]:
                settings = dict(f["field_settings"])
                args += ["--settings", json.dumps(settings)]
            run("fields", "add", *args)
        run("migrations", "apply", run.json("migrations", "plan", target)["migration"]["id"], "--yes")
        imported = run.json("entries", "import", target, source_file)
        assert imported["imported"] == 3 and "id" in imported["ignored_columns"]
        copies = run.json("entries", "query", target, "-o", "title")["entries"]
        originals = run.json("entries", "query", section, "-o", "title")["entries"]
        strip = lambda e: {k: v for k, v in e.items() if k not in ("id", "created_at", "updated_at")}  # noqa: E731
        assert [strip(e) for e in copies] == [strip(e) for e in originals]


def test_jsonl_import_reports_line_and_imports_nothing(run, companies, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"company_name": "A", "uses_kubernetes": true}\n'
        "\n"
        '{"company_name": "B", "kubernetes_confidence": "zeer hoog"}\n', encoding="utf-8")
    err = run.json("entries", "import", companies, source, expect=2)["error"]
    assert err["line"] == 3 and err["field"] == "kubernetes_confidence"
    assert err["message"].startswith("line 3: field 'kubernetes_confidence'")
    assert run.json("entries", "query", companies)["total_count"] == 0
    source.write_text('{"company_name": "A"}\n[1, 2]\n', encoding="utf-8")
    assert run.json("entries", "import", companies, source, expect=2)["error"]["line"] == 2
    source.write_text('{"company_name": "A"}\n{"nope": 1}\n', encoding="utf-8")
    err = run.json("entries", "import", companies, source, expect=2)["error"]
    assert err["line"] == 2 and "unknown field 'nope'" in err["message"]
    # stdin works too
    done = run.json("entries", "import", companies, "-", "--format", "jsonl", input='{"company_name": "Z"}\n')
    assert done["imported"] == 1


def test_csv_header_and_shape_errors(run, companies, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("company_name,unknown_col\nA,1\n", encoding="utf-8")
    err = run.json("entries", "import", companies, source, expect=2)["error"]
    assert err["line"] == 1 and "unknown_col" in err["message"]
    source.write_text("company_name,industry\nA,x\nB\n", encoding="utf-8")
    err = run.json("entries", "import", companies, source, expect=2)["error"]
    assert err["line"] == 3 and "expected 2 values" in err["message"]
    source.write_text("company_name,industry\nA,x\n,y\n", encoding="utf-8")  # required name is empty
    err = run("entries", "import", companies, source, expect=2)
    assert "line 3: field 'company_name'" in err.stderr and "required" in err.stderr
    assert run.json("entries", "query", companies)["total_count"] == 0


def _write_big_csv(path, rows: int, bad_line: int | None = None, duplicate_at: int | None = None):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["company_name", "uses_kubernetes", "kubernetes_confidence", "industry"])
        confidences = ["hoog", "middel", "laag", ""]
        for i in range(rows):
            line = i + 2  # the header is line 1
            flag = "true" if i % 2 else "false"
            name = f"Company {i:06d}"
            if line == bad_line:
                flag = "perhaps"
            if line == duplicate_at:
                name = "Company 000000"
            w.writerow([name, flag, confidences[i % 4], f"Industry {i % 17}"])


def test_import_100k_rows_with_one_bad_line_imports_nothing(run, companies, database_url, tmp_path):
    big = tmp_path / "big.csv"
    _write_big_csv(big, 100_000, bad_line=87_654)
    result = run("entries", "import", companies, big, expect=2)
    assert "line 87654: field 'uses_kubernetes'" in result.stderr
    assert _count(database_url, companies) == 0  # the first 85,000 rows were rolled back
    # A database-level error (the unique rule, seen by COPY) in a late batch: also all-or-nothing.
    _write_big_csv(big, 100_000, duplicate_at=99_001)
    err = run.json("entries", "import", companies, big, expect=2)["error"]
    assert err["line"] == 99_001 and err["field"] == "company_name"
    assert "already exists" in err["message"]
    assert _count(database_url, companies) == 0
    # Fixed: every row arrives.
    _write_big_csv(big, 100_000)
    done = run.json("entries", "import", companies, big, "--batch-size", "10000")
    assert done["imported"] == 100_000
    assert _count(database_url, companies) == 100_000
    exported = tmp_path / "all.jsonl"
    assert run.json("entries", "export", companies, exported, "--batch-size", "7000")["exported"] == 100_000
    with open(exported, encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 100_000


def test_import_database_rules_name_the_line(run, tmp_path):
    section = _typed_section(run)
    run("fields", "add", section, "status", "-t", "text", "--default", '"new"')
    run("migrations", "apply", run.json("migrations", "plan", section)["migration"]["id"], "--yes")
    tag = run.json("entries", "create", "tags", '{"name": "one"}')["entry"]["id"]
    missing = "00000000-0000-4000-8000-000000000000"
    source = tmp_path / "rel.csv"
    source.write_text(f"title,tag\nA,{tag}\nB,{missing}\nC,{tag}\n", encoding="utf-8")
    err = run.json("entries", "import", section, source, expect=2)["error"]
    assert err["line"] == 3 and err["field"] == "tag" and "does not exist in section" in err["message"]
    source.write_text(f'title,tags\nA,"[""{tag}""]"\nB,\nC,"{tag},{missing}"\n', encoding="utf-8")
    err = run.json("entries", "import", section, source, expect=2)["error"]
    assert err["line"] == 4 and err["field"] == "tags"
    source = tmp_path / "dup.jsonl"
    source.write_text('{"title": "A"}\n{"title": "B", "status": "done"}\n{"title": "A"}\n', encoding="utf-8")
    err = run.json("entries", "import", section, source, "--batch-size", "2", expect=2)["error"]
    assert err["line"] == 3 and err["field"] == "title" and "already exists" in err["message"]
    assert run.json("entries", "query", section)["total_count"] == 0
    # a default applies to rows that leave the field out (JSON Lines rows may differ)
    source.write_text('{"title": "A"}\n{"title": "B", "status": "done"}\n', encoding="utf-8")
    assert run.json("entries", "import", section, source)["imported"] == 2
    got = {e["title"]: e["status"] for e in run.json("entries", "query", section)["entries"]}
    assert got == {"A": "new", "B": "done"}


def test_json_lines_read_as_csv_say_which_format_to_use(run, companies, tmp_path):
    """stdin has no file name, so CSV is assumed: JSON Lines there get a clear hint."""
    err = run.json("entries", "import", companies, "-", input='{"company_name": "Z"}\n', expect=2)["error"]
    assert err["line"] == 1 and "JSON Lines" in err["message"] and "--format jsonl" in err["message"]
    source = tmp_path / "rows.csv"
    source.write_text('{"company_name": "Z"}\n', encoding="utf-8")
    assert "JSON Lines" in run.json("entries", "import", companies, source, expect=2)["error"]["message"]
    assert run.json("entries", "query", companies)["total_count"] == 0
