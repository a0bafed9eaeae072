"""A type's fast ``parse_column`` accepts and refuses exactly what the per-value
``parse_value`` + ``check_value`` do, with the same reasons (batches use the column form)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import polysynergy_section_field as psf
from polysynergy_section_field.section_field_runner import FieldType


class Refused:
    def __init__(self, message):
        self.message = message

    def __eq__(self, other):
        return isinstance(other, Refused) and other.message == self.message

    def __repr__(self):
        return f"Refused({self.message!r})"


NUMBERS = ["0", "-0", "1.", "1.5", "12.345", "-12.34", "99999999.99", "100000000", "123456789.5", "0000000001.5",
           "+1", " 5 ", "1e3", "abc", "", "-", ".5", "1.2.3", "NaN", 0, -1, 7, 2**63, -(2**63), 2**63 - 1, True,
           1.5, 2.0, float("nan"), Decimal("3.25"), Decimal("1E+2"), "12", None, [], "١٢"]
CASES = [
    ("decimal", {"precision": 10, "scale": 2}),
    ("decimal", {"precision": 10, "scale": 2, "min": 0, "max": "500.5"}),
    ("decimal", {"precision": 4, "scale": 4}),
    ("decimal", {"precision": 6, "scale": 0, "min": -10}),
    ("currency", {}),
    ("integer", {}),
    ("integer", {"min": 0, "max": 100}),
    ("integer", {"min": -5, "max": 2**40}),
    ("percentage", {}),
    ("number", {"min": 0}),
]


@pytest.mark.parametrize("handle,settings", CASES, ids=[f"{h}-{i}" for i, (h, _) in enumerate(CASES)])
def test_parse_column_matches_per_value_checks(handle, settings):
    ft = psf.default_registry().get(handle)
    settings = ft.validate_settings(settings)
    values = [v for v in NUMBERS if v is not None]
    expected = FieldType.parse_column(ft, values, settings, Refused)
    got = ft.parse_column(values, settings, Refused)
    assert got == expected
    assert [type(g) for g in got] == [type(e) for e in expected]
    assert [str(g) for g in got] == [str(e) for e in expected]  # same Decimal exponent too
    assert any(isinstance(e, Refused) for e in expected) and any(not isinstance(e, Refused) for e in expected)
