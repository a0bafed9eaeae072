"""Batches larger than one round: items are checked, sent and turned into output round by
round while the COPY runs, and the output text of decimal and datetime columns is what
the COPY stores. Refusals in a later round, errors of the server, defaults and rules
must behave exactly as for a batch checked in one go."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from polysynergy_nodes_content.content_engine.entries.batch import ROUND
from polysynergy_nodes_content.content_engine.errors import InvalidInput

SIZE = 2 * ROUND + 500  # three rounds, the last one short


@pytest.fixture
def ledger(engine, build):
    build(engine, "ledger", [
        ("title", "text", {"maxLength": 100}, True, True),
        ("amount", "decimal", {"precision": 8, "scale": 2}, False, False),
        ("cost", "currency", {}, False, False),
        ("at", "datetime", {}, False, False),
        ("views", "integer", {}, False, False),
    ])
    return "ledger"


def count(raw, table="ledger"):
    return raw.execute(f"SELECT count(*) FROM custom.{table}").fetchone()[0]


def items(size=SIZE):
    return [{"title": f"t{i}", "amount": f"{i % 997}.{i % 100:02d}", "views": i} for i in range(size)]


def test_a_refusal_in_a_later_round_names_its_item_and_keeps_nothing(engine, ledger, raw):
    batch = items()
    batch[2 * ROUND + 7]["views"] = "many"
    with pytest.raises(InvalidInput, match=f"item {2 * ROUND + 7}: field 'views': must be a whole number") as info:
        engine.create_entries(ledger, batch)
    assert info.value.index == 2 * ROUND + 7 and info.value.field == "views"
    assert count(raw) == 0
    # The pooled connection is usable again: the next batch is stored whole.
    assert len(engine.create_entries(ledger, items())) == SIZE
    assert count(raw) == SIZE


def test_the_first_bad_item_is_reported_whichever_round_holds_a_later_one(engine, ledger, raw):
    batch = items()
    batch[ROUND + 3]["amount"] = "12.345"
    batch[ROUND + 9]["nope"] = 1
    batch[2 * ROUND + 1]["views"] = "x"
    with pytest.raises(InvalidInput, match=f"item {ROUND + 3}: field 'amount': must have at most 2 decimal places"):
        engine.create_entries(ledger, batch)
    batch[ROUND + 3]["amount"] = "12.34"
    with pytest.raises(InvalidInput, match=f"item {ROUND + 9}: unknown field 'nope'"):
        engine.create_entries(ledger, batch)
    assert count(raw) == 0


def test_a_unique_clash_across_rounds_names_the_later_item(engine, ledger, raw):
    batch = items()
    batch[2 * ROUND + 20]["title"] = batch[5]["title"]
    with pytest.raises(InvalidInput, match=f"item {2 * ROUND + 20}: field 'title': this value already exists") as info:
        engine.create_entries(ledger, batch)
    assert info.value.index == 2 * ROUND + 20
    assert count(raw) == 0


AMOUNTS = ["0", "-0", "-0.00", "0.5", "-0.50", "12", "12.5", "999999.99", "-999999.99", 7, -3, Decimal("1.10"),
           Decimal("-0.01"), " 42.1 ", "1e2", 2.5]
INSTANTS = ["2025-01-01T00:00:00Z", "2025-06-30T23:59:59.999999+00:00", "2025-03-30T02:30:00+05:30",
            "2024-02-29T12:00:00-08:00", "1999-12-31T23:59:59", "2025-01-01 10:00:00.5+01:00",
            dt.datetime(2025, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam")),
            dt.datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3, minutes=-30))),
            dt.datetime(2030, 5, 5, 5, 5, 5)]


def test_stored_values_are_the_returned_output_in_every_round(engine, ledger, raw):
    batch = []
    for i in range(SIZE):
        entry = {"title": f"t{i}", "amount": AMOUNTS[i % len(AMOUNTS)], "at": INSTANTS[i % len(INSTANTS)]}
        if i % 3:
            entry["cost"] = AMOUNTS[(i * 7) % len(AMOUNTS)]
        batch.append(entry)
    returned = engine.create_entries(ledger, batch)
    singles = [engine.create_entry(ledger, {**entry, "title": f"single {i}"})
               for i, entry in enumerate(batch[:len(AMOUNTS) * len(INSTANTS)])]
    # The output is the single write's output for the same input ...
    for single, entry in zip(singles, returned):
        assert (entry["amount"], entry["cost"], entry["at"]) == (single["amount"], single["cost"], single["at"])
    # ... and what the table holds, compared as PostgreSQL values.
    stored = {row[0]: row[1:] for row in raw.execute("SELECT id::text, amount, cost, at FROM custom.ledger")}
    for entry in returned:
        amount, cost, at = stored[entry["id"]]
        assert amount == Decimal(entry["amount"])
        assert (cost is None and entry["cost"] is None) or cost == Decimal(entry["cost"])
        assert at == dt.datetime.fromisoformat(entry["at"])
    assert returned == [engine.get_entry(ledger, e["id"]) for e in returned[:50]] + returned[50:]


def test_defaults_fill_missing_values_in_every_round(engine, build, raw):
    section = build(engine, "priced", [
        ("title", "text", {}, True, True),
        ("amount", "decimal", {"precision": 8, "scale": 2}, False, False),
        ("at", "datetime", {}, False, False),
    ], apply=False)
    fields = {f["handle"]: f for f in section["fields"]}
    engine.update_field(fields["amount"]["id"], {"default_value": "9.5"})
    engine.update_field(fields["at"]["id"], {"default_value": "2025-01-02T03:04:05+02:00"})
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    batch = [{"title": f"p{i}"} if i % 2 else {"title": f"p{i}", "amount": "1", "at": "2026-01-01T00:00:00Z"}
             for i in range(SIZE)]
    returned = engine.create_entries("priced", batch)
    assert {(e["amount"], e["at"]) for e in returned} == {("9.50", "2025-01-02T01:04:05+00:00"),
                                                          ("1.00", "2026-01-01T00:00:00+00:00")}
    stored = {row[0]: row[1:] for row in raw.execute("SELECT id::text, amount, at FROM custom.priced")}
    assert len(stored) == SIZE
    for entry in returned:
        assert stored[entry["id"]] == (Decimal(entry["amount"]), dt.datetime.fromisoformat(entry["at"]))


def test_an_upsert_with_rules_reads_every_default_before_the_copy(engine, seat_section, raw):
    """Rules see defaults of fields the items leave out; reading one while the COPY runs
    would fail (the connection is busy), so every default is read first."""
    seat_section("seats")
    batch = [{"code": f"c{i}", "sold": i % 10} for i in range(SIZE)]
    assert len(engine.create_entries("seats", batch, on_conflict="code")) == SIZE
    batch[ROUND + 1]["sold"] = 11
    with pytest.raises(InvalidInput, match=f"item {ROUND + 1}: .*cannot sell more seats than there are"):
        engine.create_entries("seats", batch, on_conflict="code")
    assert count(raw, "seats") == SIZE
    assert raw.execute("SELECT count(*) FROM custom.seats WHERE seats = 10").fetchone()[0] == SIZE


def test_only_types_that_declare_it_send_their_output_text(engine, ledger):
    with engine.pool.connection() as conn:
        model = engine.entries.models.get(conn, ledger)
    assert {h: f.output_is_stored_text for h, f in model.fields.items()} == {
        "title": False, "amount": True, "cost": True, "at": True, "views": False}
