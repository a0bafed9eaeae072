"""Every built-in type against a real PostgreSQL table: columns and CHECK rules from
the types themselves, values through serialize -> INSERT -> SELECT -> deserialize."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldTypeRegistry

REGISTRY = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
TARGET_ID = uuid.UUID("3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f")

# column -> (handle, settings)
COLUMNS = {
    "c_text": ("text", {"maxLength": 20, "minLength": 2}),
    "c_text_free": ("text", {}),
    "c_textarea": ("textarea", {"rows": 4}),
    "c_number": ("number", {"min": -10, "max": 1000.5}),
    "c_integer": ("integer", {"min": 0}),
    "c_decimal": ("decimal", {"precision": 8, "scale": 3}),
    "c_boolean": ("boolean", {}),
    "c_date": ("date", {"min": "2000-01-01"}),
    "c_datetime": ("datetime", {}),
    "c_time": ("time", {}),
    "c_select": ("select", {"options": ["draft", {"value": "published", "label": "Published"}]}),
    "c_multi": ("multi_select", {"options": ["red", "green", "blue"], "maxItems": 2}),
    "c_relation": ("relation", {"targetSection": "custom_target"}),
    "c_json": ("json", {}),
    "c_email": ("email", {"maxLength": 100}),
    "c_url": ("url", {}),
    "c_slug": ("slug", {}),
    "c_phone": ("phone", {"defaultCountryCode": "31"}),
    "c_color": ("color", {}),
    "c_currency": ("currency", {"currency": "USD"}),
    "c_percentage": ("percentage", {}),
}

# column -> [(input, expected output)]
VALUES = {
    "c_text": [("hello", "hello"), ("ünïcødé ✓", "ünïcødé ✓")],
    "c_text_free": [("x" * 5000, "x" * 5000), ("it's 100% _done_", "it's 100% _done_")],
    "c_textarea": [("line 1\nline 2", "line 1\nline 2")],
    "c_number": [(1.5, 1.5), (42, 42.0), ("1e2", 100.0), (-10, -10.0)],
    "c_integer": [(0, 0), ("42", 42), (2**63 - 1, 2**63 - 1), (7.0, 7)],
    "c_decimal": [("12.5", "12.500"), (0.1, "0.100"), (Decimal("-99999.999"), "-99999.999"), (3, "3.000")],
    "c_boolean": [(True, True), (False, False), ("TRUE", True)],
    "c_date": [("2025-10-31", "2025-10-31"), (dt.date(2000, 1, 1), "2000-01-01")],
    "c_datetime": [
        ("2025-10-31T10:30:00Z", "2025-10-31T10:30:00+00:00"),
        ("2025-10-31T12:30:00+02:00", "2025-10-31T10:30:00+00:00"),
        ("2025-10-31 10:30:00.123456", "2025-10-31T10:30:00.123456+00:00"),
    ],
    "c_time": [("10:30", "10:30:00"), ("23:59:59.5", "23:59:59.500000")],
    "c_select": [("draft", "draft"), ("published", "published")],
    "c_multi": [(["red", "blue"], ["red", "blue"]), ([], [])],
    "c_relation": [(str(TARGET_ID), str(TARGET_ID)), (TARGET_ID, str(TARGET_ID))],
    "c_json": [({"a": [1, 2, {"b": None}]}, {"a": [1, 2, {"b": None}]}), ([1, "two"], [1, "two"]),
               ("plain", "plain"), (3.25, 3.25)],
    "c_email": [("Someone@Example.COM", "Someone@example.com")],
    "c_url": [("https://example.com/a?b=1#c", "https://example.com/a?b=1#c")],
    "c_slug": [("my-first-post", "my-first-post")],
    "c_phone": [("020 123 4567", "+31201234567"), ("+1 (555) 010-0000", "+15550100000")],
    "c_color": [("#F0A", "#ff00aa"), ("#12AB9f", "#12ab9f")],
    "c_currency": [("19.99", "19.99"), (1000000, "1000000.00"), ("-0.5", "-0.50")],
    "c_percentage": [(42, 42.0), ("42.5", 42.5), (33.333333, 33.3333), (0, 0.0), (100, 100.0)],
}


@pytest.fixture
def table(conn):
    conn.execute("CREATE TABLE custom_target (id uuid PRIMARY KEY)")
    conn.execute("INSERT INTO custom_target VALUES (%s)", [TARGET_ID])
    columns = [sql.SQL("id serial PRIMARY KEY")]
    for name, (handle, settings) in COLUMNS.items():
        field_type = REGISTRY.get(handle)
        settings = field_type.validate_settings(settings)
        assert field_type.stores_column(settings)
        columns.append(field_type.get_migration_sql(name, settings))
    conn.execute(sql.SQL("CREATE TABLE t ({})").format(sql.SQL(", ").join(columns)))
    conn.execute("ALTER TABLE t ADD FOREIGN KEY (c_relation) REFERENCES custom_target (id)")
    for name, (handle, settings) in COLUMNS.items():
        for rule in REGISTRY.get(handle).check_rules(name, settings):
            conn.execute(
                sql.SQL("ALTER TABLE t ADD CONSTRAINT {} CHECK ({})").format(
                    sql.Identifier(f"{name}_{rule.kind}"), rule.expression
                )
            )
    return "t"


def _insert(conn, column, parameter):
    row = conn.execute(
        sql.SQL("INSERT INTO t ({}) VALUES (%s) RETURNING {}").format(sql.Identifier(column), sql.Identifier(column)),
        [parameter],
    ).fetchone()
    return row[0]


def test_column_types_match_format_type(conn, table):
    rows = dict(
        conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped"
        ).fetchall()
    )
    for name, (handle, settings) in COLUMNS.items():
        assert rows[name] == REGISTRY.get(handle).column_type(settings), name


@pytest.mark.parametrize(
    "column,value,expected",
    [(column, value, expected) for column, pairs in VALUES.items() for value, expected in pairs],
    ids=lambda v: repr(v)[:30] if not isinstance(v, str) or not v.startswith("c_") else v,
)
def test_round_trip(conn, table, column, value, expected):
    handle, settings = COLUMNS[column]
    field_type = REGISTRY.get(handle)
    assert field_type.validate(value, settings) == (True, None)
    stored = _insert(conn, column, field_type.serialize(value, settings))
    output = field_type.deserialize(stored, settings)
    assert output == expected
    assert type(output) is type(expected)


def test_nulls_pass_every_check(conn, table):
    conn.execute("INSERT INTO t DEFAULT VALUES")
    row = conn.execute("SELECT * FROM t").fetchone()
    assert all(value is None for value in row[1:])


@pytest.mark.parametrize(
    "column,raw",
    [
        ("c_text", "x"),  # minLength 2
        ("c_number", 1e6),
        ("c_number", float("nan")),
        ("c_integer", -1),
        ("c_date", dt.date(1999, 12, 31)),
        ("c_select", "archived"),
        ("c_multi", ["red", "purple"]),
        ("c_multi", ["red", "green", "blue"]),  # maxItems 2
        ("c_email", "not-an-email"),
        ("c_url", "ftp://example.com"),
        ("c_slug", "Not A Slug"),
        ("c_phone", "call me"),
        ("c_color", "red"),
        ("c_percentage", Decimal("100.5")),
    ],
)
def test_check_constraints_reject_direct_sql(conn, table, column, raw):
    with pytest.raises(psycopg.errors.CheckViolation):
        _insert(conn, column, raw)


def test_datetime_infinity_rejected(conn, table):
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO t (c_datetime) VALUES ('infinity')")


def test_varchar_limit_is_enforced(conn, table):
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        _insert(conn, "c_text", "x" * 21)


def test_default_sql_for_every_type(conn, table):
    defaults = {
        "c_text": "abc", "c_number": 2.5, "c_integer": 5, "c_decimal": "1.25", "c_boolean": True,
        "c_date": "2025-01-02", "c_datetime": "2025-01-02T03:04:05Z", "c_time": "08:00",
        "c_select": "draft", "c_multi": ["green"], "c_relation": str(TARGET_ID),
        "c_json": {"k": [1]}, "c_email": "a@b.co", "c_url": "http://x.org", "c_slug": "a-b",
        "c_phone": "+31201234567", "c_color": "#abc", "c_currency": "9.95", "c_percentage": "12.5",
    }
    for column, value in defaults.items():
        handle, settings = COLUMNS[column]
        conn.execute(
            sql.SQL("ALTER TABLE t ALTER COLUMN {} SET DEFAULT {}").format(
                sql.Identifier(column), REGISTRY.get(handle).default_sql(value, settings)
            )
        )
    conn.execute("INSERT INTO t DEFAULT VALUES")
    row = conn.execute(
        sql.SQL("SELECT {} FROM t").format(sql.SQL(", ").join(sql.Identifier(c) for c in defaults))
    ).fetchone()
    outputs = {c: REGISTRY.get(COLUMNS[c][0]).deserialize(v, COLUMNS[c][1]) for c, v in zip(defaults, row)}
    assert outputs == {
        "c_text": "abc", "c_number": 2.5, "c_integer": 5, "c_decimal": "1.250", "c_boolean": True,
        "c_date": "2025-01-02", "c_datetime": "2025-01-02T03:04:05+00:00", "c_time": "08:00:00",
        "c_select": "draft", "c_multi": ["green"], "c_relation": str(TARGET_ID),
        "c_json": {"k": [1]}, "c_email": "a@b.co", "c_url": "http://x.org", "c_slug": "a-b",
        "c_phone": "+31201234567", "c_color": "#aabbcc", "c_currency": "9.95", "c_percentage": 12.5,
    }


def test_index_sql_creates_indexes(conn, table):
    created = 0
    for name, (handle, settings) in COLUMNS.items():
        statement = REGISTRY.get(handle).get_index_sql("t", name, settings, schema="public")
        if statement is not None:
            conn.execute(statement)
            created += 1
    methods = dict(
        conn.execute(
            "SELECT c.relname, am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am am ON am.oid = c.relam WHERE i.indrelid = 't'::regclass AND NOT i.indisprimary"
        ).fetchall()
    )
    assert created == 3
    assert methods == {"idx_t_c_multi": "gin", "idx_t_c_relation": "btree", "idx_t_c_json": "gin"}
