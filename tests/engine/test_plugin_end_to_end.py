"""A third-party field type works through the whole engine: registry table, migration, entries."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from engine_helpers import sql
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_section_field import FieldTypeRegistry, registered_field_types

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rating_field.py"


def load_rating_field():
    spec = importlib.util.spec_from_file_location("rating_field_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RatingField


def test_plugin_field_type_end_to_end(database_url):
    registry = FieldTypeRegistry(registered_field_types)
    registry.register(load_rating_field())
    engine = ContentEngine(database_url, registry=registry)
    engine.install()
    assert sql(engine, "SELECT postgres_type FROM field_type_registry WHERE handle = 'rating'") == [("smallint",)]
    section = engine.create_section("reviews", "Reviews")
    engine.add_field(section["id"], "stars", "Stars", "rating", {"stars": 5}, is_required=True)
    migration = engine.plan_migration(section["id"])
    assert "smallint" in migration["sql"] and "BETWEEN 1 AND 5" in migration["sql"]
    engine.apply_migration(migration["id"])
    assert engine.create_entry("reviews", {"stars": 4})["stars"] == 4
    with pytest.raises(InvalidInput, match=r"field 'stars': must be between 1 and 5 stars \(got 9\)"):
        engine.create_entry("reviews", {"stars": 9})
    with pytest.raises(Exception, match="check constraint"):
        sql(engine, "INSERT INTO custom.reviews (stars) VALUES (7)")
    assert engine.query_entries("reviews", {"stars": {"_in": [4, 5]}})["total_count"] == 1
    with pytest.raises(InvalidInput, match="not supported on Rating fields"):
        engine.query_entries("reviews", {"stars": {"_gte": 4}})
