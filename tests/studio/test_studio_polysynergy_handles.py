"""The studio's table view over PolySynergy's handles: a many-to-one configured by
``relatedSection`` id and a many-to-many show the related entries' titles; an image shows
its reference."""

from __future__ import annotations

from studio_helpers import build

from polysynergy_nodes_content.studio.routes_entries import table_page_data


def test_table_cells_of_polysynergy_handles(engine):
    people = build(engine, "people", [dict(handle="name", field_type_handle="text")])
    build(engine, "notes", [
        dict(handle="number", field_type_handle="integer"),
        dict(handle="person", field_type_handle="relation_many_to_one",
             field_settings={"relatedSection": str(people["id"]), "displayField": "name"}),
        dict(handle="others", field_type_handle="relation_many_to_many",
             field_settings={"relatedSection": str(people["id"]), "displayField": "name"}),
        dict(handle="cover", field_type_handle="image")])
    ada = engine.create_entry("people", {"name": "Ada"})["id"]
    grace = engine.create_entry("people", {"name": "Grace"})["id"]
    engine.create_entries("notes", [{"number": 1, "person": ada, "others": [grace, ada], "cover": "c/a.png"}])
    data = table_page_data(engine, "notes", {"sort": "number", "dir": "asc"})
    handles = [c["handle"] for c in data["table"]["columns"]]
    row = dict(zip(handles, data["rows"][0]))
    assert row["person"] == ("text", "Ada")
    assert row["others"] == ("tags", ["Grace", "Ada"])
    assert row["cover"][1] == "c/a.png"
