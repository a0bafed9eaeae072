"""export_schema and check_schema_file: the file holds the model (ids, types, settings,
defaults, rules, search, layout, title) in a stable order, and never data."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import yaml

from polysynergy_nodes_content.content_engine.config import UI_WIDTHS
from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound

from schema_model import blog, field_of


def test_the_export_holds_the_whole_model_with_ids_and_no_data(dev):
    blog(dev)
    dev.update_field(field_of(dev, "posts", "title")["id"],
                     {"custom_validation_rules": [{"rule": {"_nempty": True}, "message": "a title"}]})
    secret = dev.create_entry("authors", {"name": "Ada Secretvalue", "bio": "private words"})
    text = dev.export_schema()
    assert "Secretvalue" not in text and "private words" not in text and secret["id"] not in text
    assert dev.url not in text and "postgres" not in text
    document = yaml.safe_load(text)
    assert [s["handle"] for s in document["sections"]] == ["authors", "posts"]
    posts = document["sections"][1]
    stored = dev.get_section("posts")
    assert posts["id"] == stored["id"] and posts["icon"] == "file-text"
    assert posts["title_field_handle"] == "title" and posts["search_fields"] == ["title"]
    assert [f["handle"] for f in posts["fields"]] == ["title", "status", "author", "views"]
    title, status, author = posts["fields"][:3]
    assert title["id"] == field_of(dev, "posts", "title")["id"]
    assert title["field_settings"] == {"maxLength": 200} and title["is_required"] is True
    assert title["custom_validation_rules"]
    assert status["default_value"] == "draft" and status["field_settings"] == {"options": ["draft", "live"]}
    assert author["field_type_handle"] == "relation" and author["field_settings"]["targetSection"] == "authors"
    bio = document["sections"][0]["fields"][1]
    assert (bio["label"], bio["help_text"], bio["tab_name"], bio["ui_width"], bio["sort_order"]) == (
        "Biography", "A few lines", "About", "half", 1)
    assert list(title) == ["id", "handle", "label", "field_type_handle", "field_settings", "is_required", "is_unique",
                           "default_value", "custom_validation_rules", "help_text", "placeholder", "tab_name",
                           "ui_width", "sort_order", "is_visible"]
    assert dev.check_schema_file(text) == {"valid": True, "problems": [], "sections": 2}


def test_keys_come_in_a_stable_order_so_a_change_is_a_small_diff(dev):
    blog(dev)
    before = dev.export_schema()
    assert dev.export_schema() == before
    dev.update_field(field_of(dev, "posts", "title")["id"], {"field_settings": {"maxLength": 250}})
    after = dev.export_schema()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert changed == [("      maxLength: 200", "      maxLength: 250")]


def test_a_partial_export_has_only_the_named_sections(dev):
    blog(dev)
    document = yaml.safe_load(dev.export_schema(sections="posts"))
    assert document["partial"] is True and [s["handle"] for s in document["sections"]] == ["posts"]
    assert yaml.safe_load(dev.export_schema())["partial"] is False
    with pytest.raises(NotFound, match="'pages' does not exist"):
        dev.export_schema(sections=["posts", "pages"])


def test_the_format_schema_ships_with_the_package_and_matches_the_engine():
    shipped = json.loads(resources.files("polysynergy_nodes_content.content_engine.schema_file")
                         .joinpath("format.schema.json").read_text(encoding="utf-8"))
    assert shipped["$defs"]["field"]["properties"]["ui_width"]["enum"] == list(UI_WIDTHS)


@pytest.mark.parametrize("change, where", [
    (lambda d: d["sections"][0].update(colour="red"), "sections/0"),
    (lambda d: d["sections"][0]["fields"][0].update(id="not-a-uuid"), "sections/0/fields/0/id"),
    (lambda d: d["sections"][0]["fields"][0].update(handle="Bad Handle"), "sections/0/fields/0/handle"),
    (lambda d: d["sections"][0]["fields"][0].update(ui_width="wide"), "sections/0/fields/0/ui_width"),
    (lambda d: d["sections"][0]["fields"][1].update(id=d["sections"][0]["fields"][0]["id"]), "sections/0/fields/1/id"),
    (lambda d: d["sections"][1].update(handle=d["sections"][0]["handle"]), "sections/1/handle"),
    (lambda d: d.update(version=2), "version"),
])
def test_check_names_each_problem_and_plan_refuses_the_file(dev, change, where):
    blog(dev)
    document = yaml.safe_load(dev.export_schema())
    change(document)
    text = yaml.safe_dump(document)
    result = dev.check_schema_file(text)
    assert result["valid"] is False and where in [p["path"] for p in result["problems"]], result
    with pytest.raises(InvalidInput, match="not valid"):
        dev.plan_schema(text)


def test_check_reports_broken_yaml_with_its_line(dev):
    result = dev.check_schema_file("format: polysynergy-content-schema\nsections: [\n")
    assert result["valid"] is False and result["problems"][0]["path"].startswith("line ")


def test_search_fields_follow_a_rename_and_a_removal_so_the_file_applies_elsewhere(dev, prod):
    blog(dev)
    dev.add_field("posts", "summary", None, "textarea")
    dev.update_section("posts", {"search_fields": ["title", "summary"]})
    dev.update_field(field_of(dev, "posts", "title")["id"], {"handle": "headline"})
    dev.remove_field("posts", "summary")
    text = dev.export_schema()
    assert yaml.safe_load(text)["sections"][1]["search_fields"] == ["headline"]
    prod.apply_schema(text)
    assert prod.export_schema() == text


def test_aliases_and_oversized_files_are_refused_before_they_are_walked(dev):
    blog(dev)
    text = dev.export_schema()
    document = yaml.safe_load(text)
    document["sections"][1]["fields"] = document["sections"][0]["fields"]  # dumped as &id001 ... *id001
    aliased = yaml.safe_dump(document)
    assert "*id001" in aliased
    result = dev.check_schema_file(aliased)
    assert result["valid"] is False and "aliases" in result["problems"][0]["message"], result
    huge = text + "#" * 5_000_001
    assert "larger than" in dev.check_schema_file(huge)["problems"][0]["message"]
    deep = "sections: " + "[" * 5000 + "]" * 5000
    with pytest.raises(InvalidInput, match="nested too deeply"):
        dev.check_schema_file(deep)
