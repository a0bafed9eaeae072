"""The plugin example of docs/field-type-plugins.md works as documented."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldTypeRegistry

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rating_field.py"


@pytest.fixture(scope="module")
def rating_class():
    spec = importlib.util.spec_from_file_location("rating_field_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RatingField


def test_doc_embeds_the_example():
    doc = (EXAMPLE.parents[1] / "field-type-plugins.md").read_text()
    body = EXAMPLE.read_text().split('"""', 2)[2].strip()
    assert body in doc, "docs/field-type-plugins.md must show docs/examples/rating_field.py verbatim"


def test_registers_and_validates(rating_class):
    registry = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
    rating = registry.register(rating_class)
    assert registry.get("rating") is rating and rating.category == "custom"
    settings = rating.validate_settings({"stars": 3})
    assert rating.validate(2, settings) == (True, None)
    assert rating.validate(4, settings) == (False, "must be between 1 and 3 stars (got 4)")
    assert rating.validate(True, settings)[0] is False
    with pytest.raises(ValueError, match="stars"):
        rating.validate_settings({"stars": 11})


def test_round_trip_through_a_real_table(conn, rating_class):
    registry = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
    rating = registry.register(rating_class)
    settings = {"stars": 5}
    conn.execute(sql.SQL("CREATE TABLE reviews ({})").format(rating.get_migration_sql("score", settings, True)))
    for rule in rating.check_rules("score", settings):
        conn.execute(sql.SQL("ALTER TABLE reviews ADD CONSTRAINT score_range CHECK ({})").format(rule.expression))
    conn.execute("INSERT INTO reviews VALUES (%s)", [rating.serialize(4, settings)])
    value = conn.execute("SELECT score FROM reviews").fetchone()[0]
    assert rating.deserialize(value, settings) == 4
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO reviews VALUES (6)")
    condition, params = rating.compile_filter("_in", sql.Identifier("score"), [3, 4], settings)
    assert conn.execute(sql.SQL("SELECT count(*) FROM reviews WHERE {}").format(condition), params).fetchone()[0] == 1
