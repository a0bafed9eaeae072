"""PolySynergy's field-type handles, configured with PolySynergy's settings, end to end.

PolySynergy's own API stores relation targets as ``relatedSection`` (a section id) with
``displayField``; our engine works with handles. These tests configure sections as
PolySynergy stores them, plan and apply the migrations, write and query entries, and move
them through export and import.
"""

from __future__ import annotations

import pytest
from engine_helpers import sql

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.transfer.stream import export_entries, import_entries


def _apply(engine, section_id):
    plan = engine.plan_migration(section_id)
    engine.apply_migration(plan["id"], confirm=True)
    return plan


def _settings(engine, section, handle):
    return {f["handle"]: f for f in engine.get_section(section)["fields"]}[handle]["field_settings"]


@pytest.fixture
def library(engine):
    """authors <- books (many-to-one by relatedSection id), books -> tags (many-to-many)."""
    authors = engine.create_section("authors")
    engine.add_field(authors["id"], "name", None, "text", {"maxLength": 100})
    _apply(engine, authors["id"])
    tags = engine.create_section("tags")
    engine.add_field(tags["id"], "label", None, "text")
    _apply(engine, tags["id"])
    books = engine.create_section("books")
    engine.add_field(books["id"], "title", None, "text", {"maxLength": 200})
    engine.add_field(books["id"], "price", None, "number", {"min": 0, "step": 0.01, "allowDecimals": True})
    engine.add_field(books["id"], "copies", None, "number", {"allowDecimals": False})
    engine.add_field(books["id"], "author", None, "relation_many_to_one",
                     {"relatedSection": authors["id"], "displayField": "name", "allowNull": True,
                      "onDelete": "SET_NULL"})
    engine.add_field(books["id"], "tags", None, "relation_many_to_many",
                     {"relatedSection": tags["id"], "displayField": "label", "maxRelations": 2})
    engine.add_field(books["id"], "cover", None, "image", {"allowedFormats": ["png", "jpg"], "maxWidth": 800})
    engine.add_field(books["id"], "manual", None, "file", {"allowedExtensions": ["pdf"], "maxFileSize": 1000})
    plan = _apply(engine, books["id"])
    return engine, authors, tags, books, plan


def test_relation_by_related_section_id_gets_the_handle_beside_it(library):
    engine, authors, tags, books, _plan = library
    assert _settings(engine, books["id"], "author") == {
        "relatedSection": str(authors["id"]), "targetSection": "authors", "displayField": "name",
        "allowNull": True, "onDelete": "SET_NULL"}
    fields = {f["handle"]: f for f in engine.get_section(books["id"])["fields"]}
    assert str(fields["author"]["related_section_id"]) == str(authors["id"])
    assert str(fields["tags"]["related_section_id"]) == str(tags["id"])


def test_the_migration_builds_a_foreign_key_column_a_junction_and_reference_columns(library):
    engine = library[0]
    columns = dict(sql(engine, "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns c "
                               "JOIN pg_attribute a ON a.attname = c.column_name AND a.attrelid = 'custom.books'::regclass "
                               "WHERE table_schema = 'custom' AND table_name = 'books'"))
    assert columns["author"] == "uuid" and columns["price"] == "double precision"
    assert columns["cover"] == "character varying(500)" and columns["manual"] == "character varying(500)"
    assert "tags" not in columns
    assert sql(engine, "SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = 'custom.books'::regclass "
                       "AND contype = 'f'") == [("custom.authors",)]
    assert sql(engine, "SELECT count(*) FROM pg_tables WHERE schemaname = 'custom' AND tablename = 'books_tags'") == [(1,)]
    # Nothing left to do: the PolySynergy markers (UUID, JUNCTION_TABLE, VARCHAR(500)) do not cause drift.
    assert engine.plan_migration(library[3]["id"])["status"] == "up_to_date"


def test_entries_link_query_and_check_polysynergy_rules(library):
    engine = library[0]
    ada = engine.create_entry("authors", {"name": "Ada"})
    red, blue, green = (engine.create_entry("tags", {"label": c}) for c in ("red", "blue", "green"))
    book = engine.create_entry("books", {
        "title": "Notes", "price": 12.5, "copies": 3, "author": ada["id"], "tags": [red["id"], blue["id"]],
        "cover": "https://cdn.example.com/covers/notes.PNG?v=2",
        "manual": {"path": "uploads/notes.pdf", "size": 900, "mimeType": "application/pdf"}})
    assert book["author"] == ada["id"] and sorted(book["tags"]) == sorted([red["id"], blue["id"]])
    assert book["manual"] == "uploads/notes.pdf"
    found = engine.query_entries("books", {"author": {"name": "Ada"}, "tags": {"_contains": blue["id"]}})
    assert [e["title"] for e in found["entries"]] == ["Notes"]

    refusals = [
        ({"copies": 2.5}, "field 'copies': must be a whole number"),
        ({"tags": [red["id"], blue["id"], green["id"]]}, "field 'tags': must link at most 2 entries"),
        ({"cover": "covers/notes.gif"}, "field 'cover': must be a png/jpg file"),
        ({"manual": {"path": "big.pdf", "size": 5000}}, "field 'manual': is 5000 bytes; at most 1000"),
        ({"cover": {"path": "wide.png", "width": 1200}}, "field 'cover': is 1200 px wide; at most 800"),
        ({"price": -1}, "field 'price': must be at least 0"),
    ]
    for data, message in refusals:
        with pytest.raises(InvalidInput, match=message):
            engine.create_entry("books", {"title": "x", **data})
    # The whole-number rule is a CHECK constraint too, so a direct SQL write cannot break it.
    with pytest.raises(Exception, match="check constraint"):
        sql(engine, "INSERT INTO custom.books (id, title, copies) VALUES (gen_random_uuid(), 'y', 1.5)")


def test_export_and_import_keep_polysynergy_fields(library, tmp_path):
    engine = library[0]
    ada = engine.create_entry("authors", {"name": "Ada"})
    red = engine.create_entry("tags", {"label": "red"})
    engine.create_entry("books", {"title": "Notes", "price": 1.25, "copies": 1, "author": ada["id"],
                                  "tags": [red["id"]], "cover": "a.png", "manual": "m.pdf"})
    for fmt in ("jsonl", "csv"):
        path = tmp_path / f"books.{fmt}"
        export_entries(engine, "books", str(path))
        engine.delete_entries("books", {"id": {"_nnull": True}}, confirm=True)
        result = import_entries(engine, "books", str(path), keep_ids=True)
        assert result["imported"] == 1, result
        (book,) = engine.query_entries("books")["entries"]
        assert (book["author"], book["tags"], book["cover"], book["manual"], book["price"]) == (
            ada["id"], [red["id"]], "a.png", "m.pdf", 1.25)


def test_target_renames_keep_the_id_and_move_the_handle(library):
    engine, authors, _tags, books, _plan = library
    engine.update_section(authors["id"], {"handle": "writers"})
    assert _settings(engine, books["id"], "author")["targetSection"] == "writers"
    assert _settings(engine, books["id"], "author")["relatedSection"] == str(authors["id"])
    # PolySynergy's portal sends the settings back with the id changed: the id wins.
    tags_id = str(library[2]["id"])
    engine.update_field(_field_id(engine, books, "author"), {"field_settings": {
        **_settings(engine, books["id"], "author"), "relatedSection": tags_id}})
    assert _settings(engine, books["id"], "author")["targetSection"] == "tags"
    # Ours sends it back with the handle changed: the handle wins.
    engine.update_field(_field_id(engine, books, "author"), {"field_settings": {
        **_settings(engine, books["id"], "author"), "targetSection": "writers"}})
    assert _settings(engine, books["id"], "author")["relatedSection"] == str(authors["id"])


def _field_id(engine, section, handle):
    return {f["handle"]: f for f in engine.get_section(section["id"])["fields"]}[handle]["id"]


def test_relation_settings_are_refused_with_the_reason(engine):
    people = engine.create_section("people")
    posts = engine.create_section("posts")
    missing = "5d7e9a51-3f0c-4e55-9d1b-2a4c6e8f0a1b"
    cases = [
        ({"relatedSection": missing, "displayField": "title"}, f"section '{missing}' does not exist"),
        ({"displayField": "title"}, "field 'writer'"),
        ({"relatedSection": str(people["id"]), "targetSection": "posts"},
         "relatedSection .* and targetSection .* name different sections"),
        ({"relatedSection": str(people["id"]), "onDelete": "CASCADE"}, "setting 'onDelete'"),
        ({"relatedSection": "not-an-id"}, "setting 'relatedSection'"),
    ]
    for settings, message in cases:
        with pytest.raises(InvalidInput, match=message):
            engine.add_field(posts["id"], "writer", None, "relation_many_to_one", settings)
    # Our own spelling works on PolySynergy's handle too, and gets the id beside it.
    engine.add_field(posts["id"], "writer", None, "relation_many_to_one", {"targetSection": "people"})
    assert _settings(engine, posts["id"], "writer")["relatedSection"] == str(people["id"])


def test_shared_handles_configured_with_polysynergy_settings(engine):
    events = engine.create_section("events")
    fields = [
        ("day", "date", {"format": "DD/MM/YYYY", "minDate": "2020-01-01"}),
        ("kinds", "multi_select", {"options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                                   "maxSelections": 1, "searchable": True}),
        ("fee", "currency", {"currency": "USD", "allowNegative": False, "decimalPlaces": 2, "displayFormat": "code"}),
        ("contact", "email", {"domainRestriction": "example.com", "allowMultiple": False}),
        ("site", "url", {"allowedProtocols": ["https"], "requireProtocol": True}),
        ("public", "boolean", {"defaultValue": True}),
        ("notes", "textarea", {"editorType": "markdown", "rows": 4}),
    ]
    for handle, kind, settings in fields:
        engine.add_field(events["id"], handle, None, kind, settings)
    _apply(engine, events["id"])
    entry = engine.create_entry("events", {"day": "2024-05-01", "kinds": ["a"], "fee": "10.00",
                                           "contact": "x@example.com", "site": "https://e.org"})
    assert entry["public"] is True  # PolySynergy's defaultValue became the column default
    refusals = [({"day": "2019-01-01"}, "field 'day': must not be earlier than 2020-01-01"),
                ({"kinds": ["a", "b"]}, "field 'kinds': must have at most 1 value"),
                ({"fee": "-1"}, "field 'fee': must be at least 0"),
                ({"contact": "x@other.org"}, "field 'contact': must be an address at example.com"),
                ({"site": "http://e.org"}, "field 'site': must start with https://")]
    for data, message in refusals:
        with pytest.raises(InvalidInput, match=message):
            engine.create_entry("events", data)
    # The CHECK rules follow the settings under either name.
    with pytest.raises(Exception, match="check constraint"):
        sql(engine, "INSERT INTO custom.events (id, fee) VALUES (gen_random_uuid(), -5)")
    # PolySynergy's screen edits its spelling and sends ours back unchanged: its edit wins.
    day = _field_id(engine, events, "day")
    engine.update_field(day, {"field_settings": {**_settings(engine, events["id"], "day"), "minDate": "2023-01-01"}})
    assert _settings(engine, events["id"], "day")["min"] == "2023-01-01"
    _apply(engine, events["id"])
    with pytest.raises(InvalidInput, match="field 'day': must not be earlier than 2023-01-01"):
        engine.create_entry("events", {"day": "2022-01-01"})


def test_descriptors_and_entry_schema_cover_the_polysynergy_handles(library):
    from jsonschema import Draft202012Validator

    from polysynergy_nodes_content.content_engine.descriptors.form import form_descriptor
    from polysynergy_nodes_content.content_engine.descriptors.schema import entry_schema
    from polysynergy_nodes_content.content_engine.descriptors.table import table_descriptor

    engine, _authors, _tags, books, _plan = library
    section = engine.get_section(books["id"])
    columns = {c["handle"]: c for c in table_descriptor(section, engine.registry)["columns"]}
    assert columns["author"]["related_section"] == "authors" and columns["tags"]["multiple"] is True
    inputs = {f["handle"]: f for f in form_descriptor(section, engine.registry)["fields"]}
    assert inputs["author"]["related_section"] == "authors"
    schema = entry_schema(section, engine.registry)
    good = {"title": "t", "cover": {"path": "a.png", "width": 10}, "manual": "m.pdf",
            "author": "5d7e9a51-3f0c-4e55-9d1b-2a4c6e8f0a1b", "tags": []}
    Draft202012Validator(schema).validate(good)
    assert not Draft202012Validator(schema).is_valid({**good, "cover": {"path": "a.png", "colour": "red"}})
