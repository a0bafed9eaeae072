"""PolySynergy's real API code over our ``polysynergy_section_field``.

Runs when ``POLYSYNERGY_API_DIR`` points at a checkout of polysynergy-api-local (read
only; nothing of it is copied here) and its imports can be satisfied (fastapi,
sqlalchemy, pydantic-settings, boto3, ... in the Python running the tests); otherwise
the tests skip. Its modules are loaded from their files: the field-type loader, the
field-type endpoints, the section screens' table/form config endpoints (private and
public) with its own ORM models as input, and its migration generator, whose SQL is
then run on the real PostgreSQL server.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import uuid
from pathlib import Path

import pytest

from test_ft_polysynergy_contract import POLYSYNERGY_HANDLES

API_DIR = os.environ.get("POLYSYNERGY_API_DIR")
pytestmark = pytest.mark.skipif(not API_DIR, reason="POLYSYNERGY_API_DIR is not set")

#: Values for the settings PolySynergy's API requires at import time (it connects lazily).
PLACEHOLDERS = {"missing": "placeholder", "int_parsing": "5432", "bool_parsing": "false"}


def _settle_api_settings() -> None:
    """Import its ``core.settings`` with placeholders for the variables it requires."""
    from pydantic import ValidationError

    for _ in range(5):
        try:
            importlib.import_module("core.settings")
            return
        except ValidationError as exc:
            for error in exc.errors():
                os.environ.setdefault(str(error["loc"][0]), PLACEHOLDERS.get(error["type"], "placeholder@example.com"))
            sys.modules.pop("core.settings", None)


def _load(relative: str):
    path = Path(API_DIR) / relative
    name = "polysynergy_api_" + relative.removesuffix(".py").replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def api():
    """PolySynergy's modules, loaded from its checkout; skip when its imports fail."""
    sys.path.insert(0, API_DIR)
    try:
        _settle_api_settings()
        loaded = {rel: _load(rel) for rel in (
            "services/field_type_loader_service.py", "api/v1/section_field/field_types.py",
            "api/v1/section_field/content.py", "api/v1/public/content.py",
            "services/migration_generator_service.py")}
        models = importlib.import_module("models")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"PolySynergy's API cannot be imported here: {exc}")
    finally:
        sys.path.remove(API_DIR)
    loader = importlib.import_module("services.field_type_loader_service")
    # A fresh loader over the package installed now (ours).
    loader.FieldTypeLoader._field_types = {}
    loader.FieldTypeLoader._loaded = False
    loader._field_type_loader = None
    return loaded, models, loader


def _handles():
    return [h for h in POLYSYNERGY_HANDLES if h != "relation_one_to_many"
            or importlib.import_module("polysynergy_section_field.field_types").__dict__.get("RelationOneToManyField")]


def test_the_real_loader_finds_our_types(api):
    _, _, loader = api
    found = loader.get_field_type_loader().get_all_field_types()
    assert set(_handles()) <= set(found)
    assert all(cls.__module__.startswith("polysynergy_section_field.") for cls in found.values())
    assert Path(sys.modules[found["text"].__module__].__file__).is_relative_to(Path(__file__).parents[2])


def test_the_field_type_endpoints_answer_for_every_handle(api):
    loaded, _, _ = api
    endpoints = loaded["api/v1/section_field/field_types.py"]
    listed = {item["handle"]: item for item in endpoints.list_field_types()}
    for handle in _handles():
        item = endpoints.get_field_type(handle)
        endpoints.FieldTypeRead.model_validate(item)  # the endpoint's response model
        assert item == listed[handle]
        assert item["icon"] == f"{handle}.svg" and item["category"]


def _section(models, handles, related):
    """A section with one field per handle, as PolySynergy's ORM models hold it."""
    section = models.Section(id=uuid.uuid4(), handle="things", label="Things", table_name="things",
                             layout_config={}, migration_status="pending", description=None, icon=None)
    for order, handle in enumerate(handles):
        settings, *_ = POLYSYNERGY_HANDLES[handle]
        is_relation = handle.startswith("relation_")
        field = models.Field(id=uuid.uuid4(), handle=f"f_{handle}", label=handle.title(), field_type_handle=handle,
                             field_settings={**settings, "relatedSection": str(related.id)} if is_relation else settings,
                             is_required=False, is_unique=False, help_text="Help", placeholder=None,
                             default_value=None, related_section_id=related.id if is_relation else None)
        if is_relation:
            field.related_section = related
        section.field_assignments.append(models.SectionFieldAssignment(
            id=uuid.uuid4(), field=field, sort_order=order, tab_name="Content", is_visible=True,
            is_required_override=False))
    return section


class _SectionRepository:
    """Hands PolySynergy's endpoint the section, as its repository's get_or_404 does."""

    def __init__(self, section):
        self.section = section

    def get_or_404(self, section_id, project):
        return self.section


@pytest.mark.parametrize("module", ["api/v1/section_field/content.py", "api/v1/public/content.py"])
def test_the_section_screens_get_a_cell_and_an_input_for_every_field(api, module):
    loaded, models, _ = api
    related = models.Section(id=uuid.uuid4(), handle="others", label="Others", table_name="others")
    section = _section(models, _handles(), related)
    endpoints, repo = loaded[module], _SectionRepository(section)
    # Its endpoints skip a field whose type raises, so every field must come back.
    table = endpoints.get_table_config(section.id, project=None, section_repo=repo)
    cells = {c["field_handle"]: c["cell_config"] for c in table["columns"]}
    form = endpoints.get_form_config(section.id, project=None, section_repo=repo)
    inputs = {f["field_handle"]: f["form_input_config"] for f in form["fields"]}
    for handle in _handles():
        _, _, cell, form_input = POLYSYNERGY_HANDLES[handle]
        assert cells[f"f_{handle}"]["component"] == cell, handle
        assert inputs[f"f_{handle}"]["component"] == form_input, handle
    json.dumps([table, form], default=str)
    assert cells["f_relation_many_to_one"]["props"]["relatedSection"] == str(related.id)


def test_the_migration_generator_builds_a_table_postgresql_accepts(api, conn):
    loaded, models, _ = api
    related = models.Section(id=uuid.uuid4(), handle="others", label="Others", table_name="others")
    handles = _handles()
    section = _section(models, handles, related)
    generator = loaded["services/migration_generator_service.py"].MigrationGeneratorService()
    conn.execute('CREATE SCHEMA ps; CREATE TABLE ps.others (id uuid PRIMARY KEY)')
    conn.execute(generator.generate_create_table_sql(section, section.field_assignments, "ps"))
    columns = {row[0]: row[1] for row in conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'ps' "
        "AND table_name = 'things'")}
    assert "f_relation_many_to_many" not in columns and "f_relation_one_to_many" not in columns
    assert columns["f_relation_many_to_one"] == "uuid" and columns["f_image"] == "character varying"
    # Its content repository writes multi_select (and json) values as JSON text.
    assert columns["f_multi_select"] == "jsonb"
    conn.execute("INSERT INTO ps.things (id, f_multi_select, f_json) VALUES (gen_random_uuid(), %s, %s)",
                 [json.dumps(["a", "b"]), json.dumps({"a": 1})])
    assert len(columns) == 3 + len([h for h in handles if h not in ("relation_many_to_many", "relation_one_to_many")])
