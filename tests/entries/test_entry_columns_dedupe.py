"""A batch column of one input type is de-duplicated with a plain dict: every item
still gets exactly the verdict its own ``to_param`` gives, and a mutable parameter is
never shared between items."""

from __future__ import annotations

import pytest

import polysynergy_section_field as psf
from polysynergy_nodes_content.content_engine.entry_columns import _params
from polysynergy_nodes_content.content_engine.section_model import FieldModel, _Refused


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
