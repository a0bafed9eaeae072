"""``relation_one_to_many`` as a field type: PolySynergy's handle and attributes, its
settings, and that it keeps nothing (no column, no value)."""

from __future__ import annotations

import pytest

from polysynergy_section_field import field_types
from polysynergy_section_field.field_types import RelationOneToManyField
from polysynergy_section_field.section_field_runner import FieldSettingsError

SECTION_ID = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"


def test_exported_with_polysynergys_attributes():
    assert RelationOneToManyField in field_types.BUILTIN_FIELD_TYPES
    assert "RelationOneToManyField" in field_types.__all__
    ft = RelationOneToManyField()
    assert (ft.handle, ft.postgres_type, ft.ui_component) == ("relation_one_to_many", "VIRTUAL", "relation-list")
    assert ft.settings_schema["required"] == ["relatedSection", "relatedField"]
    assert ft.get_migration_sql("books") == "" and ft.get_index_sql("authors", "books") is None
    assert not ft.stores_column({}) and not ft.uses_junction({"relatedSection": SECTION_ID})


def test_settings_as_polysynergy_stores_them():
    ft = RelationOneToManyField()
    stored = {"relatedSection": SECTION_ID, "relatedField": "author", "displayField": "title", "limit": 10,
              "sortBy": "created_at", "sortOrder": "DESC"}
    assert ft.validate_settings(stored) == stored
    assert ft.reverse_relation(stored) == (SECTION_ID, "author")
    assert ft.validate_settings({"relatedSection": "books", "relatedField": "author"})
    for bad, setting in (({"relatedSection": "Books!", "relatedField": "author"}, "relatedSection"),
                         ({"relatedSection": SECTION_ID, "relatedField": "Author"}, "relatedField"),
                         ({"relatedSection": SECTION_ID, "relatedField": "author", "other": 1}, None)):
        with pytest.raises(FieldSettingsError) as refused:
            ft.validate_settings(bad)
        assert setting is None or refused.value.setting == setting


def test_a_handle_follows_a_rename_an_id_stays():
    ft = RelationOneToManyField()
    assert ft.retarget({"relatedSection": "books", "relatedField": "a"}, "novels")["relatedSection"] == "novels"
    assert ft.retarget({"relatedSection": SECTION_ID, "relatedField": "a"}, "novels")["relatedSection"] == SECTION_ID


def test_values_are_read_only_and_the_portal_configs():
    ft = RelationOneToManyField()
    ok, reason = ft.validate(["x"], {})
    assert not ok and "read only" in reason
    settings = {"relatedSection": SECTION_ID, "relatedField": "author"}
    cell = ft.get_table_cell_config(["a", "b"], settings, {})
    assert cell["component"] == "RelationCountCell" and cell["props"]["relatedSection"] == SECTION_ID
    assert cell["props"]["count"] == 2
    form = ft.get_form_input_config(settings, {"label": "Books"})
    assert form["component"] == "RelationList" and form["props"]["readOnly"] is True
    assert form["props"]["relatedField"] == "author" and form["props"]["label"] == "Books"
    assert ft.get_default_value(settings) is None
