"""Upserts (on_conflict), id-keeping imports, the export -> import round trip, and the
dry run that reports every bad row."""

from __future__ import annotations

import io
import json

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.transfer import stream as transfer


def count(raw, table="articles"):
    return raw.execute(f"SELECT count(*) FROM custom.{table}").fetchone()[0]


def test_upsert_updates_matches_and_creates_the_rest(engine, sections, authors, raw):
    first = engine.create_entries("articles", [{"title": "a", "views": 1}, {"title": "b", "views": 2}])
    merged = engine.create_entries("articles", [
        {"title": "b", "views": 20, "reviewers": [authors["Ada"]]},
        {"title": "c", "views": 3},
    ], on_conflict="title")
    assert merged[0]["id"] == first[1]["id"] and merged[0]["views"] == 20
    assert merged[0]["reviewers"] == [authors["Ada"]]
    assert merged[0]["created_at"] == first[1]["created_at"]
    assert merged[1]["title"] == "c" and merged[1]["id"] not in {e["id"] for e in first}
    assert count(raw) == 3
    assert engine.get_entry("articles", first[0]["id"])["views"] == 1  # untouched


def test_upsert_errors(engine, sections, raw):
    with pytest.raises(InvalidInput, match="on_conflict: field 'views' is not unique"):
        engine.create_entries("articles", [{"title": "x"}], on_conflict="views")
    with pytest.raises(InvalidInput, match="on_conflict: unknown field 'nope'"):
        engine.create_entries("articles", [{"title": "x"}], on_conflict="nope")
    with pytest.raises(InvalidInput, match="item 1: field 'title': the same value as item 0"):
        engine.create_entries("articles", [{"title": "x"}, {"title": "x"}], on_conflict="title")
    with pytest.raises(InvalidInput, match="item 1: field 'views'"):
        engine.create_entries("articles", [{"title": "y"}, {"title": "z", "views": -1}], on_conflict="title")
    assert count(raw) == 0


def test_keep_ids_and_upsert_by_id(engine, sections, raw):
    wanted = "5d7e9a51-3f0c-4e55-9d1b-2a4c6e8f0a1b"
    kept = engine.create_entries("articles", [{"id": wanted, "title": "kept", "created_at": "2020-01-02T03:04:05+00:00"}],
                                 keep_ids=True)[0]
    assert kept["id"] == wanted and kept["created_at"].startswith("2020-01-02T03:04:05")
    with pytest.raises(InvalidInput, match="field 'id': an entry with this id already exists"):
        engine.create_entries("articles", [{"id": wanted, "title": "again"}], keep_ids=True)
    again = engine.create_entries("articles", [{"id": wanted, "title": "renamed"}], keep_ids=True, on_conflict="id")
    assert again[0]["id"] == wanted and again[0]["title"] == "renamed" and count(raw) == 1
    with pytest.raises(InvalidInput, match="field 'id': is a system column"):
        engine.create_entries("articles", [{"id": wanted, "title": "t"}])
    with pytest.raises(InvalidInput, match="item 0: field 'id': 'nope' is not a valid UUID"):
        engine.create_entries("articles", [{"id": "nope", "title": "t"}], keep_ids=True)


def test_export_import_round_trip_with_relations(engine, new_database, authors, build, article_fields):
    from polysynergy_nodes_content.content_engine.engine import ContentEngine

    engine.create_entry("articles", {"title": "one", "author": authors["Ada"], "views": 3, "price": "1.50",
                                     "reviewers": [authors["Linus"], authors["Grace"]], "meta": {"k": [1, 2]}})
    engine.create_entry("articles", {"title": "two", "tags": ["news", "k8s"], "published": True})
    files = {}
    for section in ("authors", "articles"):
        for fmt in ("csv", "jsonl"):
            out = io.StringIO()
            transfer.export_entries(engine, section, out, fmt)
            files[(section, fmt)] = out.getvalue().encode()
    for fmt in ("csv", "jsonl"):
        other = ContentEngine(new_database())
        other.install()
        build(other, "authors", [("name", "text", {"maxLength": 100}, True, False),
                                         ("email", "email", {}, False, True)])
        build(other, "articles", article_fields)
        for section in ("authors", "articles"):
            result = transfer.import_entries(other, section, io.BytesIO(files[(section, fmt)]), fmt, keep_ids=True)
            assert result["ignored_columns"] == []
            out = io.StringIO()
            transfer.export_entries(other, section, out, fmt)
            assert out.getvalue().encode() == files[(section, fmt)], (section, fmt)


def test_import_on_conflict_updates(engine, sections, raw):
    engine.create_entry("articles", {"title": "keep", "views": 1})
    data = b"title,views\nkeep,10\nnew,2\n"
    result = transfer.import_entries(engine, "articles", io.BytesIO(data), "csv", on_conflict="title")
    assert result["imported"] == 2 and result["created"] == 1 and result["updated"] == 1
    views = dict(raw.execute("SELECT title, views FROM custom.articles").fetchall())
    assert views == {"keep": 10, "new": 2}


def test_dry_run_reports_every_bad_row_and_writes_nothing(engine, sections, authors, raw):
    engine.create_entry("articles", {"title": "taken"})
    lines = [json.dumps(item) for item in [
        {"title": "ok 1"},
        {"title": "bad views", "views": -5},                         # line 2: field rule
        {"views": 3},                                                 # line 3: required missing
        {"title": "taken"},                                           # line 4: unique, in the table
        "not an object",                                              # line 5
        {"title": "dup"},
        {"title": "dup"},                                             # line 7: unique, within the file
        {"title": "ref", "author": "00000000-0000-4000-8000-00000000dead"},  # line 8: missing target
        {"title": "by name", "author": {"name": "Nobody"}},          # line 9: reference finds nothing
        {"title": "two problems", "views": -1, "rating": 9},         # line 10: two fields
        {"title": "ok 2", "author": {"name": "Ada"}},
    ]]
    lines[4] = "not json at all"
    result = transfer.import_entries(engine, "articles", io.BytesIO("\n".join(lines).encode()), "jsonl",
                                     dry_run=True, batch_size=4)
    assert result["dry_run"] is True and result["imported"] == 0
    assert result["checked"] == 11 and result["invalid"] == 8 and result["valid"] == 3
    by_line = {}
    for error in result["errors"]:
        by_line.setdefault(error["line"], []).append((error["field"], error["message"]))
    assert sorted(by_line) == [2, 3, 4, 5, 7, 8, 9, 10]
    assert by_line[2][0][0] == "views" and by_line[3] == [("title", "is required")]
    assert by_line[4][0] == ("title", "this value already exists in another entry (the field is unique)")
    assert "not valid JSON" in by_line[5][0][1]
    assert by_line[7][0][0] == "title"
    assert by_line[8][0] == ("author", "the related entry does not exist in section 'authors'")
    assert "no entry of section 'authors' has name 'Nobody'" in by_line[9][0][1]
    assert {f for f, _ in by_line[10]} == {"views", "rating"}
    assert result["errors_total"] == 9 and result["complete"] is True
    assert count(raw) == 1  # only "taken", from before


def test_dry_run_caps_the_errors_but_counts_them_all(engine, sections, raw):
    data = "\n".join(json.dumps({"title": f"t{i}", "views": -1}) for i in range(50)).encode()
    result = transfer.import_entries(engine, "articles", io.BytesIO(data), "jsonl", dry_run=True, max_errors=5)
    assert result["invalid"] == 50 and result["errors_total"] == 50 and result["errors_shown"] == 5
    assert len(result["errors"]) == 5
    assert count(raw) == 0


def test_real_import_stops_at_the_first_bad_line(engine, sections, raw):
    data = b'{"title": "a"}\n{"title": "b", "views": -1}\n{"title": "c"}\n'
    with pytest.raises(transfer.ImportLineError, match="line 2: field 'views'") as info:
        transfer.import_entries(engine, "articles", io.BytesIO(data), "jsonl")
    assert info.value.line == 2 and count(raw) == 0


def test_an_id_keeping_upsert_keeps_the_given_updated_at(engine, sections, raw):
    first = engine.create_entries("articles", [{"title": "kept"}])[0]
    stamp = "2020-05-06T07:08:09+00:00"
    again = engine.create_entries("articles", [{"id": first["id"], "title": "kept, renamed", "updated_at": stamp}],
                                  keep_ids=True, on_conflict="id")[0]
    assert again["updated_at"] == stamp and again["title"] == "kept, renamed"
    # Without a given updated_at, an update moves it as usual.
    later = engine.create_entries("articles", [{"id": first["id"], "title": "kept, again"}],
                                  keep_ids=True, on_conflict="id")[0]
    assert later["updated_at"] > stamp
