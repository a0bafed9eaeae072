"""The contract PolySynergy's own API holds with ``polysynergy_section_field``.

PolySynergy's API imports a package of this name (ours replaces it when both are
installed). What it does with the package, read from its code (polysynergy-api-local
63df559): ``services/field_type_loader_service.py`` keeps every FieldType subclass with a
``handle`` found by ``dir()`` of ``polysynergy_section_field.field_types`` (base class
from ``polysynergy_section_field.section_field_runner.base_field_type``), keyed by handle;
``api/v1/section_field/field_types.py`` reads ``handle``, ``label``, ``postgres_type``,
``ui_component``, ``settings_schema``, ``version`` and the decorator's
``_field_type_category`` / ``_field_type_icon``; ``content.py``, ``schemas.py`` and
``public/content.py`` call ``get_table_cell_config(value=None, settings=..., field_config=...)``
and ``get_form_input_config(settings=..., field_config=...)``; the migration generator
reads ``postgres_type`` from the class and skips ``VIRTUAL`` and ``JUNCTION_TABLE``. The
portal renders ``cell_config.component`` / ``props`` (section-data-tables.tsx).
"""

from __future__ import annotations

import importlib
import inspect
import json
import uuid

import pytest

from polysynergy_section_field import registered_field_types

SECTION_ID = str(uuid.UUID("8d0c4a9e-51d6-4f3b-9a47-2e6b1f0c7d35"))
#: Every handle of PolySynergy's package, with settings as PolySynergy stores them, a value
#: it accepts, and the table cell and form input its portal renders for the handle.
POLYSYNERGY_HANDLES = {
    "text": ({"maxLength": 200, "placeholder": "Name"}, "Ada", "TextCell", "TextInput"),
    "textarea": ({"maxLength": 2000, "rows": 5}, "Long text", "TextCell", "TextArea"),
    "number": ({"min": 0, "max": 10, "step": 0.5, "allowDecimals": True}, 2.5, "NumberCell", "NumberInput"),
    "boolean": ({}, True, "BooleanCell", "Toggle"),
    "relation_many_to_one": ({"relatedSection": SECTION_ID, "displayField": "name", "allowNull": True},
                             SECTION_ID, "RelationCell", "RelationSelect"),
    "relation_one_to_many": ({"relatedSection": SECTION_ID, "relatedField": "author", "displayField": "title"},
                             None, "RelationCountCell", "RelationList"),
    "relation_many_to_many": ({"relatedSection": SECTION_ID, "displayField": "label", "maxRelations": 3},
                              [SECTION_ID], "RelationTagsCell", "RelationMultiSelect"),
    "date": ({}, "2025-10-31", "DateCell", "DatePicker"),
    "time": ({}, "10:30", "TimeCell", "TimePicker"),
    "datetime": ({}, "2025-10-31T10:30:00Z", "DateTimeCell", "DateTimePicker"),
    "select": ({"options": [{"value": "draft", "label": "Draft"}, {"value": "live", "label": "Live"}]},
               "draft", "TextCell", "Select"),
    "multi_select": ({"options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
                     ["a", "b"], "TagsCell", "MultiSelect"),
    "email": ({}, "ada@example.com", "EmailCell", "EmailInput"),
    "url": ({}, "https://example.com/a", "LinkCell", "UrlInput"),
    "phone": ({}, "+31 20 123 4567", "PhoneCell", "PhoneInput"),
    "slug": ({}, "hello-world", "TextCell", "SlugInput"),
    "image": ({"allowedFormats": ["png", "jpg"], "maxFileSize": 1000}, "covers/a.png", "ImageCell", "ImageUpload"),
    "file": ({"allowedExtensions": ["pdf"]}, "https://cdn.example.com/a.pdf", "FileCell", "FileUpload"),
    "color": ({}, "#112233", "ColorCell", "ColorPicker"),
    "json": ({}, {"a": [1, 2]}, "JsonCell", "JsonEditor"),
    "currency": ({"currency": "EUR"}, "12.50", "CurrencyCell", "CurrencyInput"),
    "percentage": ({}, 12.5, "PercentageCell", "PercentageInput"),
}
#: What PolySynergy's migration generator must read from these classes to skip a column.
MARKERS = {"relation_one_to_many": "VIRTUAL", "relation_many_to_many": "JUNCTION_TABLE",
           "relation_many_to_one": "UUID"}
TABLE_FIELD_CONFIG = {"handle": "f", "label": "F", "is_required": True}
FORM_FIELD_CONFIG = {"handle": "f", "label": "F", "is_required": True, "help_text": "Help",
                     "placeholder": "Type", "default_value": None}


def discovered() -> dict:
    """The loader's rule, written from its code: FieldType subclasses with a handle."""
    module = importlib.import_module("polysynergy_section_field.field_types")
    base = importlib.import_module("polysynergy_section_field.section_field_runner.base_field_type").FieldType
    found: dict = {}
    for name in dir(module):
        attr = getattr(module, name)
        if inspect.isclass(attr) and issubclass(attr, base) and attr is not base and hasattr(attr, "handle"):
            assert attr.handle not in found, f"two exported classes claim '{attr.handle}'"
            found[attr.handle] = attr
    return found


def test_the_loader_finds_every_polysynergy_handle_and_no_nameless_base():
    found = discovered()
    missing = set(POLYSYNERGY_HANDLES) - set(found)
    assert not missing
    assert all(handle for handle in found), "a helper base class with an empty handle is exported"
    # The loader and our registry see the same catalogue.
    assert set(found) == {cls.handle for cls in registered_field_types}


@pytest.mark.parametrize("handle", POLYSYNERGY_HANDLES)
def test_the_field_type_endpoint_fields(handle):
    cls = discovered()[handle]
    instance = cls()
    for name in ("handle", "label", "postgres_type", "ui_component"):
        assert isinstance(getattr(instance, name), str) and getattr(instance, name)
    # The generator reads postgres_type from the class, not an instance.
    assert isinstance(cls.postgres_type, str)
    assert cls.postgres_type == MARKERS.get(handle, cls.postgres_type)
    assert isinstance(cls._field_type_category, str)
    assert cls._field_type_icon is None or isinstance(cls._field_type_icon, str)
    assert getattr(cls, "version", None) is None or isinstance(cls.version, str)
    schema = instance.settings_schema
    assert schema is None or (isinstance(schema, dict) and schema.get("type") == "object")
    json.dumps(schema)


@pytest.mark.parametrize("handle", POLYSYNERGY_HANDLES)
def test_settings_as_polysynergy_stores_them_are_accepted(handle):
    settings, *_ = POLYSYNERGY_HANDLES[handle]
    instance = discovered()[handle]()
    assert instance.validate_settings(dict(settings)) == settings


@pytest.mark.parametrize("handle", POLYSYNERGY_HANDLES)
def test_cells_and_inputs_are_what_the_portal_renders(handle):
    settings, value, cell, form_input = POLYSYNERGY_HANDLES[handle]
    instance = discovered()[handle]()
    config = instance.get_table_cell_config(value=None, settings=settings, field_config=TABLE_FIELD_CONFIG)
    assert config["component"] == cell and isinstance(config["props"], dict)
    json.dumps(config)
    form = instance.get_form_input_config(settings=settings, field_config=FORM_FIELD_CONFIG)
    assert form["component"] == form_input
    assert form["props"]["label"] == "F" and form["props"]["helpText"] == "Help"
    assert form["validation"]["required"] is True
    json.dumps(form)
    # Called without settings or field config too (PolySynergy's defaults are None).
    assert instance.get_table_cell_config(value)["component"] == cell
    assert instance.get_form_input_config()["validation"]["required"] is False
    instance.get_default_value(settings)
    instance.get_default_value()


@pytest.mark.parametrize("handle", POLYSYNERGY_HANDLES)
def test_values_validate_serialize_and_deserialize_with_polysynergy_signatures(handle):
    settings, value, *_ = POLYSYNERGY_HANDLES[handle]
    instance = discovered()[handle]()
    if value is None:  # a virtual field holds no value of its own
        return
    ok, message = instance.validate(value, settings)
    assert (ok, message) == (True, None)
    assert instance.validate(value) is not None  # settings optional, a (bool, message) pair
    assert instance.validate(None, settings) == (True, None)
    stored = instance.serialize(value, settings)
    instance.deserialize(stored, settings)
    assert type(instance.serialize(value)) is type(stored)  # PolySynergy calls serialize(value) alone


@pytest.mark.parametrize("handle", POLYSYNERGY_HANDLES)
def test_migration_and_index_sql_print_as_text(handle):
    settings, *_ = POLYSYNERGY_HANDLES[handle]
    instance = discovered()[handle]()
    column = instance.get_migration_sql("my_field", settings, True)
    if type(instance).postgres_type == "VIRTUAL":  # no column: PolySynergy's generator skips the type
        assert str(column) == "" and instance.get_index_sql("my_table", "my_field", settings) is None
        return
    assert str(column).startswith('"my_field" ') and str(column).endswith("NOT NULL")
    index = instance.get_index_sql("my_table", "my_field", settings)
    assert index is None or str(index).startswith("CREATE INDEX")


def test_relation_cells_give_the_portal_the_section_id_and_display_field():
    found = discovered()
    settings = POLYSYNERGY_HANDLES["relation_many_to_one"][0]
    props = found["relation_many_to_one"]().get_table_cell_config(None, settings, TABLE_FIELD_CONFIG)["props"]
    assert (props["relatedSection"], props["displayField"]) == (SECTION_ID, "name")
    form = found["relation_many_to_many"]().get_form_input_config(POLYSYNERGY_HANDLES["relation_many_to_many"][0])
    assert (form["props"]["relatedSection"], form["props"]["maxRelations"], form["validation"]["maxItems"]) == (
        SECTION_ID, 3, 3)


def test_select_cells_carry_the_options_the_portal_maps_values_with():
    instance = discovered()["select"]()
    props = instance.get_table_cell_config("b", {"options": ["a", {"value": "b", "label": "Bee"}]})["props"]
    assert props["options"] == [{"value": "a", "label": "a"}, {"value": "b", "label": "Bee"}]
    assert props["label"] == "Bee"
    tags = discovered()["multi_select"]().get_table_cell_config(["a", "b"], {"options": ["a", {"value": "b", "label": "Bee"}]})
    assert tags["props"]["tags"] == ["a", "Bee"]


def test_the_decorator_sets_the_class_attributes_polysynergy_reads():
    from polysynergy_section_field import FieldType, field_type

    @field_type(category="custom", icon="stars.svg")
    class StarsField(FieldType):
        handle = "stars"
        label = "Stars"

    assert (StarsField._field_type_category, StarsField._field_type_icon) == ("custom", "stars.svg")
    assert StarsField().category == "custom"


def test_defaults_come_from_either_spelling():
    boolean = discovered()["boolean"]()
    assert boolean.get_default_value({"default": True}) is True
    assert boolean.get_default_value({"defaultValue": False}) is False
    assert boolean.get_default_value({}) is None


#: Settings with every key PolySynergy's schema of the handle defines (its defaults, or a
#: value where it has none), as its portal stores them.
POLYSYNERGY_STORED_SETTINGS = {
    "text": {"maxLength": 100, "minLength": 1, "pattern": "[a-z]+", "placeholder": "name"},
    "textarea": {"maxLength": 500, "minLength": 0, "rows": 5, "editorType": "markdown"},
    "number": {"min": 0, "max": 100, "step": 1, "allowDecimals": True},
    "boolean": {"defaultValue": False},
    "date": {"format": "DD/MM/YYYY", "minDate": "2020-01-01", "maxDate": "2030-12-31"},
    "time": {"format": "HH:mm", "step": 15},
    "datetime": {"dateFormat": "YYYY-MM-DD", "timeFormat": "HH:mm", "timezone": True},
    "select": {"options": [{"value": "a", "label": "A"}], "allowEmpty": True, "searchable": False},
    "multi_select": {"options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                     "minSelections": 1, "maxSelections": 2, "searchable": True},
    "email": {"allowMultiple": False, "domainRestriction": "example.com"},
    "url": {"requireProtocol": True, "allowedProtocols": ["http", "https"], "openInNewTab": True},
    "phone": {"format": "international", "defaultCountry": "NL", "showCountrySelector": True},
    "slug": {"autoGenerate": True, "sourceField": "title", "allowEdit": True, "prefix": "blog-"},
    "color": {"format": "hex", "allowAlpha": False, "presetColors": ["#FF0000", "#00ff00"]},
    "json": {"editorMode": "both", "schema": {"type": "object"}, "prettify": True},
    "currency": {"currency": "USD", "displayFormat": "symbol", "decimalPlaces": 2, "allowNegative": False,
                 "minValue": 0, "maxValue": 1000},
    "percentage": {"decimalPlaces": 2, "minValue": 0, "maxValue": 100, "showSlider": False, "step": 1},
    "image": {"maxFileSize": 5242880, "allowedFormats": ["jpg", "jpeg", "png", "gif", "webp"], "maxWidth": 2000,
              "maxHeight": 2000, "generateThumbnails": True,
              "thumbnailSizes": [{"name": "thumb", "width": 150, "height": 150}]},
    "file": {"maxFileSize": 10485760, "allowedExtensions": ["pdf", "doc"], "allowedMimeTypes": ["application/pdf"],
             "multipleFiles": False},
    "relation_many_to_one": {"relatedSection": SECTION_ID, "displayField": "title", "allowNull": True,
                             "onDelete": "SET_NULL"},
    "relation_many_to_many": {"relatedSection": SECTION_ID, "displayField": "title", "allowDuplicates": False,
                              "sortBy": "sort_order", "sortOrder": "ASC", "maxRelations": 5},
}
#: PolySynergy's name -> ours, for the settings it spells differently.
ALIASES = {"boolean": {"defaultValue": "default"}, "date": {"minDate": "min", "maxDate": "max"},
           "multi_select": {"minSelections": "minItems", "maxSelections": "maxItems"},
           "url": {"allowedProtocols": "allowedSchemes"}, "color": {"presetColors": "presets"},
           "currency": {"decimalPlaces": "scale", "minValue": "min", "maxValue": "max"},
           "percentage": {"minValue": "min", "maxValue": "max"}}


@pytest.mark.parametrize("handle", POLYSYNERGY_STORED_SETTINGS)
def test_every_setting_polysynergy_stores_is_accepted_and_its_aliases_copied(handle):
    settings = POLYSYNERGY_STORED_SETTINGS[handle]
    instance = discovered()[handle]()
    accepted = instance.validate_settings(dict(settings))
    for theirs, ours in ALIASES.get(handle, {}).items():
        assert accepted[ours] == settings[theirs], (handle, theirs)
    assert {k: v for k, v in accepted.items() if k in settings} == settings
    # And the schema PolySynergy's config forms are built from names every one of them.
    assert set(settings) <= set(instance.settings_schema["properties"])


def test_aliases_are_enforced_under_our_name():
    found = discovered()
    date, multi, currency = found["date"](), found["multi_select"](), found["currency"]()
    assert date.validate("2019-12-31", date.validate_settings({"minDate": "2020-01-01"}))[0] is False
    assert multi.validate(["a", "b"], multi.validate_settings(
        {"options": ["a", "b"], "maxSelections": 1}))[1] == "must have at most 1 value (got 2)"
    assert currency.validate("-0.01", currency.validate_settings({"allowNegative": False}))[0] is False
    assert found["email"]().validate("a@other.org", {"domainRestriction": "example.com"})[0] is False
    with pytest.raises(ValueError, match="'minDate' .* and 'min' .* are two names of one setting"):
        date.validate_settings({"minDate": "2020-01-01", "min": "2021-01-01"})


def test_an_edit_of_either_spelling_wins_over_the_stale_other():
    date = discovered()["date"]()
    stored = {"minDate": "2020-01-01", "min": "2020-01-01"}
    theirs_edited = date.reconcile_aliases({"minDate": "2021-01-01", "min": "2020-01-01"}, stored)
    ours_edited = date.reconcile_aliases({"minDate": "2020-01-01", "min": "2022-01-01"}, stored)
    assert theirs_edited == {"minDate": "2021-01-01", "min": "2021-01-01"}
    assert ours_edited == {"minDate": "2022-01-01", "min": "2022-01-01"}
