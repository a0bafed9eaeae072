"""A plugin that subclasses a built-in type with a fast column loop keeps its own rules in batches.

Decimal and integer have column-wise fast paths (``parse_column``, ``deserialize_column``).
A subclass that only overrides the per-value methods must not be bypassed by the parent's
loop: a batch has to refuse, and convert, exactly like a single write.
"""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_section_field import FieldTypeRegistry, field_type, registered_field_types
from polysynergy_section_field.field_types.number.decimal import DecimalField
from polysynergy_section_field.field_types.number.integer import IntegerField


@field_type(category="custom")
class EvenIntegerField(IntegerField):
    handle = "even_integer"
    label = "Even integer"

    def check_value(self, value, settings):
        return super().check_value(value, settings) or (None if value % 2 == 0 else f"must be even (got {value})")


@field_type(category="custom")
class TaggedDecimalField(DecimalField):
    handle = "tagged_decimal"
    label = "Tagged decimal"

    def deserialize(self, value, settings=None):
        plain = super().deserialize(value, settings)
        return None if plain is None else f"EUR {plain}"


@pytest.fixture
def engine(database_url):
    registry = FieldTypeRegistry(registered_field_types)
    registry.register(EvenIntegerField)
    registry.register(TaggedDecimalField)
    engine = ContentEngine(database_url, registry=registry)
    engine.install()
    section = engine.create_section("ledger", "Ledger")
    engine.add_field(section["id"], "count", "Count", "even_integer", {})
    engine.add_field(section["id"], "amount", "Amount", "tagged_decimal", {"precision": 8, "scale": 2})
    engine.apply_migration(engine.plan_migration(section["id"])["id"])
    return engine


def test_a_subclass_check_is_enforced_in_a_batch_as_in_a_single_write(engine):
    with pytest.raises(InvalidInput, match=r"field 'count': must be even \(got 3\)"):
        engine.create_entry("ledger", {"count": 3})
    items = [{"count": 2 * n} for n in range(50)] + [{"count": 7}]
    with pytest.raises(InvalidInput, match=r"must be even \(got 7\)") as refused:
        engine.create_entries("ledger", items)
    assert refused.value.index == 50
    assert engine.query_entries("ledger")["total_count"] == 0


def test_a_subclass_output_is_used_in_a_batch_as_in_a_single_write(engine):
    single = engine.create_entry("ledger", {"amount": "12.5"})
    batch = engine.create_entries("ledger", [{"amount": "1.25"}, {"amount": 3}])
    assert single["amount"] == "EUR 12.50"
    assert [entry["amount"] for entry in batch] == ["EUR 1.25", "EUR 3.00"]
    read_back = engine.query_entries("ledger", order_by="amount")["entries"]
    assert [entry["amount"] for entry in read_back] == ["EUR 1.25", "EUR 3.00", "EUR 12.50"]


def test_a_subclass_with_its_own_output_does_not_inherit_the_copy_of_output_text(engine):
    """DecimalField sends its output text to COPY; "EUR 1.25" must never be sent."""
    with engine.pool.connection() as conn:
        model = engine.entries.models.get(conn, "ledger")
    assert model.fields["amount"].output_is_stored_text is False
