"""Relations to and from adopted tables, whose entry ids keep their own key type.

A relation column takes its target's key type (bigint for a Supabase-dashboard table), a
junction table's ``source_id`` takes the source section's and ``target_id`` the target's.
Everything is driven through the engine: create, update, filters, expansion, deletes with
the foreign keys' behaviour, and restore from history."""

from __future__ import annotations

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput

from .conftest import DASHBOARD_SQL, run_sql

TAGS_SQL = """
CREATE TABLE public.labels (id text PRIMARY KEY, name text NOT NULL);
INSERT INTO public.labels VALUES ('red', 'Red'), ('green', 'Green'), ('blue', 'Blue');
"""


def _adopt(engine, table):
    adopted = engine.adopt_table(table, dry_run=False)
    engine.apply_migration(adopted["migration"]["id"])
    return adopted["section"]["handle"]


def _apply(engine, section):
    plan = engine.plan_migration(section)
    engine.apply_migration(plan["id"])
    return plan


def _column_types(url, schema, table):
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                                 "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                                 (f"{schema}.{table}",)).fetchall())


@pytest.fixture
def notes(engine, database_url):
    run_sql(database_url, DASHBOARD_SQL)
    return _adopt(engine, "public.notes")


@pytest.fixture
def articles(engine, database_url, notes):
    """A new (uuid) section linking the adopted bigint notes: one single, one multiple relation."""
    engine.create_section("articles")
    engine.add_field("articles", "title", field_type_handle="text")
    engine.add_field("articles", "note", field_type_handle="relation", field_settings={"targetSection": notes})
    engine.add_field("articles", "notes", field_type_handle="relation",
                     field_settings={"targetSection": notes, "allowMultiple": True})
    _apply(engine, "articles")
    return "articles"


def test_a_relation_column_and_a_junction_take_the_adopted_key_type(engine, database_url, articles):
    assert _column_types(database_url, "custom", "articles")["note"] == "bigint"
    with psycopg.connect(database_url) as conn:
        junction = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'custom' "
                                "AND table_name LIKE 'articles%notes%'").fetchone()[0]
        refs = conn.execute("SELECT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
                            "AND conrelid = 'custom.articles'::regclass").fetchall()
    junction_types = _column_types(database_url, "custom", junction)
    assert (junction_types["source_id"], junction_types["target_id"]) == ("uuid", "bigint")
    assert refs == [("notes",)] or refs == [("public.notes",)]  # the adopted table where it was made


def test_entries_link_adopted_rows_by_their_bigint_ids(engine, database_url, articles):
    made = engine.create_entry(articles, {"title": "a", "note": 3, "notes": ["1", 2]})
    assert made["note"] == "3" and made["notes"] == ["1", "2"]
    changed = engine.update_entry(articles, made["id"], {"note": "4", "notes": [5]})
    assert changed["note"] == "4" and changed["notes"] == ["5"]
    with pytest.raises(InvalidInput, match=r"note.*entry id of the related section \(a whole number, bigint\)"):
        engine.create_entry(articles, {"title": "b", "note": "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"})
    with pytest.raises(InvalidInput, match="notes"):
        engine.create_entry(articles, {"title": "b", "notes": ["x"]})
    with pytest.raises(InvalidInput, match="note"):  # no such row: the foreign key says so, by field
        engine.create_entry(articles, {"title": "b", "note": 9999})
    by_reference = engine.create_entry(articles, {"title": "c", "note": {"title": "note 7"}})
    assert by_reference["note"] == "7"


def test_filters_and_expansion_across_the_relation(engine, articles):
    one = engine.create_entry(articles, {"title": "one", "note": 3, "notes": [1, 2]})
    two = engine.create_entry(articles, {"title": "two", "note": 4, "notes": [2]})

    def titles(filters):
        return sorted(e["title"] for e in engine.query_entries(articles, filters=filters)["entries"])

    assert titles({"note": 3}) == ["one"]
    assert titles({"note": {"_in": [3, "4"]}}) == ["one", "two"]
    assert titles({"note": {"title": "note 4"}}) == ["two"]
    assert titles({"notes": {"_contains": 1}}) == ["one"]
    assert titles({"notes": {"_some": {"title": "note 2"}}}) == ["one", "two"]
    assert titles({"notes": {"_none": {"title": "note 1"}}}) == ["two"]
    with pytest.raises(InvalidInput, match="_contains takes entry ids"):
        titles({"notes": {"_contains": "x"}})
    expanded = engine.get_entry(articles, one["id"], fields=["title", "note.title", "notes.title"])
    assert expanded["note"]["title"] == "note 3" and [n["title"] for n in expanded["notes"]] == ["note 1", "note 2"]
    assert two["id"] != one["id"]


def test_deleting_an_adopted_row_follows_the_foreign_keys(engine, articles, notes):
    made = engine.create_entry(articles, {"title": "a", "note": 3, "notes": [3, 4]})
    assert engine.delete_entry(notes, 3) is True
    after = engine.get_entry(articles, made["id"])
    assert after["note"] is None and after["notes"] == ["4"]  # SET NULL on the column, CASCADE on the links


def test_undo_and_restore_from_history_bring_back_bigint_links(engine, articles):
    made = engine.create_entry(articles, {"title": "a", "note": 3, "notes": [1, 2]})
    changed = engine.update_entry(articles, made["id"], {"note": 4, "notes": [5]})
    versions = engine.entry_history(articles, made["id"])["versions"]
    assert [v["op"] for v in versions] == ["links", "update", "links", "insert"]
    assert versions[0]["changes"] == {"notes": {"old": ["1", "2"], "new": ["5"]}}  # ids as entries show them
    assert versions[1]["changes"] == {"note": {"old": "3", "new": "4"}} and versions[1]["values"]["note"] == "4"
    assert engine.get_entry(articles, made["id"], as_of=versions[2]["changed_at"])["note"] == "3"
    engine.undo_run(changed.run_id, confirm=True)
    undone = engine.get_entry(articles, made["id"])
    assert undone["note"] == "3" and undone["notes"] == ["1", "2"]
    engine.delete_entry(articles, made["id"])
    deleted = engine.entry_history(articles, made["id"])["versions"][0]
    restored = engine.restore_entry(articles, made["id"], deleted["version"])
    assert restored["note"] == "3" and restored["notes"] == ["1", "2"]


def test_export_and_import_keep_bigint_relations(engine, articles, tmp_path):
    made = engine.create_entry(articles, {"title": "a", "note": 3, "notes": [1, 2]})
    out = tmp_path / "articles.jsonl"
    assert engine.export_entries(articles, str(out))["exported"] == 1
    engine.delete_entry(articles, made["id"])
    assert engine.import_entries(articles, str(out), keep_ids=True)["imported"] == 1
    back = engine.get_entry(articles, made["id"])
    assert back["note"] == "3" and back["notes"] == ["1", "2"]


def test_an_adopted_table_links_another_adopted_table(engine, database_url, notes):
    """A single relation (bigint) and a multiple one (junction bigint -> text) on an adopted table."""
    run_sql(database_url, TAGS_SQL)
    labels = _adopt(engine, "public.labels")
    engine.add_field(notes, "label", field_type_handle="relation", field_settings={"targetSection": labels})
    engine.add_field(notes, "labels", field_type_handle="relation",
                     field_settings={"targetSection": labels, "allowMultiple": True})
    engine.add_field(notes, "parent", field_type_handle="relation", field_settings={"targetSection": notes})
    _apply(engine, notes)
    types = _column_types(database_url, "public", "notes")
    assert (types["label"], types["parent"]) == ("text", "bigint")
    with psycopg.connect(database_url) as conn:
        junction = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                                "AND table_name LIKE 'notes%labels%'").fetchone()[0]
    junction_types = _column_types(database_url, "public", junction)
    assert (junction_types["source_id"], junction_types["target_id"]) == ("bigint", "text")

    made = engine.update_entry(notes, 1, {"label": "red", "labels": ["green", "blue"], "parent": 2})
    assert (made["label"], made["labels"], made["parent"]) == ("red", ["green", "blue"], "2")
    assert [e["id"] for e in engine.query_entries(notes, filters={"labels": {"_contains": "blue"}})["entries"]] == ["1"]
    assert engine.query_entries(notes, filters={"label": {"name": "Red"}})["total_count"] == 1
    assert engine.query_entries(notes, filters={"parent": {"title": "note 2"}})["total_count"] == 1
    expanded = engine.get_entry(notes, 1, fields=["id", "label.name", "labels.name"])
    assert expanded["label"]["name"] == "Red" and [x["name"] for x in expanded["labels"]] == ["Green", "Blue"]
    with pytest.raises(InvalidInput, match="labels"):
        engine.update_entry(notes, 1, {"labels": ["purple"]})

    engine.update_entry(notes, 1, {"labels": ["red"]})
    versions = engine.entry_history(notes, 1)["versions"]
    assert versions[0]["changes"] == {"labels": {"old": ["green", "blue"], "new": ["red"]}}
    engine.restore_entry(notes, 1, versions[1]["version"])
    assert engine.get_entry(notes, 1)["labels"] == ["green", "blue"]

    assert engine.delete_entry(labels, "green") is True
    assert engine.get_entry(notes, 1)["labels"] == ["blue"]
    assert engine.delete_entry(labels, "red") is True
    assert engine.get_entry(notes, 1)["label"] is None
    with psycopg.connect(database_url, autocommit=True) as conn:  # the application's own INSERT still works
        conn.execute("INSERT INTO public.notes (title) VALUES ('app')")


def test_a_multiple_relation_on_an_adopted_table_to_a_uuid_section(engine, database_url, notes):
    engine.create_section("people")
    engine.add_field("people", "name", field_type_handle="text")
    _apply(engine, "people")
    ada, bob = (engine.create_entry("people", {"name": n})["id"] for n in ("ada", "bob"))
    engine.add_field(notes, "people", field_type_handle="relation",
                     field_settings={"targetSection": "people", "allowMultiple": True})
    _apply(engine, notes)
    made = engine.update_entry(notes, 2, {"people": [bob, ada]})
    assert made["people"] == [bob, ada]
    with pytest.raises(InvalidInput, match="people"):
        engine.update_entry(notes, 2, {"people": [7]})
    assert [e["id"] for e in engine.query_entries(notes, filters={"people": {"_some": {"name": "ada"}}})["entries"]] \
        == ["2"]
    engine.update_entry(notes, 2, {"people": [ada]})
    versions = engine.entry_history(notes, 2)["versions"]
    engine.restore_entry(notes, 2, versions[1]["version"])
    assert engine.get_entry(notes, 2)["people"] == [bob, ada]
    engine.delete_entry("people", bob)
    assert engine.get_entry(notes, 2)["people"] == [ada]
    assert engine.delete_entry(notes, 2) is True  # the links go with the source row
    with psycopg.connect(database_url) as conn:
        junction = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                                "AND table_name LIKE 'notes%people%'").fetchone()[0]
        assert conn.execute(psycopg.sql.SQL("SELECT count(*) FROM {}").format(
            psycopg.sql.Identifier("public", junction))).fetchone()[0] == 0


def test_import_resolves_an_adopted_tables_references_to_later_lines(engine, notes, tmp_path):
    """A self-relation of a bigint table: a line may name an entry a later line makes."""
    engine.add_field(notes, "parent", field_type_handle="relation", field_settings={"targetSection": notes})
    engine.add_field(notes, "siblings", field_type_handle="relation",
                     field_settings={"targetSection": notes, "allowMultiple": True})
    _apply(engine, notes)
    data = tmp_path / "family.jsonl"
    data.write_text('{"id": 100, "title": "child", "parent": 101, "siblings": [102, 101]}\n'
                    '{"id": 101, "title": "parent"}\n{"id": 102, "title": "aunt"}\n')
    assert engine.import_entries(notes, str(data), keep_ids=True)["imported"] == 3
    child = engine.get_entry(notes, 100)
    assert child["parent"] == "101" and child["siblings"] == ["102", "101"]
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": 200, "title": "orphan", "parent": 999}\n')
    with pytest.raises(InvalidInput, match="999"):
        engine.import_entries(notes, str(broken), keep_ids=True)


def test_related_titles_of_bigint_links(engine, articles):
    from polysynergy_nodes_content.content_engine.descriptors import get_with_titles, query_with_titles

    made = engine.create_entry(articles, {"title": "a", "note": 3, "notes": [1, 2]})
    page = query_with_titles(engine, articles, guess_title=True)
    assert page["entries"][0]["note"] == "3" and page["entries"][0]["notes"] == ["1", "2"]
    assert page["related_titles"]["note"] == {"3": "note 3"}
    assert page["related_titles"]["notes"] == {"1": "note 1", "2": "note 2"}
    entry, titles = get_with_titles(engine, articles, made["id"], guess_title=True)
    assert entry["notes"] == ["1", "2"] and titles["notes"]["2"] == "note 2"


def test_content_events_carry_bigint_links_as_ids(engine, articles, notes):
    import jsonschema

    from polysynergy_nodes_content.content_engine.events import event_schema

    engine.create_subscription("pull", [articles, notes])
    made = engine.create_entry(articles, {"title": "a", "note": 4, "notes": [1, 2]})
    engine.update_entry(articles, made["id"], {"note": 6, "notes": [3]})
    engine.update_entry(notes, 5, {"title": "changed"})
    events = []
    while batch := engine.claim_events("pull", 100):
        engine.ack_events("pull", [e["id"] for e in batch])
        events.extend(batch)
    events.sort(key=lambda e: e["seq"])
    for event in events:
        jsonschema.validate(event, event_schema())
    created, updated, note = events
    assert created["entry"]["notes"] == ["1", "2"] and created["entry"]["note"] == "4"
    assert updated["previous"]["notes"] == ["1", "2"] and updated["entry"]["notes"] == ["3"]
    assert updated["previous"]["note"] == "4" and updated["entry"]["note"] == "6"
    assert updated["changed"] == ["note", "notes"]
    assert note["entry_id"] == "5" and note["entry"]["title"] == "changed"


def test_the_studio_filters_and_picks_bigint_links(engine, articles, notes):
    """A relation column filtered by a typed id finds that entry (not every title with the
    digit in it); the picker finds an entry by its id and keeps a picked id it did not list."""
    from polysynergy_nodes_content.studio import relations
    from polysynergy_nodes_content.studio.routes_entries import table_page_data

    engine.create_entry(articles, {"title": "three", "note": 3})
    engine.create_entry(articles, {"title": "thirteen", "note": 13})
    by_id = table_page_data(engine, articles, {"op.note": "_eq", "q.note": "3"})
    assert not by_id["errors"], by_id["errors"]
    assert [e["title"] for e in by_id["entries"]] == ["three"]
    by_title = table_page_data(engine, articles, {"op.note": "_in", "q.note": "note 13"})
    assert [e["title"] for e in by_title["entries"]] == ["thirteen"]
    assert relations.valid_ids(engine, notes, ["7", "x", "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"]) == ["7"]
    assert relations.titles(engine, notes, ["7"]) == {"7": "note 7"}


def test_the_diagram_types_adopted_ids_and_the_relations_to_them(database_url, engine, articles):
    from tests.cli.conftest import Cli

    text = Cli(database_url).json("sections", "diagram")["mermaid"]
    notes_block = text.split("    notes {")[1].split("}")[0]
    articles_block = text.split("    articles {")[1].split("}")[0]
    assert 'bigint id PK "system"' in notes_block and 'uuid id PK "system"' in articles_block
    assert "bigint note FK" in articles_block and "bigint_list notes" in articles_block


def test_a_relation_cannot_move_to_a_target_with_another_key_type(engine, notes):
    engine.create_section("people")
    engine.add_field("people", "name", field_type_handle="text")
    _apply(engine, "people")
    engine.create_section("posts")
    engine.add_field("posts", "who", field_type_handle="relation", field_settings={"targetSection": "people"})
    _apply(engine, "posts")
    engine.create_entry("posts", {"who": engine.create_entry("people", {"name": "ann"})["id"]})
    who = next(f["id"] for f in engine.get_section("posts")["fields"] if f["handle"] == "who")
    engine.update_field(who, {"field_settings": {"targetSection": notes}})
    with pytest.raises(InvalidInput, match="field 'who': its new target section 'notes' has bigint ids, the column "
                                           "holds uuid ids"):
        engine.plan_migration("posts")


def test_a_reverse_relation_lists_an_adopted_tables_ids_with_their_key_type(engine, notes):
    import jsonschema

    from polysynergy_nodes_content.content_engine.descriptors.schema import entry_schema

    engine.create_section("people")
    engine.add_field("people", "name", field_type_handle="text")
    _apply(engine, "people")
    engine.add_field(notes, "author", field_type_handle="relation", field_settings={"targetSection": "people"})
    _apply(engine, notes)
    engine.add_field("people", "notes_by", field_type_handle="relation_one_to_many",
                     field_settings={"relatedSection": str(engine.get_section(notes)["id"]), "relatedField": "author"})
    assert engine.plan_migration("people")["operations"] == []  # no column: planning applies it
    person = engine.create_entry("people", {"name": "ada"})
    engine.update_entry(notes, 7, {"author": person["id"]})
    assert engine.get_entry("people", person["id"])["notes_by"] == ["7"]
    found = engine.get_section("people")
    schema = entry_schema({**found, "related_id_types": engine.related_id_types(found["id"])}, engine.registry)
    items = schema["properties"]["notes_by"]["anyOf"][1]["items"]
    assert items["x-entry-id-type"] == "bigint" and "uuid" not in str(items)
    jsonschema.validate(["7"], schema["properties"]["notes_by"]["anyOf"][1])
