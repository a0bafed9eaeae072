"""Generated names are parsed back by the module that makes them (no database needed)."""

from __future__ import annotations

import uuid

from polysynergy_nodes_content.content_engine.postgres import generated_names as names

FIELD = uuid.UUID("3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f")
SECTION = uuid.UUID("11111111-2222-3333-4444-555555555555")


def test_every_field_name_parses_back_to_its_field():
    short = names.short_id(FIELD)
    for made, prefix, kind in (
        (names.unique_name(FIELD), "uq", None),
        (names.foreign_key_name(FIELD), "fk", None),
        (names.index_name(FIELD), "ix", None),
        (names.not_null_check_name(FIELD), "nn", None),
        (names.check_name(FIELD, "length", "char_length(x) <= 5"), "ck", "length"),
        (names.junction_object_name(FIELD, "target_idx"), "jx", "target_idx"),
    ):
        parsed = names.parse_name(made)
        assert parsed == names.ParsedName(prefix, short, kind), made


def test_check_names_know_their_field_and_kind():
    made = names.check_name(FIELD, "range", "x BETWEEN 1 AND 5")
    assert names.is_check_of(made, FIELD) and not names.is_check_of(made, SECTION)
    assert names.check_kind(made) == "range"
    assert names.check_kind("something_else") == "rule"


def test_other_names_are_not_taken_for_generated_ones():
    assert names.parse_name("articles_pkey") is None
    assert names.parse_name("pk") is None
    assert names.parse_name(None) is None


def test_comment_marks_round_trip():
    assert names.field_id_of_comment(names.field_mark(FIELD)) == str(FIELD)
    assert names.field_id_of_comment("a column someone commented") is None
    assert names.field_id_of_comment(None) is None
    assert names.junction_of_comment(names.junction_mark(SECTION, FIELD)) == (str(SECTION), str(FIELD))
    assert names.junction_of_comment(names.section_mark(SECTION)) is None


def test_primary_keys_and_junction_pairs_are_recognised():
    assert names.is_primary_key_name(names.primary_key_name(SECTION))
    assert not names.is_primary_key_name(names.unique_name(FIELD)) and not names.is_primary_key_name(None)
    pair = names.parse_name(names.junction_object_name(FIELD, names.JUNCTION_PAIR))
    assert (pair.prefix, pair.kind) == ("jx", names.JUNCTION_PAIR)
