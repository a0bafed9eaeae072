"""Type changes on a real table: failure predicates count exactly the rows that would
not convert (or would break the target's rules); USING expressions convert the rest."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from polysynergy_section_field import BUILTIN_FIELD_TYPES, FieldTypeRegistry

REGISTRY = FieldTypeRegistry(BUILTIN_FIELD_TYPES)


def _setup(conn, source_handle, old_settings, values):
    source = REGISTRY.get(source_handle)
    conn.execute(
        sql.SQL("CREATE TABLE t (id serial PRIMARY KEY, {})").format(source.get_migration_sql("c", old_settings))
    )
    for value in values:
        conn.execute("INSERT INTO t (c) VALUES (%s)", [value])
    return source


def _convert(conn, source_handle, old_settings, target_handle, new_settings, values):
    """Return (failure count, converted outputs of the remaining rows, Conversion)."""
    source = _setup(conn, source_handle, old_settings, values)
    target = REGISTRY.get(target_handle)
    conversion = source.conversion_to(target, old_settings, new_settings)
    assert conversion is not None, f"{source_handle} -> {target_handle} refused"
    column_type = target.column_type(new_settings)
    failure = conversion.failure_sql("c", column_type)
    failing = 0
    if failure is not None:
        failing = conn.execute(sql.SQL("SELECT count(*) FROM t WHERE {}").format(failure)).fetchone()[0]
        conn.execute(sql.SQL("DELETE FROM t WHERE {}").format(failure))
    conn.execute(
        sql.SQL("ALTER TABLE t ALTER COLUMN c TYPE {} USING {}").format(
            sql.SQL(column_type), conversion.using_sql("c", column_type)
        )
    )
    # the target's own CHECK rules hold for every remaining row
    for rule in target.check_rules("c", new_settings):
        conn.execute(sql.SQL("ALTER TABLE t ADD CHECK ({})").format(rule.expression))
    rows = conn.execute("SELECT c FROM t ORDER BY id").fetchall()
    return failing, [target.deserialize(row[0], new_settings) for row in rows], conversion


CASES = [
    # source, old settings, target, new settings, values, expected failures, expected outputs
    ("text", {}, "integer", {}, ["1", " -42 ", "x", "1.5", "99999999999999999999", None], 3, [1, -42, None]),
    ("text", {}, "number", {}, ["1.5", "2e3", "NaN", "abc", None], 2, [1.5, 2000.0, None]),
    ("text", {}, "decimal", {"precision": 5, "scale": 2}, ["1.005", "999.99", "1000", "x"], 2, ["1.01", "999.99"]),
    ("text", {}, "email", {}, ["a@b.co", "not an email", None], 1, ["a@b.co", None]),
    ("text", {}, "slug", {}, ["good-slug", "Bad Slug"], 1, ["good-slug"]),
    ("text", {}, "phone", {}, ["+31 (20) 123-4567", "12"], 1, ["+31201234567"]),
    ("text", {}, "color", {}, ["#ABC", " #A1b2C3 ", "blue"], 1, ["#aabbcc", "#a1b2c3"]),
    ("text", {}, "url", {}, ["https://x.org", "www.x.org"], 1, ["https://x.org"]),
    ("text", {}, "select", {"options": ["a", "b"]}, ["a", "c", None], 1, ["a", None]),
    ("text", {}, "textarea", {"maxLength": 3}, ["abc", "abcd"], 1, ["abc"]),
    ("textarea", {}, "text", {}, ["line\nline"], 0, ["line\nline"]),
    ("text", {}, "date", {}, ["2025-01-31", "31/01/2025"], 1, ["2025-01-31"]),
    ("text", {}, "boolean", {}, ["true", " FALSE ", "yes"], 1, [True, False]),
    ("text", {}, "json", {}, ['{"a": 1}', None], 0, ['{"a": 1}', None]),
    ("integer", {}, "number", {}, [5, -3], 0, [5.0, -3.0]),
    ("integer", {}, "decimal", {"precision": 4, "scale": 2}, [5, 99, 100, None], 1, ["5.00", "99.00", None]),
    ("integer", {}, "percentage", {}, [0, 50, 100, 101], 1, [0.0, 50.0, 100.0]),
    ("integer", {}, "text", {"maxLength": 2}, [12, 123], 1, ["12"]),
    ("number", {}, "integer", {}, [1.4, -2.6, 1e30, float("nan"), None], 2, [1, -3, None]),
    ("number", {}, "percentage", {}, [12.34567, 150.0], 1, [12.3457]),
    ("number", {}, "decimal", {}, [0.1, 1e11], 1, ["0.10"]),
    ("decimal", {}, "currency", {"precision": 6, "scale": 2}, ["1234.56", "12345.67"], 1, ["1234.56"]),
    ("currency", {}, "decimal", {"scale": 4}, ["19.99"], 0, ["19.9900"]),
    ("decimal", {}, "integer", {}, ["2.5", "-2.5"], 0, [3, -3]),
    ("percentage", {}, "number", {}, ["42.5"], 0, [42.5]),
    ("date", {}, "datetime", {}, ["2025-10-31"], 0, ["2025-10-31T00:00:00+00:00"]),
    ("datetime", {}, "date", {}, ["2025-10-31T23:30:00-02:00"], 0, ["2025-11-01"]),
    ("datetime", {}, "text", {}, ["2025-10-31T10:30:00.5Z"], 0, ["2025-10-31T10:30:00.500000+00:00"]),
    ("date", {}, "text", {}, ["2025-10-31"], 0, ["2025-10-31"]),
    ("time", {}, "text", {}, ["10:30:00"], 0, ["10:30:00"]),
    ("boolean", {}, "text", {}, [True, False, None], 0, ["true", "false", None]),
    ("select", {"options": ["a", "b"]}, "text", {}, ["a"], 0, ["a"]),
    ("select", {"options": ["a", "b"]}, "multi_select", {"options": ["a"]}, ["a", "b", None], 1, [["a"], None]),
    ("multi_select", {"options": ["a", "b"]}, "text", {}, [["a", "b"]], 0, ["a, b"]),
    ("multi_select", {"options": ["a", "b"]}, "json", {}, [["a", "b"]], 0, [["a", "b"]]),
    ("json", {}, "text", {}, [psycopg.types.json.Jsonb({"a": 1})], 0, ['{"a": 1}']),
    ("relation", {"targetSection": "x"}, "text", {}, ["3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"], 0,
     ["3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"]),
    ("email", {}, "text", {"maxLength": 6}, ["a@b.co", "ab@c.de"], 1, ["a@b.co"]),
]


@pytest.mark.parametrize(
    "source,old,target,new,values,failures,outputs", CASES, ids=[f"{c[0]}->{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_conversion(conn, source, old, target, new, values, failures, outputs):
    failing, converted, _ = _convert(conn, source, old, target, new, values)
    assert failing == failures
    assert converted == outputs


SAME_TYPE = [
    ("text", {"maxLength": 10}, {"maxLength": 3}, ["abc", "abcd", None], 1, ["abc", None]),
    ("text", {"maxLength": 10}, {"maxLength": 20}, ["abcd"], 0, ["abcd"]),
    ("text", {"maxLength": 10}, {}, ["abcd"], 0, ["abcd"]),
    ("text", {}, {"maxLength": 2}, ["ab", "abc"], 1, ["ab"]),
    ("decimal", {"precision": 8, "scale": 2}, {"precision": 5, "scale": 2}, ["999.99", "1000.00"], 1, ["999.99"]),
    ("decimal", {"precision": 8, "scale": 2}, {"precision": 6, "scale": 3}, ["999.99", "1000.00"], 1, ["999.990"]),
    ("decimal", {"precision": 8, "scale": 2}, {"precision": 12, "scale": 2}, ["123456.78"], 0, ["123456.78"]),
    ("currency", {"scale": 2}, {"scale": 0}, ["1.49", "1.50"], 0, ["1", "2"]),
    ("select", {"options": ["a", "b"]}, {"options": ["a"]}, ["a", "b"], 1, ["a"]),
    ("multi_select", {"options": ["a", "b"]}, {"options": ["a"], "maxItems": 1}, [["a"], ["a", "b"], ["b"]], 2, [["a"]]),
    ("integer", {}, {"min": 0}, [1, -1], 1, [1]),
]


@pytest.mark.parametrize("handle,old,new,values,failures,outputs", SAME_TYPE)
def test_settings_change(conn, handle, old, new, values, failures, outputs):
    failing, converted, _ = _convert(conn, handle, old, handle, new, values)
    assert failing == failures
    assert converted == outputs


@pytest.mark.parametrize(
    "handle,old,new,rewrites",
    [
        ("text", {"maxLength": 10}, {"maxLength": 20}, False),
        ("text", {"maxLength": 10}, {}, False),
        ("text", {"maxLength": 10}, {"maxLength": 5}, True),
        ("text", {}, {"maxLength": 5}, True),
        ("decimal", {"precision": 8, "scale": 2}, {"precision": 10, "scale": 2}, False),
        ("decimal", {"precision": 8, "scale": 2}, {"precision": 10, "scale": 3}, True),
    ],
)
def test_rewrites_flag_matches_postgres(conn, handle, old, new, rewrites):
    """A conversion marked rewrites=False keeps the table's file (no rewrite)."""
    field_type = _setup(conn, handle, old, ["1"])
    conversion = field_type.conversion_to(field_type, old, new)
    assert conversion.rewrites is rewrites
    before = conn.execute("SELECT pg_relation_filenode('t')").fetchone()[0]
    column_type = field_type.column_type(new)
    conn.execute(
        sql.SQL("ALTER TABLE t ALTER COLUMN c TYPE {} USING {}").format(
            sql.SQL(column_type), conversion.using_sql("c", column_type)
        )
    )
    after = conn.execute("SELECT pg_relation_filenode('t')").fetchone()[0]
    assert (before != after) is rewrites


def test_text_to_textarea_keeps_the_table(conn):
    text = _setup(conn, "text", {"maxLength": 50}, ["x"])
    conversion = text.conversion_to(REGISTRY.get("textarea"), {"maxLength": 50}, {})
    assert conversion.rewrites is False and conversion.failure_predicate is None


def test_refused_conversions():
    get = REGISTRY.get
    assert get("boolean").conversion_to(get("date")) is None
    assert get("json").conversion_to(get("integer")) is None
    assert get("relation").conversion_to(get("text"), {"targetSection": "x", "allowMultiple": True}, {}) is None


def test_templates_compose_with_any_column_name():
    """Placeholders only; option values with quotes and braces are quoted safely."""
    select = REGISTRY.get("select")
    conversion = REGISTRY.get("text").conversion_to(select, {}, {"options": ["it's", "{x}"]})
    rendered = conversion.failure_sql('we"ird col', "text").as_string(None)
    assert '"we""ird col"' in rendered and "'it''s'" in rendered and "'{x}'" in rendered


SAMPLE_SETTINGS = {
    "select": {"options": ["a", "b"]},
    "multi_select": {"options": ["a", "b"], "maxItems": 1},
    "relation": {"targetSection": "x"},
    "text": {"maxLength": 10, "minLength": 1},
    "decimal": {"precision": 6, "scale": 2, "min": 0},
    "percentage": {"max": 50},
}


def test_every_offered_conversion_runs_on_postgres(conn):
    """Each (source, target) pair the catalogue offers produces SQL PostgreSQL accepts."""
    offered = 0
    for source in REGISTRY:
        old = SAMPLE_SETTINGS.get(source.handle, {})
        for target in REGISTRY:
            new = SAMPLE_SETTINGS.get(target.handle, {})
            conversion = source.conversion_to(target, old, new)
            if conversion is None:
                continue
            offered += 1
            column_type = target.column_type(new)
            for template in (conversion.using, conversion.failure_predicate or ""):
                assert "%" not in template
            with conn.transaction(force_rollback=True):
                conn.execute(sql.SQL("CREATE TABLE conv ({})").format(source.get_migration_sql("c", old)))
                conn.execute("INSERT INTO conv DEFAULT VALUES")
                failure = conversion.failure_sql("c", column_type)
                if failure is not None:
                    count = conn.execute(sql.SQL("SELECT count(*) FROM conv WHERE {}").format(failure)).fetchone()
                    assert count[0] == 0, f"{source.handle} -> {target.handle}: NULL counted as failing"
                conn.execute(
                    sql.SQL("ALTER TABLE conv ALTER COLUMN c TYPE {} USING {}").format(
                        sql.SQL(column_type), conversion.using_sql("c", column_type)
                    )
                )
    assert offered > 100
