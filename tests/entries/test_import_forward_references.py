"""Id-keeping imports of a section whose entries refer to entries of the same section
that come later in the file (a ``pages.parent`` tree, a ``pages.related`` list), across
batch boundaries: export -> import round-trips exactly, a reference to an entry that is
nowhere is still refused naming its line and field, and a dry run agrees with the real
import. References to another section that is imported later name what to import first.
"""

from __future__ import annotations

import io
import json

import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.transfer import stream as transfer

PAGE_FIELDS = [
    ("title", "text", {"maxLength": 100}, True, True),
    ("parent", "relation", {"targetSection": "pages"}, False, False),
    ("related", "relation", {"targetSection": "pages", "allowMultiple": True}, False, False),
]

MISSING = "00000000-0000-4000-8000-00000000dead"


def _pages(engine, build):
    build(engine, "pages", PAGE_FIELDS)


def _count(engine, table="pages"):
    with engine.pool.connection() as conn:
        return conn.execute(f"SELECT count(*) FROM custom.{table}").fetchone()[0]


def _export(engine, section, fmt) -> bytes:
    out = io.StringIO()
    transfer.export_entries(engine, section, out, fmt)
    return out.getvalue().encode()


@pytest.fixture
def page_tree(engine, build):
    """Six pages created in order p0..p5, then re-linked so that most references point at
    pages created later (so they come later in an export, which is ordered by creation)."""
    _pages(engine, build)
    ids = [engine.create_entry("pages", {"title": f"p{i}"})["id"] for i in range(6)]
    engine.update_entry("pages", ids[0], {"parent": ids[5], "related": [ids[4], ids[0], ids[2]]})
    engine.update_entry("pages", ids[1], {"parent": ids[5], "related": [ids[5], ids[3]]})
    engine.update_entry("pages", ids[2], {"parent": ids[0], "related": [ids[1]]})  # a backward one
    engine.update_entry("pages", ids[3], {"parent": ids[3]})  # itself
    engine.update_entry("pages", ids[4], {"parent": ids[5], "related": [ids[5]]})
    return ids


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("batch_size", [1, 2, 4, 5000])
def test_export_import_round_trips_with_forward_references(engine, new_database, build, page_tree, fmt,
                                                           batch_size):
    data = _export(engine, "pages", fmt)
    first = data.splitlines()[1 if fmt == "csv" else 0].decode()
    assert page_tree[5] in first  # the first row refers to the last one
    other = ContentEngine(new_database())
    other.install()
    _pages(other, build)
    result = transfer.import_entries(other, "pages", io.BytesIO(data), fmt, keep_ids=True, batch_size=batch_size)
    assert result["imported"] == 6
    assert _export(other, "pages", fmt) == data  # ids, timestamps, relation values, link order
    with other.pool.connection() as conn:  # the held-back writes were no edits
        stamps = conn.execute("SELECT count(*) FROM custom.pages WHERE updated_at > created_at + "
                              "interval '1 hour'").fetchone()[0]
    assert stamps == 0


def test_a_dry_run_of_the_export_finds_nothing_wrong_and_writes_nothing(engine, new_database, build, page_tree):
    data = _export(engine, "pages", "jsonl")
    other = ContentEngine(new_database())
    other.install()
    _pages(other, build)
    result = transfer.import_entries(other, "pages", io.BytesIO(data), "jsonl", keep_ids=True, batch_size=1,
                                     dry_run=True)
    assert (result["checked"], result["valid"], result["invalid"], result["errors"]) == (6, 6, 0, [])
    assert _count(other) == 0


def _line(entry_id, title, parent=None, related=(), stamp="2021-03-04T05:06:07+00:00"):
    return json.dumps({"id": entry_id, "title": title, "parent": parent, "related": list(related),
                       "created_at": stamp, "updated_at": stamp})


A = "11111111-1111-4111-8111-111111111111"
B = "22222222-2222-4222-8222-222222222222"
C = "33333333-3333-4333-8333-333333333333"


def test_a_reference_to_an_entry_that_is_nowhere_is_refused_naming_line_and_field(engine, build):
    _pages(engine, build)
    data = "\n".join([_line(A, "a", parent=B), _line(B, "b"), _line(C, "c", parent=MISSING)]).encode()
    with pytest.raises(transfer.ImportLineError) as info:
        transfer.import_entries(engine, "pages", io.BytesIO(data), "jsonl", keep_ids=True, batch_size=1)
    assert info.value.line == 3 and info.value.field == "parent"
    assert str(info.value).startswith("line 3: field 'parent': ")
    assert MISSING in str(info.value) and "neither in the database nor in the file" in str(info.value)
    assert _count(engine) == 0  # all or nothing

    data = "\n".join([_line(A, "a", related=[B, MISSING, C]), _line(B, "b"), _line(C, "c")]).encode()
    with pytest.raises(transfer.ImportLineError) as info:
        transfer.import_entries(engine, "pages", io.BytesIO(data), "jsonl", keep_ids=True, batch_size=2)
    assert (info.value.line, info.value.field) == (1, "related") and MISSING in str(info.value)
    assert _count(engine) == 0
    with engine.pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM custom.pages_related").fetchone()[0] == 0


def test_a_broken_reference_within_one_batch_is_refused_too(engine, build):
    _pages(engine, build)
    data = "\n".join([_line(A, "a", parent=B), _line(B, "b", parent=MISSING)]).encode()
    with pytest.raises(transfer.ImportLineError, match="line 2: field 'parent'"):
        transfer.import_entries(engine, "pages", io.BytesIO(data), "jsonl", keep_ids=True)
    assert _count(engine) == 0


def test_the_dry_run_reports_broken_references_and_only_those(engine, build):
    _pages(engine, build)
    existing = engine.create_entry("pages", {"title": "there"})["id"]
    data = "\n".join([
        _line(A, "a", parent=B, related=[C, existing]),   # forward, fine
        _line(B, "b", parent=MISSING),                    # line 2: nowhere
        _line(C, "c", related=[A, MISSING]),              # line 3: one of the list is nowhere
        _line("44444444-4444-4444-8444-444444444444", "x" * 101, parent=C),  # line 4: title too long
    ]).encode()
    result = transfer.import_entries(engine, "pages", io.BytesIO(data), "jsonl", keep_ids=True, batch_size=1,
                                     dry_run=True)
    by_line = {(e["line"], e["field"]): e["message"] for e in result["errors"]}
    assert sorted(by_line) == [(2, "parent"), (3, "related"), (4, "title")]
    assert MISSING in by_line[(2, "parent")] and MISSING in by_line[(3, "related")]
    assert "neither in the database nor in the file" in by_line[(2, "parent")]
    assert (result["valid"], result["invalid"]) == (1, 3)
    assert _count(engine) == 1


def test_a_required_relation_to_a_later_entry(engine, build):
    build(engine, "nodes", [("name", "text", {}, True, False),
                            ("up", "relation", {"targetSection": "nodes"}, True, False)])
    lines = [json.dumps({"id": A, "name": "leaf", "up": B, "created_at": "2021-01-01T00:00:00+00:00",
                         "updated_at": "2021-01-02T00:00:00+00:00"}),
             json.dumps({"id": B, "name": "root", "up": B, "created_at": "2021-01-03T00:00:00+00:00",
                         "updated_at": "2021-01-03T00:00:00+00:00"})]
    data = ("\n".join(lines) + "\n").encode()
    transfer.import_entries(engine, "nodes", io.BytesIO(data), "jsonl", keep_ids=True, batch_size=1)
    assert _export(engine, "nodes", "jsonl") == data


def test_a_keep_ids_upsert_over_existing_entries_keeps_the_files_values_and_times(engine, build, page_tree):
    data = _export(engine, "pages", "jsonl")
    # Change every entry (links reversed, parents dropped) so the re-import has work to do.
    for entry_id in page_tree:
        entry = engine.get_entry("pages", entry_id)
        engine.update_entry("pages", entry_id, {"parent": None, "related": entry["related"][::-1]})
    assert _export(engine, "pages", "jsonl") != data
    result = transfer.import_entries(engine, "pages", io.BytesIO(data), "jsonl", keep_ids=True, on_conflict="id",
                                     batch_size=1)
    assert (result["created"], result["updated"]) == (0, 6)
    assert _export(engine, "pages", "jsonl") == data


def test_a_later_line_for_the_same_entry_wins_over_a_held_back_reference(engine, build):
    _pages(engine, build)
    data = "\n".join([_line(A, "a", parent=C, related=[C]), _line(B, "b"), _line(A, "a2", parent=B, related=[B]),
                      _line(C, "c")]).encode()
    transfer.import_entries(engine, "pages", io.BytesIO(data), "jsonl", keep_ids=True, on_conflict="id",
                            batch_size=1)
    entry = engine.get_entry("pages", A)
    assert (entry["title"], entry["parent"], entry["related"]) == ("a2", B, [B])


def test_a_reference_to_a_section_imported_later_names_what_to_import_first(engine, sections, authors,
                                                                           new_database, build, article_fields):
    engine.create_entry("articles", {"title": "one", "author": authors["Ada"], "reviewers": [authors["Grace"]]})
    data = _export(engine, "articles", "jsonl")
    other = ContentEngine(new_database())
    other.install()
    build(other, "authors", [("name", "text", {"maxLength": 100}, True, False), ("email", "email", {}, False, True)])
    build(other, "articles", article_fields)
    with pytest.raises(transfer.ImportLineError) as info:
        transfer.import_entries(other, "articles", io.BytesIO(data), "jsonl", keep_ids=True)
    message = str(info.value)
    assert info.value.line == 1 and info.value.field == "author"
    assert "the related entry does not exist in section 'authors'" in message
    assert "import section 'authors' before 'articles'" in message
    dry = transfer.import_entries(other, "articles", io.BytesIO(data), "jsonl", keep_ids=True, dry_run=True)
    assert dry["invalid"] == 1
    assert all("import section 'authors' before 'articles'" in e["message"] for e in dry["errors"])
    assert {e["field"] for e in dry["errors"]} <= {"author", "reviewers"}


def test_a_dry_run_names_a_bad_value_after_a_batch_the_database_refused(engine, build):
    """A batch left empty by its database check must not leave its line labels behind."""
    _pages(engine, build)
    engine.create_entry("pages", {"title": "taken"})
    data = "\n".join([json.dumps({"title": "taken"}), json.dumps({"title": "x" * 101}),
                      json.dumps({"title": "fine"})]).encode()
    result = transfer.import_entries(engine, "pages", io.BytesIO(data), "jsonl", batch_size=1, dry_run=True)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(1, "title"), (2, "title")]
    assert "at most 100 characters" in result["errors"][1]["message"]
    assert (result["valid"], result["invalid"]) == (1, 2)


def test_two_sections_that_refer_to_each_other_import_in_three_steps(engine, new_database, build):
    """The README's way for a cycle between sections: one of them without the column that
    points at the other, the other, then the first again in full as an upsert by id."""
    build(engine, "people", [("name", "text", {}, True, False)])
    build(engine, "notes", [("text", "text", {}, True, False),
                            ("writer", "relation", {"targetSection": "people"}, False, False)])
    people_fields = [("name", "text", {}, True, False),
                     ("pinned", "relation", {"targetSection": "notes"}, False, False)]
    engine.add_field(engine.get_section("people")["id"], "pinned", "Pinned", "relation", {"targetSection": "notes"})
    engine.apply_migration(engine.plan_migration(engine.get_section("people")["id"])["id"], confirm=True)
    ada = engine.create_entry("people", {"name": "Ada"})["id"]
    note = engine.create_entry("notes", {"text": "hello", "writer": ada})["id"]
    engine.update_entry("people", ada, {"pinned": note})
    people, notes = _export(engine, "people", "jsonl"), _export(engine, "notes", "jsonl")

    other = ContentEngine(new_database())
    other.install()
    build(other, "people", [("name", "text", {}, True, False)])
    build(other, "notes", [("text", "text", {}, True, False),
                           ("writer", "relation", {"targetSection": "people"}, False, False)])
    other.add_field(other.get_section("people")["id"], "pinned", "Pinned", "relation", {"targetSection": "notes"})
    other.apply_migration(other.plan_migration(other.get_section("people")["id"])["id"], confirm=True)
    assert [f["handle"] for f in other.get_section("people")["fields"]] == [f[0] for f in people_fields]
    with pytest.raises(transfer.ImportLineError, match="import section 'notes' before 'people'"):
        transfer.import_entries(other, "people", io.BytesIO(people), "jsonl", keep_ids=True)
    without = b"".join(json.dumps({k: v for k, v in json.loads(line).items() if k != "pinned"}).encode() + b"\n"
                       for line in people.splitlines())
    transfer.import_entries(other, "people", io.BytesIO(without), "jsonl", keep_ids=True)
    transfer.import_entries(other, "notes", io.BytesIO(notes), "jsonl", keep_ids=True)
    transfer.import_entries(other, "people", io.BytesIO(people), "jsonl", keep_ids=True, on_conflict="id")
    assert (_export(other, "people", "jsonl"), _export(other, "notes", "jsonl")) == (people, notes)


def test_a_unique_relation_to_later_entries_and_a_repeated_target(engine, build):
    """A linked list (``next`` unique) points forward on every line; two lines naming the
    same next entry are refused at the end, naming the later of them."""
    build(engine, "steps", [("name", "text", {}, True, False),
                            ("next", "relation", {"targetSection": "steps"}, False, True)])

    def steps(*nexts) -> bytes:
        return "".join(json.dumps({"id": entry_id, "name": f"s{i}", "next": following,
                                   "created_at": f"2021-01-0{i + 1}T00:00:00+00:00",
                                   "updated_at": f"2021-01-0{i + 1}T00:00:00+00:00"}) + "\n"
                       for i, (entry_id, following) in enumerate(zip((A, B, C), nexts))).encode()

    chain = steps(B, C, None)
    transfer.import_entries(engine, "steps", io.BytesIO(chain), "jsonl", keep_ids=True, batch_size=1)
    assert _export(engine, "steps", "jsonl") == chain
    with engine.pool.connection() as conn:
        conn.execute("TRUNCATE custom.steps")
    with pytest.raises(transfer.ImportLineError) as info:
        transfer.import_entries(engine, "steps", io.BytesIO(steps(C, C, None)), "jsonl", keep_ids=True,
                                batch_size=1)
    assert (info.value.line, info.value.field) == (2, "next")
    assert str(info.value) == "line 2: field 'next': this value already exists in another entry (the field is unique)"
    assert _count(engine, "steps") == 0
