"""The datetime and text types' fast ``parse_column`` give exactly the per-value verdicts:
the same values (and offsets) for good input, the same reasons for bad input."""

from __future__ import annotations

import datetime as dt

import pytest

import polysynergy_section_field as psf
from polysynergy_section_field.field_types.date.datetime import DateTimeField
from polysynergy_section_field.section_field_runner import FieldType
from test_ft_parse_column import Refused


class Text(str):
    """A str subclass: must take the per-value path and get its verdict."""


VALUES = [
    "2025-10-31T10:30:00Z", "2025-10-31T10:30:00+02:00", "2025-10-31 10:30", " 2025-10-31T10:30:00 ",
    "2025-10-31T10:30:00.123456-05:30", "2025-10-31T10:30:00+14:00", "2025-02-30T10:00:00", "2025-10-31",
    "2025-10-31T25:00:00", "2025-10-31Tnonsense", "20251031T103000", "", "   ", "yesterday",
    "2025-10-31T10:30:00\n", "\t2025-10-31 10:30:00+00:00", "2025-10-31T10:30:00+24:00", "١٢٣٤-10-31T10:30",
    "0001-01-01T00:00:00", "9999-12-31T23:59:59.999999+00:00", "2025-10-31T10:30:00 Z",
    dt.datetime(2025, 1, 1, 12, 0), dt.datetime(2025, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=3))),
    dt.date(2025, 1, 1), 1700000000, 1.5, True, [], {}, b"2025-10-31T10:30:00", Text("2025-10-31T10:30:00Z"),
]
SETTINGS = [{}, {"min": "2025-01-01T00:00:00Z"}, {"max": "2025-06-01T00:00:00+02:00"},
            {"min": "2000-01-01T00:00:00Z", "max": "2030-01-01T00:00:00Z"}]


def _same(got, expected):
    assert got == expected
    assert [type(g) for g in got] == [type(e) for e in expected]
    assert [g.utcoffset() if isinstance(g, dt.datetime) else g for g in got] == \
           [e.utcoffset() if isinstance(e, dt.datetime) else e for e in expected]


@pytest.mark.parametrize("settings", SETTINGS, ids=range(len(SETTINGS)))
def test_datetime_parse_column_matches_per_value(settings):
    ft = psf.default_registry().get("datetime")
    settings = ft.validate_settings(settings)
    expected = FieldType.parse_column(ft, VALUES, settings, Refused)
    _same(ft.parse_column(VALUES, settings, Refused), expected)
    assert any(isinstance(e, Refused) for e in expected) and any(not isinstance(e, Refused) for e in expected)


def test_datetime_parse_column_respects_a_subclass_bound():
    """A subclass with its own ``bound`` (so its own limits) keeps the per-value check."""

    class NotBefore2025(DateTimeField):
        handle = "not_before_2025"

        def bound(self, settings, name):
            return dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc) if name == "min" else None

    ft = NotBefore2025()
    values = ["2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z"]
    got = ft.parse_column(values, {}, Refused)
    assert got == FieldType.parse_column(ft, values, {}, Refused)
    assert isinstance(got[0], Refused) and "must not be earlier than" in got[0].message


TEXTS = ["", "a", "abc", "abcd", "abcdefgh", "a\x00b", "\x00", " ab ", "ünï", "日本語テキスト", "x" * 201, 5, None, 1.5,
         True, b"ab", ["ab"], Text("ab"), Text("abcdefghij")]
TEXT_SETTINGS = [{}, {"maxLength": 3}, {"minLength": 2}, {"minLength": 2, "maxLength": 4}, {"maxLength": 200},
                 {"pattern": "[a-c]+"}, {"pattern": "[a-z]*", "maxLength": 3}]


@pytest.mark.parametrize("settings", TEXT_SETTINGS, ids=range(len(TEXT_SETTINGS)))
def test_text_parse_column_matches_per_value(settings):
    ft = psf.default_registry().get("text")
    settings = ft.validate_settings(settings)
    values = [v for v in TEXTS if v is not None]
    expected = FieldType.parse_column(ft, values, settings, Refused)
    got = ft.parse_column(values, settings, Refused)
    assert got == expected and [type(g) for g in got] == [type(e) for e in expected]
    assert any(isinstance(e, Refused) for e in expected) and any(not isinstance(e, Refused) for e in expected)
