"""A relation column filtered by titles: one query for all the titles (not one per
title), the parts de-duplicated, and more than MAX_TITLE_PARTS different ones refused
with the column named."""

from __future__ import annotations

from studio_helpers import build

from polysynergy_nodes_content.studio.relations import MAX_TITLE_PARTS
from polysynergy_nodes_content.studio.routes_entries import table_page_data


def _people_and_notes(engine) -> dict:
    build(engine, "people", [dict(handle="name", field_type_handle="text")])
    build(engine, "notes", [dict(handle="number", field_type_handle="integer"),
                            dict(handle="person", field_type_handle="relation",
                                 field_settings={"targetSection": "people"})])
    people = engine.create_entries("people", [{"name": f"Person {i:02d}"} for i in range(30)])
    engine.create_entries("notes", [{"number": i, "person": p["id"]} for i, p in enumerate(people)])
    return {p["name"]: p["id"] for p in people}


def test_many_titles_take_one_lookup_query(engine, monkeypatch):
    _people_and_notes(engine)
    seen = []
    real = engine.query_entries

    def counting(section, *args, **kwargs):  # the real engine call, counted per section
        seen.append(section)
        return real(section, *args, **kwargs)

    monkeypatch.setattr(engine, "query_entries", counting)
    titles = ", ".join(f"Person {i:02d}" for i in range(0, 30, 2))  # 15 titles
    data = table_page_data(engine, "notes", {"op.person": "_in", "q.person": titles, "sort": "number",
                                             "dir": "asc", "size": "50"})
    assert not data["errors"], data["errors"]
    assert [e["number"] for e in data["entries"]] == list(range(0, 30, 2))
    assert seen.count("people") == 1, seen


def test_title_parts_are_deduplicated_and_capped(engine):
    _people_and_notes(engine)
    repeated = ", ".join(["Person 01", " Person 01 ", "Person 03"] * 20)  # 60 parts, 2 different
    data = table_page_data(engine, "notes", {"op.person": "_in", "q.person": repeated, "sort": "number",
                                             "dir": "asc"})
    assert not data["errors"], data["errors"]
    assert [e["number"] for e in data["entries"]] == [1, 3]
    too_many = ", ".join(f"Person {i:02d}" for i in range(MAX_TITLE_PARTS + 1))
    data = table_page_data(engine, "notes", {"op.person": "_nin", "q.person": too_many})
    message = " ".join(str(v) for v in data["errors"].values())
    assert f"filter on 'person': {MAX_TITLE_PARTS + 1} different titles, at most {MAX_TITLE_PARTS}" in message
    assert data["entries"] == []
