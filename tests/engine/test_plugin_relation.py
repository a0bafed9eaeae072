"""A plugin relation type (its own handle and settings keys) behaves like the built-in one.

The engine asks the field type's relation hooks (``relation_target``, ``uses_junction``,
``retarget``) and never its handle, so renaming a target section, junction names and
planning work the same for a relation type that is not called ``relation``.
"""

from __future__ import annotations

import pytest
from engine_helpers import sql

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_section_field import FieldTypeRegistry, registered_field_types
from polysynergy_section_field.field_types.relation.relation import RelationField


class LinkField(RelationField):
    """A relation whose settings say ``to`` and ``many`` instead of targetSection/allowMultiple."""

    handle = "link"
    label = "Link"

    @property
    def settings_schema(self) -> dict:
        return {"type": "object", "additionalProperties": False, "required": ["to"],
                "properties": {"to": {"type": "string"}, "many": {"type": "boolean"}}}

    def check_settings(self, settings: dict) -> None:
        pass

    @staticmethod
    def is_multiple(settings):
        return bool((settings or {}).get("many"))

    def foreign_key_target(self, settings=None):
        return (settings or {}).get("to")

    def retarget(self, settings, target_handle):
        return {**(settings or {}), "to": target_handle}


def test_base_field_type_relation_hooks_default_to_no_relation():
    registry = FieldTypeRegistry(registered_field_types)
    text = registry.get("text")
    assert not text.is_relation({}) and not text.uses_junction({}) and text.relation_target({}) is None
    assert text.retarget({"maxLength": 5}, "other") == {"maxLength": 5}
    relation = registry.get("relation")
    assert relation.uses_junction({"targetSection": "a", "allowMultiple": True})
    assert not relation.uses_junction({"targetSection": "a"}) and relation.is_relation({"targetSection": "a"})
    assert relation.retarget({"targetSection": "a", "allowMultiple": True}, "b") == {
        "targetSection": "b", "allowMultiple": True}
    assert relation.operators_for({"targetSection": "a", "allowMultiple": True}) == {"_contains", "_null", "_nnull"}


@pytest.fixture
def link_engine(database_url):
    registry = FieldTypeRegistry(registered_field_types)
    registry.register(LinkField)
    engine = ContentEngine(database_url, registry=registry)
    engine.install()
    return engine


def _apply(engine, section_id):
    engine.apply_migration(engine.plan_migration(section_id)["id"], confirm=True)


def test_plugin_relation_follows_a_renamed_target_and_keeps_working(link_engine):
    engine = link_engine
    people = engine.create_section("people")
    engine.add_field(people["id"], "name", None, "text")
    _apply(engine, people["id"])
    posts = engine.create_section("posts")
    engine.add_field(posts["id"], "author", None, "link", {"to": "people"})
    engine.add_field(posts["id"], "readers", None, "link", {"to": "people", "many": True})
    _apply(engine, posts["id"])
    assert sql(engine, "SELECT count(*) FROM pg_tables WHERE schemaname = 'custom' AND tablename = 'posts_readers'") == [(1,)]

    engine.update_section(people["id"], {"handle": "persons"})
    settings = {f["handle"]: f["field_settings"] for f in engine.get_section(posts["id"])["fields"]}
    assert settings == {"author": {"to": "persons"}, "readers": {"to": "persons", "many": True}}
    _apply(engine, people["id"])
    # The posts table still plans (its relation targets resolve to the renamed table).
    plan = engine.plan_migration(posts["id"])
    assert plan["status"] == "up_to_date", plan["sql"]


def test_plugin_junction_name_is_reserved_like_the_built_in(link_engine):
    engine = link_engine
    people = engine.create_section("people")
    posts = engine.create_section("posts")
    engine.add_field(posts["id"], "readers", None, "link", {"to": "people", "many": True})
    with pytest.raises(InvalidInput, match="taken by the relation table of field 'posts.readers'"):
        engine.create_section("posts_readers")
    assert people["handle"] == "people"


def test_the_diagram_draws_a_plugin_relation_like_the_built_in():
    from polysynergy_nodes_content.content_engine.descriptors.diagram import mermaid_er

    registry = FieldTypeRegistry(registered_field_types)
    registry.register(LinkField)
    sections = [
        {"id": "p", "handle": "people", "fields": [{"handle": "name", "field_type_handle": "text"}]},
        {"id": "q", "handle": "posts", "fields": [
            {"handle": "author", "field_type_handle": "link", "field_settings": {"to": "people"},
             "related_section_id": "p", "is_required": True},
            {"handle": "readers", "field_type_handle": "link", "field_settings": {"to": "people", "many": True},
             "related_section_id": "p"},
        ]},
    ]
    text = mermaid_er(sections, registry=registry)
    assert 'posts }o--|| people : "author"' in text
    assert 'posts }o--o{ people : "readers"' in text
    assert "uuid author FK" in text


def test_descriptors_ask_the_relation_hooks():
    from polysynergy_nodes_content.content_engine.descriptors.schema import field_schema
    from polysynergy_nodes_content.content_engine.descriptors.table import _column
    from polysynergy_nodes_content.content_engine.descriptors.widgets import cell_for, widget_for

    registry = FieldTypeRegistry(registered_field_types)
    registry.register(LinkField)
    link = registry.get("link")
    many, one = {"to": "people", "many": True}, {"to": "people"}
    assert (widget_for(link, many), widget_for(link, one)) == ("relation_multiple", "relation")
    assert (cell_for(link, many), cell_for(link, one)) == ("relations", "relation")
    column = _column({"handle": "readers", "field_type_handle": "link", "field_settings": many}, registry)
    assert column["related_section"] == "people" and column["multiple"] is True
    schema = field_schema({"handle": "readers", "field_type_handle": "link", "field_settings": many,
                           "is_required": True}, registry)
    assert schema["type"] == "array" and schema["minItems"] == 1
    assert field_schema({"handle": "author", "field_type_handle": "link", "field_settings": one},
                        registry)["anyOf"][1]["format"] == "uuid"


@pytest.fixture
def engine_without_builtin_relation(database_url):
    """Only the plugin relation: the built-in ``relation`` and ``datetime`` are not registered,
    so any behaviour the engine borrowed from them by name fails here."""
    registry = FieldTypeRegistry(registered_field_types)
    registry.unregister("relation")
    registry.unregister("datetime")
    registry.register(LinkField)
    engine = ContentEngine(database_url, registry=registry)
    engine.install()
    return engine


def test_system_columns_filter_and_errors_name_the_field_without_the_built_in_types(engine_without_builtin_relation):
    engine = engine_without_builtin_relation
    people = engine.create_section("people")
    engine.add_field(people["id"], "name", None, "text", is_unique=True)
    _apply(engine, people["id"])
    posts = engine.create_section("posts")
    engine.add_field(posts["id"], "title", None, "text")
    engine.add_field(posts["id"], "author", None, "link", {"to": "people"})
    engine.add_field(posts["id"], "readers", None, "link", {"to": "people", "many": True})
    _apply(engine, posts["id"])
    ada = engine.create_entry("people", {"name": "Ada"})
    bob = engine.create_entry("people", {"name": "Bob"})
    engine.create_entry("posts", {"title": "one", "author": ada["id"], "readers": [ada["id"], bob["id"]]})

    def names(filters):
        return sorted(e["name"] for e in engine.query_entries("people", filters)["entries"])

    # The id pseudo field: equality on entry ids.
    assert names({"id": ada["id"]}) == ["Ada"]
    assert names({"id": {"_in": [ada["id"], bob["id"]]}}) == ["Ada", "Bob"]
    assert names({"id": {"_neq": ada["id"]}}) == ["Bob"]
    with pytest.raises(InvalidInput, match="filter on 'id': must be an entry id"):
        names({"id": "nope"})
    with pytest.raises(InvalidInput, match="filter on 'id': operator '_gt' is not supported"):
        names({"id": {"_gt": ada["id"]}})
    # The timestamps: ordered, ISO-8601, a value without offset taken as UTC.
    assert names({"created_at": {"_lte": "2999-01-01T00:00:00Z"}}) == ["Ada", "Bob"]
    assert names({"created_at": {"_gt": "2999-01-01 00:00"}}) == []
    assert names({"updated_at": {"_between": ["2000-01-01T00:00:00Z", "2999-01-01T00:00:00+02:00"]}}) == ["Ada", "Bob"]
    with pytest.raises(InvalidInput, match="filter on 'created_at': must be an ISO-8601 date and time"):
        names({"created_at": {"_gt": "yesterday"}})
    # A related filter through the plugin relation, and the junction filter.
    titles = [e["title"] for e in engine.query_entries("posts", {"author": {"name": "Ada"}})["entries"]]
    assert titles == ["one"]
    assert [e["title"] for e in engine.query_entries("posts", {"readers": {"_contains": bob["id"]}})["entries"]] == ["one"]

    # Database errors are told as the field and the reason (names parsed back by names.parse_name).
    with pytest.raises(InvalidInput, match="field 'name': this value already exists in another entry"):
        engine.create_entry("people", {"name": "Ada"})
    missing = "5d7e9a51-3f0c-4e55-9d1b-2a4c6e8f0a1b"
    with pytest.raises(InvalidInput, match="field 'author': the related entry does not exist in section 'people'"):
        engine.create_entry("posts", {"title": "two", "author": missing})
    with pytest.raises(InvalidInput, match="field 'readers': the related entry does not exist in section 'people'"):
        engine.create_entries("posts", [{"title": "three", "readers": [missing]}])
    with pytest.raises(InvalidInput, match="field 'id': an entry with this id already exists"):
        engine.create_entries("people", [{"id": ada["id"], "name": "Ada again"}], keep_ids=True)
