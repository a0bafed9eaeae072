"""The reverse side of a relation in the descriptors and the studio (over real HTTP):
a read-only list of the related entries' titles in the form, a relation cell in the table."""

from __future__ import annotations

import html
import secrets
import urllib.request

import pytest
from browser_support import Studio
from studio_helpers import build

from polysynergy_nodes_content.content_engine.descriptors import entry_schema, form_descriptor, table_descriptor


@pytest.fixture
def library(engine):
    authors = build(engine, "authors", [dict(handle="name", field_type_handle="text")])
    books = build(engine, "books", [dict(handle="title", field_type_handle="text"),
                                    dict(handle="author", field_type_handle="relation",
                                         field_settings={"targetSection": "authors"})])
    engine.add_field(authors["id"], "books", "Books", "relation_one_to_many",
                     {"relatedSection": str(books["id"]), "relatedField": "author"})
    assert engine.plan_migration("authors")["changes"] is False
    ada = engine.create_entry("authors", {"name": "Ada"})["id"]
    titles = ["Notes <on> the Engine", "Sketch"]
    books = [engine.create_entry("books", {"title": t, "author": ada})["id"] for t in titles]
    return {"ada": ada, "books": books, "titles": titles, "section": engine.get_section("authors")}


def test_descriptors_show_it_read_only(engine, library):
    section = library["section"]
    field = next(f for f in form_descriptor(section, engine.registry)["fields"] if f["handle"] == "books")
    assert field["widget"] == "relation_list" and field["read_only"] is True and field["related_field"] == "author"
    column = next(c for c in table_descriptor(section, engine.registry)["columns"] if c["handle"] == "books")
    assert column["cell"] == "relations" and column["multiple"] is True and column["read_only"] is True
    schema = entry_schema(section, engine.registry)["properties"]["books"]
    assert schema["readOnly"] is True and schema["x-field-type"] == "relation_one_to_many"


def test_the_studio_renders_the_list_with_titles(engine, library, database_url):
    studio = Studio(database_url, secrets.token_urlsafe(16))
    try:
        def get(path: str) -> str:
            request = urllib.request.Request(studio.base + path, headers={"Authorization": f"Bearer {studio.token}"})
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200
                return response.read().decode()

        form = get(f"/sections/authors/entries/{library['ada']}")
        for book_id, title in zip(library["books"], library["titles"]):
            assert f'<a href="/sections/books/entries/{book_id}">{html.escape(title)}</a>' in form
        assert 'name="books"' not in form, "nothing to post: the list is read only"
        assert "Read only: set author on those entries" in form
        table = get("/sections/authors/entries")
        assert html.escape(library["titles"][0]) in table and html.escape(library["titles"][1]) in table
    finally:
        studio.stop()
