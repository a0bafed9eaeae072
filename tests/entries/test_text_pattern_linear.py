"""The text type's ``pattern`` through real writes: a pathological pattern on a long value
is refused (and a matching one stored) by the engine on RE2; a pattern RE2 cannot read as
Python does (a back reference, ``(?i)``) keeps working as configured."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput


def test_a_pathological_text_pattern_on_a_long_value(engine, build):
    build(engine, "codes", [("code", "text", {"pattern": r"^(a+)+$"}, False, False),
                            ("pair", "text", {"pattern": r"(\w)\1"}, False, False),
                            ("word", "text", {"pattern": r"(?i)ada"}, False, False)])
    with pytest.raises(InvalidInput, match=r"must match the pattern \^\(a\+\)\+\$") as info:
        engine.create_entries("codes", [{"code": "aaa"}, {"code": "a" * 5000 + "!"}])
    assert info.value.field == "code"
    stored = engine.create_entry("codes", {"code": "a" * 5000, "pair": "xx", "word": "ADA"})
    assert stored["code"] == "a" * 5000 and stored["pair"] == "xx" and stored["word"] == "ADA"
    for field, value in (("pair", "xy"), ("word", "eve")):
        with pytest.raises(InvalidInput, match="must match the pattern") as info:
            engine.create_entry("codes", {field: value})
        assert info.value.field == field
    assert len(engine.query_entries("codes")["entries"]) == 1
