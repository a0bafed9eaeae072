"""A batch column of one input type is de-duplicated with a plain dict: every item
still gets exactly the verdict its own ``to_param`` gives, and a mutable parameter is
never shared between items."""

from __future__ import annotations

import pytest

import polysynergy_section_field as psf
from polysynergy_nodes_content.content_engine.entries.columns import _params
from polysynergy_nodes_content.content_engine.entries.model import FieldModel, _Refused


def field(handle: str, settings: dict) -> FieldModel:
    ft = psf.default_registry().get(handle)
    return FieldModel(id="00000000-0000-4000-8000-000000000001", handle="f", ft=ft,
                      settings=ft.validate_settings(settings), required=False, unique=False,
                      has_default=False, stores_column=True)


def per_value(model: FieldModel, values: list) -> list:
    out = []
    for value in values:
        try:
            out.append(model.to_param(value))
        except ValueError as exc:
            out.append(_Refused(str(exc)))
    return out


def verdict(param):
    return ("refused", param.message) if isinstance(param, _Refused) else (type(param), repr(param))


nan = float("nan")
CASES = [
    ("select", {"options": ["draft", "review"]}, ["draft", "review", "nope", "draft", " draft", "nope"] * 50),
    ("boolean", {}, [True, False, True] * 100),
    ("boolean", {}, ["true", "false", "yes", " TRUE ", "true"] * 60),
    ("integer", {"min": 0, "max": 10}, [1, 5, 11, -1, 0, 1] * 60),
    ("decimal", {"precision": 4, "scale": 1}, [0.0, 1.5, nan, 999.9, 1000.0, 1.5] * 40),
    ("number", {}, [nan, nan, 1.0, 0.0] * 60),
    ("decimal", {"precision": 6, "scale": 2}, ["1.5", "1.50", "-0", "0", "1e2", "abc", "1.5"] * 40),
    ("text", {"maxLength": 3}, ["ab", "abcd", "ab", "a\x00", ""] * 60),
    ("json", {}, ['{"a": 1}', "[1, 2]", "not json", '{"a": 1}'] * 60),
]


@pytest.mark.parametrize("handle,settings,values", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_one_kind_column_matches_per_value(handle, settings, values):
    model = field(handle, settings)
    assert len({type(v) for v in values}) == 1
    got, expected = _params(model, values), per_value(model, values)
    assert [verdict(g) for g in got] == [verdict(e) for e in expected]
    mutable = [id(g) for g in got if not isinstance(g, (_Refused, str, int, float, bool)) and
               type(g).__name__ not in ("Decimal", "UUID", "datetime", "date", "time")]
    assert len(mutable) == len(set(mutable))  # never one object for two items


def test_many_distinct_values_are_all_checked():
    model = field("integer", {"min": 0, "max": 5000})
    values = list(range(10_000)) + [3, 3, -1]
    got, expected = _params(model, values), per_value(model, values)
    assert [verdict(g) for g in got] == [verdict(e) for e in expected]
    assert sum(isinstance(g, _Refused) for g in got) == 5000


def test_validate_columns_matches_validate_values_per_item():
    """Whole columns stored as they are (all plain or ASCII) and columns that need the
    per-value Unicode and refusal checks give what ``validate_values`` gives per item."""
    import types

    from polysynergy_nodes_content.content_engine.entries.columns import validate_columns
    from polysynergy_nodes_content.content_engine.entries.rows import validate_values
    from polysynergy_nodes_content.content_engine.errors import InvalidInput

    fields = {"title": field("text", {"maxLength": 10}), "views": field("integer", {"min": 0}),
              "status": field("select", {"options": ["a", "b"]}), "flag": field("boolean", {})}
    for name, f in fields.items():
        f.handle = name
    model = types.SimpleNamespace(fields=fields)
    texts = ["plain", "ünicode", "lone \ud800", "a" * 11, "ok", "日本"]
    datas = [{"title": texts[i % len(texts)], "views": i if i % 7 else -i, "status": "ab"[i % 2] if i % 5 else "c",
              "flag": i % 2 == 0} for i in range(300)]
    datas += [{"title": "x", "views": 1, "status": "a", "flag": True} for _ in range(300)]  # clean columns
    rows, problems = validate_columns(model, datas)
    for index, data in enumerate(datas):
        try:
            expected = validate_values(model, data, False)
        except InvalidInput as exc:
            assert [{"field": h, "message": m} for h, m in problems[index]] == exc.errors
        else:
            assert index not in problems and rows[index] == expected
    assert problems and len(problems) < len(datas)
    assert any(m == "contains characters that are not valid Unicode (a lone surrogate)"
               for p in problems.values() for _, m in p)


def test_negative_zero_keeps_its_sign_in_a_batch(engine, build, raw):
    # -0.0 == 0.0 in Python: a batch that remembers verdicts by value stored 0 for -0.0.
    build(engine, "readings", [("x", "number", {}, False, False)])
    items = [{"x": 0.0}, {"x": -0.0}, {"x": -0.0}, {"x": 0.0}]
    created = engine.create_entries("readings", items)
    assert [str(entry["x"]) for entry in created] == ["0.0", "-0.0", "-0.0", "0.0"]
    stored = dict(raw.execute("SELECT id::text, x::text FROM custom.readings").fetchall())
    assert [stored[entry["id"]] for entry in created] == ["0", "-0", "-0", "0"]
    single = engine.create_entry("readings", {"x": -0.0})
    assert raw.execute("SELECT x::text FROM custom.readings WHERE id = %s", (single["id"],)).fetchone() == ("-0",)
    assert str(_params(field("number", {}), [0.0, -0.0, 1.5, 1.5])[1]) == "-0.0"
