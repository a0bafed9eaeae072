"""Property-based tests: every input is stored exactly or rejected with a ContentError,
and nothing else in the database changes.

One database per module (sections created once, outside the Hypothesis loops). Each
example snapshots the system tables, the catalog of every schema and canary tables
before and compares after.
"""

from __future__ import annotations

import json

import re
from types import SimpleNamespace

import psycopg
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

from stress_helpers import diff_snapshots, live_state, q, scaled, system_snapshot
from stress_strategies import (
    KEYWORDS,
    SAFE_CHARS,
    THINGS_FIELDS,
    VALID_IDENTIFIER,
    any_entries,
    filter_documents,
    identifiers,
    is_valid_identifier,
    junk_values,
    labels,
    order_by_values,
    valid_entries,
)
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import ContentError, InvalidInput

CANARIES = (("custom", "canary"), ("custom", "people"))
ORACLE_TEXTS = ["", "a", "A", "a%b", "a_b", "a\\b", "%", "_", "\\", "ab", "b", "a b", "O'Brien", '"q"', "ä", None,
                "100%", "x_y_z", "\\%", "aa", "ba", "%%", "a\nb", "Ä"]


def _section(engine, handle, fields, rows=()):
    section = engine.create_section(handle, handle.title())
    for name, (kind, settings) in fields.items():
        engine.add_field(section["id"], name, None, kind, settings)
    plan = engine.plan_migration(section["id"])
    engine.apply_migration(plan["id"], confirm=True)
    created = [engine.create_entry(handle, r) for r in rows]
    return engine.get_section(section["id"]), created


@pytest.fixture(scope="module")
def world(module_database):
    url = module_database()
    engine = ContentEngine(url)
    engine.install()
    _, people = _section(engine, "people", {"name": ("text", {})}, [{"name": n} for n in ("ann", "bob", "cy", "di")])
    canary, _ = _section(engine, "canary", {"title": ("text", {}), "n": ("integer", {})},
                         [{"title": f"row {i}", "n": i} for i in range(5)])
    things, _ = _section(engine, "things", THINGS_FIELDS)
    # Empty on purpose: planning a checked field on a populated table hits an engine bug
    # (see test_adding_a_checked_field_to_a_populated_table_can_be_planned).
    scratch, _ = _section(engine, "scratch", {"base": ("text", {})})
    oracle, oracle_rows = _section(engine, "oracle", {"s": ("text", {}), "n": ("integer", {})},
                                   [{"s": s, "n": (i * 7) % 11 - 5 if i % 5 else None} for i, s in enumerate(ORACLE_TEXTS)])
    # One connection reads the state before and after every example (a new one per read
    # costs more than the read: the examples run hundreds of times).
    with psycopg.connect(url, autocommit=True) as db:
        yield World(url=url, db=db, engine=engine, people_ids=[p["id"] for p in people], things=things,
                    scratch=scratch, canary=canary, oracle_rows=oracle_rows)


class World(SimpleNamespace):
    def __repr__(self):  # keeps Hypothesis' failure reports readable
        return "<world>"


def snapshot(world, **kw):
    return system_snapshot(world.db, canaries=CANARIES, **kw)


def assert_unchanged(before, after):
    assert before == after, diff_snapshots(before, after)


def count(world, table):
    return q(world.db, f"SELECT count(*) FROM custom.{table}")[0][0]  # fixed test table names


def taken_names(world) -> set:
    rows = q(world.db, "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = 'custom' UNION SELECT handle FROM public.sections")
    return {r[0] for r in rows}


def expected_label(label, handle):
    if label is None or label == "":
        return handle.replace("_", " ").title()
    if isinstance(label, str) and label.strip() and len(label) <= 255 and "\x00" not in label:
        return label.strip()
    return None  # must be rejected


# -- sections ------------------------------------------------------------------------------
@scaled(150)
@given(handle=identifiers(), label=labels(),
       description=st.one_of(st.none(), st.text(SAFE_CHARS, max_size=40)),
       icon=st.one_of(st.none(), st.text(SAFE_CHARS, max_size=10)))
def test_section_handle_and_label_are_stored_exactly_or_rejected(world, handle, label, description, icon):
    before = snapshot(world)
    valid = is_valid_identifier(handle) and handle not in taken_names(world)
    label_out = expected_label(label, handle) if valid else None
    try:
        created = world.engine.create_section(handle, label, description, icon)
    except ContentError as exc:
        note(f"rejected: {exc}")
        assert not (valid and label_out is not None), f"a valid section was refused: {exc}"
        assert str(exc)
    else:
        assert valid and label_out is not None, f"accepted an invalid section: {handle!r} / {label!r}"
        assert created["handle"] == handle and created["table_name"] == handle
        assert created["label"] == label_out
        assert created["description"] == (description or None) and created["icon"] == (icon or None)
        stored = world.engine.get_section(handle)
        assert stored["handle"] == handle and stored["label"] == label_out and stored["fields"] == []
        assert world.engine.delete_section(created["id"])["deleted"] is True
    assert_unchanged(before, snapshot(world))


PG_SYSTEM_COLUMNS = ("ctid", "xmin", "xmax", "cmin", "cmax", "tableoid")


@scaled(25)
@given(handle=st.one_of(VALID_IDENTIFIER, st.sampled_from(KEYWORDS)),
       field=st.one_of(VALID_IDENTIFIER, st.sampled_from(KEYWORDS)))
def test_a_new_section_table_is_named_exactly_by_its_handle(world, handle, field):
    assume(is_valid_identifier(handle) and is_valid_identifier(field) and handle not in taken_names(world))
    # PostgreSQL's own system column names: see test_postgres_system_column_names_are_refused_as_field_handles.
    assume(field not in ("id", "created_at", "updated_at") + PG_SYSTEM_COLUMNS)
    engine = world.engine
    before = snapshot(world, exclude_schemas=("content_archive",))
    section = engine.create_section(handle, "Generated")
    migration = None
    try:
        engine.add_field(section["id"], field, "F", "text")
        migration = engine.plan_migration(section["id"])
        assert engine.apply_migration(migration["id"])["status"] == "applied"
        columns = q(world.db, "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0",
                    (psycopg.sql.Identifier("custom", handle).as_string(None),))
        assert field in {c[0] for c in columns}
        entry = engine.create_entry(handle, {field: "v'\"; --"})
        found = engine.query_entries(handle, {field: {"_eq": "v'\"; --"}}, f"{field} DESC")
        assert [e["id"] for e in found["entries"]] == [entry["id"]] and found["entries"][0][field] == "v'\"; --"
    finally:
        if migration is not None and engine.get_migration(migration["id"])["status"] == "applied":
            engine.rollback_migration(migration["id"])
        assert engine.delete_section(section["id"])["deleted"] is True
    assert_unchanged(before, snapshot(world, exclude_schemas=("content_archive",)))


@pytest.mark.parametrize("handle", PG_SYSTEM_COLUMNS)
def test_postgres_system_column_names_are_refused_as_field_handles(world, handle):
    section_id = world.scratch["id"]
    try:
        with pytest.raises(InvalidInput):
            world.engine.add_field(section_id, handle, "System", "text")
    finally:
        if any(f["handle"] == handle for f in world.engine.get_section(section_id)["fields"]):
            world.engine.remove_field(section_id, handle)
            world.engine.plan_migration(section_id)


@pytest.mark.parametrize("where", ["section", "field"])
def test_trailing_newline_in_a_handle_is_rejected(world, where):
    engine = world.engine
    if where == "section":
        try:
            with pytest.raises(InvalidInput):
                engine.create_section("newline\n", "Newline")
        finally:
            for s in engine.list_sections():
                if s["handle"] == "newline\n":
                    engine.delete_section(s["id"])
    else:
        section_id = world.scratch["id"]
        try:
            with pytest.raises(InvalidInput):
                engine.add_field(section_id, "base2\n", "Base 2", "text")
        finally:
            if any(f["handle"] == "base2\n" for f in engine.get_section(section_id)["fields"]):
                engine.remove_field(section_id, "base2\n")
                engine.plan_migration(section_id)


# -- fields --------------------------------------------------------------------------------
FIELD_TYPES = sorted({t for t, _ in THINGS_FIELDS.values()})
SETTING_VALUES = st.one_of(
    st.integers(min_value=-5, max_value=300), st.floats(allow_nan=True), st.booleans(), st.none(),
    st.text(SAFE_CHARS, max_size=8), st.sampled_from(["people", "things", "scratch", "nope", "^a+$", "(", "EUR"]),
    st.lists(st.text(SAFE_CHARS, max_size=5), max_size=4), st.lists(st.sampled_from(["a", "b", "a"]), max_size=3),
)
SETTING_KEYS = ["maxLength", "minLength", "pattern", "min", "max", "precision", "scale", "options", "minItems",
                "maxItems", "default", "targetSection", "allowMultiple", "schema", "allowedSchemes", "currency",
                "presets", "defaultCountryCode", "rows", "bogus"]


@scaled(100)
@given(data=st.data())
def test_field_definitions_are_stored_exactly_or_rejected_and_migrate_cleanly(world, data):
    engine = world.engine
    scratch_id = world.scratch["id"]
    handle = data.draw(identifiers(), "handle")
    label = data.draw(labels(), "label")
    kind = data.draw(st.one_of(st.sampled_from(FIELD_TYPES), st.sampled_from(["nope", "", "TEXT", None, 3])), "type")
    if kind == "relation":
        settings = data.draw(st.one_of(
            st.fixed_dictionaries({"targetSection": st.sampled_from(["people", "scratch", "nope", "", 1])},
                                  optional={"allowMultiple": st.booleans(), "maxItems": SETTING_VALUES}),
            st.dictionaries(st.sampled_from(SETTING_KEYS), SETTING_VALUES, max_size=3)), "settings")
    else:
        settings = data.draw(st.one_of(st.none(), st.just({}),
                                       st.dictionaries(st.sampled_from(SETTING_KEYS), SETTING_VALUES, max_size=3),
                                       st.sampled_from(["{}", "{", "[]", "{\"maxLength\": 5}"])), "settings")
    options = data.draw(st.fixed_dictionaries({}, optional={
        "is_required": st.one_of(st.booleans(), st.sampled_from(["true", "no", 1])),
        "is_unique": st.booleans(),
        "default_value": st.one_of(junk_values, st.just("x")),
        "help_text": st.text(SAFE_CHARS, max_size=10),
        "ui_width": st.sampled_from(["full", "half", "wide", ""]),
        "sort_order": st.one_of(st.integers(min_value=-(2**31), max_value=2**31 - 1), st.just(1.5), st.just(True)),
    }), "options")
    before = snapshot(world, exclude_section_ids=[scratch_id], exclude_schemas=("content_archive",))
    live_before = live(world, "scratch")
    config_before = config(engine, scratch_id)
    try:
        field = engine.add_field(scratch_id, handle, label, kind, settings, **options)
    except ContentError as exc:
        note(f"rejected: {exc}")
        assert config(engine, scratch_id) == config_before
        assert_unchanged(before, snapshot(world, exclude_section_ids=[scratch_id], exclude_schemas=("content_archive",)))
        return
    assert is_valid_identifier(handle) and handle not in ("id", "created_at", "updated_at"), f"accepted {handle!r}"
    assert field["handle"] == handle and field["field_type_handle"] == kind
    assert field["label"] == expected_label(label, handle)
    if isinstance(settings, dict):
        for key, value in settings.items():
            assert field["field_settings"].get(key) == value, (key, field["field_settings"])
    try:
        _plan_apply_and_undo(world, engine, scratch_id, handle, kind, settings, live_before)
    finally:
        if any(f["handle"] == handle for f in engine.get_section(scratch_id)["fields"]):
            engine.remove_field(scratch_id, handle)
            engine.plan_migration(scratch_id)
    assert config(engine, scratch_id) == config_before
    assert live(world, "scratch") == live_before
    assert_unchanged(before, snapshot(world, exclude_section_ids=[scratch_id], exclude_schemas=("content_archive",)))


def _plan_apply_and_undo(world, engine, scratch_id, handle, kind, settings, live_before):
    migration = engine.plan_migration(scratch_id)
    assert migration["id"] is not None
    try:
        applied = engine.apply_migration(migration["id"], confirm=True)
    except ContentError as exc:
        note(f"apply failed: {exc}")
        status = q(world.db, "SELECT status, error_message FROM section_migrations WHERE id = %s", (migration["id"],))[0]
        assert status[0] == "failed" and status[1]
        assert live(world, "scratch") == live_before
        engine.remove_field(scratch_id, handle)
        assert engine.plan_migration(scratch_id)["id"] is None  # configuration matches the table again
    else:
        assert applied["status"] == "applied"
        names = {r[0] for r in q(world.db, "SELECT attname FROM pg_attribute WHERE attrelid = 'custom.scratch'::regclass "
                                           "AND attnum > 0 AND NOT attisdropped")}
        assert (handle in names) or (kind == "relation" and settings.get("allowMultiple") is True)
        engine.rollback_migration(migration["id"])


CHECKED_TYPES = [("integer", {"min": 0}), ("number", {}), ("decimal", {"min": 0}), ("date", {}), ("datetime", {}),
                 ("select", {"options": ["a", "b"]}), ("multi_select", {"options": ["a", "b"]}), ("email", {}),
                 ("url", {}), ("slug", {}), ("phone", {}), ("color", {}), ("percentage", {})]


@pytest.mark.parametrize("kind, settings", CHECKED_TYPES, ids=[k for k, _ in CHECKED_TYPES])
def test_adding_a_checked_field_to_a_populated_table_can_be_planned(world, kind, settings):
    engine = world.engine
    canary_id = world.canary["id"]
    engine.add_field(canary_id, "added", None, kind, settings)
    try:
        migration = engine.plan_migration(canary_id)
        assert migration["id"] is not None
    finally:
        engine.remove_field(canary_id, "added")
        engine.plan_migration(canary_id)


def config(engine, section_id):
    """The fields of a section (rollback rewrites the rows, so updated_at moves)."""
    return [{k: v for k, v in f.items() if k != "updated_at"} for f in engine.get_section(section_id)["fields"]]


def live(world, handle):
    return live_state(world.engine, world.engine.get_section(handle)["id"])


# -- entries -------------------------------------------------------------------------------
@scaled(150)
@given(data=st.data())
def test_valid_entry_values_of_every_type_are_stored_exactly(world, data):
    engine = world.engine
    drawn = data.draw(valid_entries(world.people_ids), "entry")
    values = {h: v for h, (v, _) in drawn.items()}
    before_count = count(world, "things")
    created = engine.create_entry("things", values)
    for handle, (value, check) in drawn.items():
        assert check(created[handle]), (handle, value, created[handle])
    assert engine.get_entry("things", created["id"]) == created
    found = engine.query_entries("things", {"id": {"_eq": created["id"]}})["entries"]
    assert found == [created]
    assert count(world, "things") == before_count + 1
    # An update with other valid values is stored exactly too, and only the given fields change.
    other = data.draw(valid_entries(world.people_ids), "update")
    if other:
        updated = engine.update_entry("things", created["id"], {h: v for h, (v, _) in other.items()})
        for handle, (value, check) in other.items():
            assert check(updated[handle]), (handle, value, updated[handle])
        for handle in set(created) - set(other) - {"updated_at"}:
            assert updated[handle] == created[handle], handle


def _json_or_none(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


@scaled(150)
@given(data=st.data())
def test_any_entry_data_is_stored_or_rejected_cleanly(world, data):
    engine = world.engine
    entry = data.draw(any_entries(world.people_ids), "entry")
    before = snapshot(world)
    before_count = count(world, "things")
    try:
        created = engine.create_entry("things", entry)
    except ContentError as exc:
        note(f"rejected: {type(exc).__name__}: {exc}")
        assert str(exc)
        assert count(world, "things") == before_count
    else:
        # Accepted: an object, "nothing" (None, [], an empty string), or a JSON string of an object.
        assert isinstance(entry, dict) or entry in (None, []) or (
            isinstance(entry, str) and (not entry.strip() or isinstance(_json_or_none(entry), dict)))
        assert count(world, "things") == before_count + 1
        assert engine.get_entry("things", created["id"]) == created
        # The stored form is canonical: writing it back changes nothing.
        given_keys = [k for k in (entry or {}) if k in THINGS_FIELDS]
        again = engine.update_entry("things", created["id"], {k: created[k] for k in given_keys})
        assert {k: again[k] for k in given_keys} == {k: created[k] for k in given_keys}
    assert_unchanged(before, snapshot(world))


# -- filters and order_by ------------------------------------------------------------------
@scaled(150)
@given(data=st.data())
def test_filter_documents_compile_or_are_rejected_cleanly(world, data):
    engine = world.engine
    document = data.draw(filter_documents(world.people_ids), "filters")
    before = snapshot(world)
    total = count(world, "things")
    try:
        result = engine.query_entries("things", document, limit=100)
    except InvalidInput as exc:
        note(f"rejected: {exc}")
        assert str(exc)
    else:
        assert len(result["entries"]) <= min(100, total)
        assert all(set(e) >= set(THINGS_FIELDS) | {"id"} for e in result["entries"])
    assert count(world, "things") == total
    assert_unchanged(before, snapshot(world))


TEXT_OPERANDS = st.lists(st.sampled_from(["", "a", "A", "%", "_", "\\", "b", "'", '"', "ä", " ", "x", "%%", "\n"]),
                         max_size=3).map("".join)


def _python_text(op, operand, value):
    if op == "_eq":
        return value == operand
    if op == "_neq":
        return value != operand
    if op in ("_in", "_nin"):
        return (value in operand) if op == "_in" else (value is None or value not in operand)
    if value is None:
        return False
    return {"_contains": operand in value, "_starts_with": value.startswith(operand),
            "_ends_with": value.endswith(operand)}[op]


def _python_int(op, operand, value):
    if op in ("_in", "_nin"):
        return (value in operand) if op == "_in" else (value is None or value not in operand)
    if op == "_neq":
        return value != operand
    if value is None:
        return False
    if op == "_between":
        return operand[0] <= value <= operand[1]
    return {"_eq": value == operand, "_gt": value > operand, "_gte": value >= operand, "_lt": value < operand,
            "_lte": value <= operand}[op]


@scaled(200)
@given(data=st.data())
def test_filters_select_exactly_the_matching_rows(world, data):
    """A Python oracle over a table of awkward strings (LIKE wildcards, quotes, backslashes)."""
    rows = world.oracle_rows
    if data.draw(st.booleans(), "text?"):
        op = data.draw(st.sampled_from(["_eq", "_neq", "_contains", "_starts_with", "_ends_with", "_in", "_nin"]), "op")
        operand = data.draw(st.lists(TEXT_OPERANDS, max_size=3) if op in ("_in", "_nin") else TEXT_OPERANDS, "operand")
        expected = {r["id"] for r in rows if _python_text(op, operand, r["s"])}
        document = {"s": {op: operand}}
    else:
        op = data.draw(st.sampled_from(["_eq", "_neq", "_gt", "_gte", "_lt", "_lte", "_in", "_nin", "_between"]), "op")
        ints = st.integers(min_value=-7, max_value=7)
        operand = data.draw(st.lists(ints, max_size=3) if op in ("_in", "_nin") else
                            st.tuples(ints, ints).map(list) if op == "_between" else ints, "operand")
        expected = {r["id"] for r in rows if _python_int(op, operand, r["n"])}
        document = {"n": {op: operand}}
    if data.draw(st.booleans(), "wrap"):
        document = {"_and": [document, {"_or": [{"id": {"_nnull": True}}]}]}
    found = world.engine.query_entries("oracle", document, limit=1000)["entries"]
    assert {e["id"] for e in found} == expected, document


ORDER_PART = re.compile(r"\s*([a-z][a-z0-9_]*)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*", re.IGNORECASE)
ORDERABLE = set(THINGS_FIELDS) - {"t_rels"} | {"id", "created_at", "updated_at"}


def expected_order(order_by):
    """The parsed order_by, or None when it must be rejected."""
    if order_by is None or order_by == [] or (isinstance(order_by, str) and not order_by.strip()):
        return [("created_at", "desc", None)]
    if isinstance(order_by, str):
        parts = order_by.split(",")
    elif isinstance(order_by, list) and all(isinstance(p, str) for p in order_by):
        parts = order_by
    else:
        return None
    if len(parts) > 10:
        return None
    out = []
    for part in parts:
        m = ORDER_PART.fullmatch(part)
        if not m or m.group(1) not in ORDERABLE:
            return None
        out.append((m.group(1), (m.group(2) or "asc").lower(), (m.group(3) or "").lower() or None))
    return out


@scaled(200)
@given(order_by=order_by_values())
def test_order_by_is_applied_exactly_or_rejected(world, order_by):
    expected = expected_order(order_by)
    try:
        result = world.engine.query_entries("things", None, order_by, limit=1000)
    except InvalidInput as exc:
        note(f"rejected: {exc}")
        assert expected is None, f"refused a valid order_by {order_by!r}: {exc}"
        return
    assert expected is not None, f"accepted an invalid order_by {order_by!r}"
    name, direction, nulls = expected[0]
    if name in ("t_int", "t_text", "t_bool", "t_date") and len(result["entries"]) > 1:
        nulls_first = nulls == "first" if nulls else direction == "desc"
        keys = [e[name] for e in result["entries"]]
        present = [k for k in keys if k is not None]
        if name != "t_text":  # text order follows the database collation
            assert present == sorted(present, reverse=direction == "desc"), order_by
        n_null = len(keys) - len(present)
        if n_null:
            assert all(k is None for k in (keys[:n_null] if nulls_first else keys[-n_null:])), order_by


SURROGATE = "bad \ud800 text"


def _surrogate_call(world, where):
    engine = world.engine
    if where == "entry value":
        return engine.create_entry("things", {"t_text": SURROGATE})
    if where == "entry json":
        return engine.create_entry("things", {"t_json": {"k": SURROGATE}})
    if where == "section label":
        return engine.create_section("surrogate_label", SURROGATE)
    if where == "field label":
        return engine.add_field(world.scratch["id"], "surrogate_field", SURROGATE, "text")
    if where == "filter value":
        return engine.query_entries("things", {"t_text": {"_eq": SURROGATE}})
    if where == "order_by":
        return engine.query_entries("things", None, SURROGATE)
    raise AssertionError(where)


@pytest.mark.parametrize("where", [
    "entry value",
    "entry json",
    "section label",
    "field label",
    "filter value",
    "order_by",
])
def test_lone_surrogates_are_rejected_with_a_content_error(world, where):
    before = snapshot(world)
    try:
        with pytest.raises(ContentError):
            _surrogate_call(world, where)
    finally:
        for s in world.engine.list_sections():
            if s["handle"] == "surrogate_label":
                world.engine.delete_section(s["id"])
        if any(f["handle"] == "surrogate_field" for f in world.engine.get_section(world.scratch["id"])["fields"]):
            world.engine.remove_field(world.scratch["id"], "surrogate_field")
            world.engine.plan_migration(world.scratch["id"])
    assert_unchanged(before, snapshot(world))
