"""Rollback chains: any number of consecutive rollbacks of a section, each restoring
table and data exactly, whatever the column order became (a column restored by a
rollback comes back last; the fingerprint does not count positions)."""

from __future__ import annotations

import pytest

from engine_helpers import live_state, make_section, rows, sql


def field_id(engine, sid, handle):
    return next(f["id"] for f in engine.get_section(sid)["fields"] if f["handle"] == handle)


def config(engine, sid):
    """The field configuration; a field restored by a rollback is a new row (its created_at is new)."""
    return [{k: v for k, v in f.items() if k not in ("updated_at", "created_at")} for f in engine.get_section(sid)["fields"]]


CHANGES = [
    ("drop a field", lambda e, s: e.remove_field(s, "b")),
    ("drop another field", lambda e, s: e.remove_field(s, "c")),
    ("add a field", lambda e, s: e.add_field(s, "d", None, "integer")),
    ("change a type", lambda e, s: e.update_field(field_id(e, s, "n"), {"field_type_handle": "text"})),
    ("rename a field", lambda e, s: e.update_field(field_id(e, s, "a"), {"handle": "alpha"})),
    ("make a field unique and required", lambda e, s: e.update_field(field_id(e, s, "title"),
                                                                       {"is_unique": True, "is_required": True})),
    ("drop the renamed field", lambda e, s: e.remove_field(s, "alpha")),
]


@pytest.mark.parametrize("online", [False, True])
def test_every_migration_of_a_section_rolls_back_in_turn_restoring_table_and_data(engine, online):
    count = 40 if not online else 1500  # populated: type changes run online, indexes CONCURRENTLY
    section = make_section(engine, "notes", [
        {"handle": "title", "type": "text"}, {"handle": "a", "type": "text"}, {"handle": "b", "type": "text"},
        {"handle": "c", "type": "integer"}, {"handle": "n", "type": "integer"},
    ])
    engine.create_entries("notes", [{"title": f"t{i}", "a": f"a{i}", "b": None if i % 3 else f"b{i}", "c": i,
                                     "n": i * 7} for i in range(count)])
    sid = section["id"]
    states = [(live_state(engine, sid), rows(engine, "notes"), config(engine, sid))]
    applied = []
    for _, change in CHANGES:
        change(engine, sid)
        migration = engine.plan_migration(sid)
        assert migration["id"] is not None
        engine.apply_migration(migration["id"], confirm=True)
        applied.append(migration["id"])
        states.append((live_state(engine, sid), rows(engine, "notes"), config(engine, sid)))
    # Dropped columns were restored at the end of the table by the rollbacks below: the
    # order of columns changes, nothing else may.
    for number in range(len(applied), 0, -1):
        engine.rollback_migration(applied[number - 1])
        live, data, fields = states[number - 1]
        assert live_state(engine, sid) == live, CHANGES[number - 1][0]
        assert rows(engine, "notes") == data, CHANGES[number - 1][0]
        assert config(engine, sid) == fields, CHANGES[number - 1][0]
    assert engine.plan_migration(sid)["id"] is None
    positions = [r[0] for r in sql(engine, "SELECT attname FROM pg_attribute WHERE attrelid = 'custom.notes'::regclass "
                                           "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]
    assert positions[-2:] == ["c", "b"]  # really restored out of their original order


def test_a_rolled_back_chain_can_be_applied_again_and_rolled_back_again(engine):
    section = make_section(engine, "cards", [{"handle": "name", "type": "text"}, {"handle": "old", "type": "text"}],
                           [{"name": f"n{i}", "old": f"o{i}"} for i in range(20)])
    sid = section["id"]
    before = (live_state(engine, sid), rows(engine, "cards"))
    for _ in range(3):
        chain = []
        for change in (lambda: engine.remove_field(sid, "old"), lambda: engine.add_field(sid, "extra", None, "text"),
                       lambda: engine.remove_field(sid, "name")):
            change()
            migration = engine.plan_migration(sid)
            engine.apply_migration(migration["id"], confirm=True)
            chain.append(migration["id"])
        for migration_id in reversed(chain):  # each restored column moves the others' positions
            engine.rollback_migration(migration_id)
        assert (live_state(engine, sid), rows(engine, "cards")) == before
