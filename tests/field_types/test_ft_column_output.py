"""A type's column-wise output (``deserialize_column``) gives what ``deserialize`` gives
for every value: batches use the column form, single reads the per-value one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import polysynergy_section_field as psf

UTC = dt.timezone.utc
CASES = [
    ("decimal", {"precision": 10, "scale": 2},
     [Decimal("0"), Decimal("-0"), Decimal("-0.00"), Decimal("1.5"), Decimal("-12.3"), Decimal("99999999.99"),
      Decimal("1E+3"), Decimal("0E-10"), Decimal("-0.001"), Decimal("0.005"), Decimal("0.015"), 7, None]),
    ("decimal", {"precision": 38, "scale": 0}, [Decimal("12345678901234567890123456789012345678"), None]),
    ("currency", {}, [Decimal("12.5"), Decimal("-0"), None]),
    ("integer", {}, [0, -5, 2**62, Decimal("12"), None]),
    ("datetime", {}, [dt.datetime(2025, 1, 1, 10, 30, tzinfo=UTC),
                      dt.datetime(2025, 1, 1, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
                      dt.datetime(2025, 6, 1, 8, 0, 0, 123456), None]),
    ("text", {}, ["a", "", None]),
]


@pytest.mark.parametrize("handle,settings,values", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_column_output_matches_per_value_output(handle, settings, values):
    ft = psf.default_registry().get(handle)
    settings = ft.validate_settings(settings)
    expected = [None if v is None else ft.deserialize(v, settings) for v in values]
    assert ft.deserialize_column(values, settings) == expected


def test_decimal_column_output_has_no_negative_zero():
    ft = psf.default_registry().get("decimal")
    settings = ft.validate_settings({"precision": 10, "scale": 2})
    assert ft.deserialize_column([Decimal("-0"), Decimal("-0.001")], settings) == ["0.00", "0.00"]
