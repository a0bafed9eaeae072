"""compile_filter output executed against real rows."""

from __future__ import annotations

import uuid

import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldTypeRegistry
from polysynergy_section_field.section_field_runner.errors import UnsupportedFilterError

REGISTRY = FieldTypeRegistry(BUILTIN_FIELD_TYPES)
U1, U2 = uuid.UUID(int=1), uuid.UUID(int=2)
MULTI = {"options": ["red", "green", "blue"]}

ROWS = [
    # name, text, integer, decimal, boolean, date, multi, json, relation
    ("a", "100% sure", 5, "1.50", True, "2025-01-01", ["red", "green"], {"k": 1, "tags": ["x"]}, U1),
    ("b", "snake_case", 10, "2.00", False, "2025-06-30", ["blue"], {"k": 2}, U2),
    ("c", "plain text", -3, "0.25", None, None, [], None, None),
    ("d", None, None, None, True, "2024-12-31", None, {"k": 1}, U1),
    ("e", "back\\slash", 7, "10.00", False, "2025-03-15", ["green", "red", "blue"], {"tags": ["x", "y"]}, None),
]
COLUMNS = {
    "txt": ("text", {}),
    "num": ("integer", {}),
    "dec": ("decimal", {}),
    "flag": ("boolean", {}),
    "day": ("date", {}),
    "colors": ("multi_select", MULTI),
    "data": ("json", {}),
    "author": ("relation", {"targetSection": "authors"}),
}


@pytest.fixture
def table(conn):
    definitions = [sql.SQL("name text")] + [
        REGISTRY.get(handle).get_migration_sql(name, settings) for name, (handle, settings) in COLUMNS.items()
    ]
    conn.execute(sql.SQL("CREATE TABLE t ({})").format(sql.SQL(", ").join(definitions)))
    for row in ROWS:
        params = [row[0]]
        for (name, (handle, settings)), value in zip(COLUMNS.items(), row[1:]):
            params.append(REGISTRY.get(handle).serialize(value, settings))
        conn.execute(sql.SQL("INSERT INTO t VALUES ({})").format(sql.SQL(", ").join([sql.Placeholder()] * len(params))),
                     params)
    return conn


def names(conn, column, operator, value):
    handle, settings = COLUMNS[column]
    condition, params = REGISTRY.get(handle).compile_filter(
        operator, sql.Identifier("t", column), value, settings
    )
    rows = conn.execute(sql.SQL("SELECT name FROM t WHERE {} ORDER BY name").format(condition), params).fetchall()
    return "".join(r[0] for r in rows)


@pytest.mark.parametrize(
    "column,operator,value,expected",
    [
        ("txt", "_eq", "plain text", "c"),
        ("txt", "_neq", "plain text", "abde"),
        ("txt", "_contains", "%", "a"),
        ("txt", "_contains", "_", "b"),
        ("txt", "_contains", "\\", "e"),
        ("txt", "_starts_with", "100%", "a"),
        ("txt", "_ends_with", "_case", "b"),
        ("txt", "_icontains", "PLAIN", "c"),
        ("txt", "_in", ["snake_case", "nothing"], "b"),
        ("txt", "_nin", ["snake_case"], "acde"),
        ("txt", "_null", True, "d"),
        ("num", "_gt", 5, "be"),
        ("num", "_gte", "5", "abe"),
        ("num", "_between", [0, 7], "ae"),
        ("num", "_in", [5, -3], "ac"),
        ("num", "_eq", None, "d"),
        ("dec", "_lt", "1.5", "c"),
        ("dec", "_lte", 1.5, "ac"),
        ("flag", "_eq", True, "ad"),
        ("flag", "_neq", True, "bce"),
        ("flag", "_eq", "false", "be"),
        ("flag", "_nnull", True, "abde"),
        ("day", "_gte", "2025-01-01", "abe"),
        ("day", "_between", ["2025-01-01", "2025-03-31"], "ae"),
        ("colors", "_contains", "red", "ae"),
        ("colors", "_contains", ["red", "green"], "ae"),
        ("colors", "_contains", ["red", "blue"], "e"),
        ("colors", "_in", ["blue", "green"], "abe"),
        ("colors", "_nin", ["blue"], "acd"),
        ("colors", "_eq", ["green", "red"], "a"),
        ("colors", "_eq", [], "c"),
        ("colors", "_neq", ["blue"], "acde"),
        ("colors", "_null", True, "d"),
        ("data", "_contains", {"k": 1}, "ad"),
        ("data", "_contains", {"tags": ["x"]}, "ae"),
        ("data", "_eq", {"k": 2}, "b"),
        ("data", "_null", True, "c"),
        ("author", "_eq", str(U1), "ad"),
        ("author", "_in", [str(U1), str(U2)], "abd"),
        ("author", "_neq", str(U1), "bce"),
    ],
)
def test_filter(table, column, operator, value, expected):
    assert names(table, column, operator, value) == expected


@pytest.mark.parametrize(
    "handle,settings,operator",
    [
        ("boolean", {}, "_gt"),
        ("boolean", {}, "_in"),
        ("json", {}, "_gt"),
        ("multi_select", MULTI, "_starts_with"),
        ("relation", {"targetSection": "a"}, "_contains"),
        ("relation", {"targetSection": "a", "allowMultiple": True}, "_contains"),
        ("select", {"options": ["a"]}, "_contains"),
    ],
)
def test_unsupported_operators(handle, settings, operator):
    with pytest.raises(UnsupportedFilterError):
        REGISTRY.get(handle).compile_filter(operator, sql.Identifier("c"), "x", settings)


def test_bad_operands_are_reported():
    with pytest.raises(ValueError, match="whole number"):
        REGISTRY.get("integer").compile_filter("_eq", sql.Identifier("c"), "abc", {})
    with pytest.raises(ValueError, match="list"):
        REGISTRY.get("multi_select").compile_filter("_contains", sql.Identifier("c"), 5, MULTI)
    relation = REGISTRY.get("relation")
    assert relation.parse_filter_value("_contains", str(U1), {"targetSection": "a", "allowMultiple": True}) == [U1]


def test_json_contains_uses_jsonb_parameter():
    condition, params = REGISTRY.get("json").compile_filter("_contains", sql.Identifier("c"), {"a": 1})
    assert isinstance(params[0], Jsonb)
    assert condition.as_string(None) == '"c" @> %s'
