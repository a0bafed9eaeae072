"""The table view's relation cells name related entries through the shared
related_titles module: the configured title field, else the first text-like field,
else the id; an empty title shows the id."""

from __future__ import annotations

from studio_helpers import build

from polysynergy_nodes_content.studio.routes_entries import table_page_data


def _cells(data: dict, handle: str) -> list:
    at = [c["handle"] for c in data["table"]["columns"]].index(handle)
    return [row[at] for row in data["rows"]]


def test_relation_cells_show_the_configured_or_the_guessed_title(engine):
    build(engine, "people", [dict(handle="code", field_type_handle="integer"),
                             dict(handle="name", field_type_handle="text"),
                             dict(handle="email", field_type_handle="email")])
    build(engine, "notes", [dict(handle="number", field_type_handle="integer"),
                            dict(handle="person", field_type_handle="relation",
                                 field_settings={"targetSection": "people"}),
                            dict(handle="others", field_type_handle="relation",
                                 field_settings={"targetSection": "people", "allowMultiple": True})])
    ada = engine.create_entry("people", {"code": 1, "name": "Ada", "email": "ada@example.org"})["id"]
    grace = engine.create_entry("people", {"code": 2, "name": "Grace"})["id"]
    engine.create_entries("notes", [{"number": 1, "person": ada, "others": [grace, ada]},
                                    {"number": 2, "person": grace}])
    params = {"sort": "number", "dir": "asc"}

    guessed = table_page_data(engine, "notes", params)
    assert _cells(guessed, "person") == [("text", "Ada"), ("text", "Grace")], "no title configured: first text field"
    assert _cells(guessed, "others") == [("tags", ["Grace", "Ada"]), ("empty", "—")]
    assert [e["person"] for e in guessed["entries"]] == [ada, grace], "entries keep ids"

    engine.update_section("people", {"title_field_handle": "email"})
    configured = table_page_data(engine, "notes", params)
    assert _cells(configured, "person") == [("text", "ada@example.org"), ("text", grace)], "empty title: the id"
    assert _cells(configured, "others")[0] == ("tags", [grace, "ada@example.org"])
