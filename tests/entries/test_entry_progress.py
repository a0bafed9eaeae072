"""Progress of long work: an online type change reports each step and every backfill
batch to the library callback and to the log (what the MigrationApply node shows)."""

from __future__ import annotations

import logging


def test_online_type_change_reports_progress(engine, build, caplog):
    section = build(engine, "tallies", [("n", "integer", {}, False, False)])
    engine.create_entries("tallies", [{"n": i} for i in range(12_000)])
    field = next(f for f in section["fields"] if f["handle"] == "n")
    engine.update_field(field["id"], {"field_type_handle": "number"})
    plan = engine.plan_migration(section["id"])
    assert "content_backfill" in plan["sql"]
    events = []
    with caplog.at_level(logging.INFO, logger="polysynergy_nodes_content.migrations"):
        engine.apply_migration(plan["id"], progress=events.append)
    backfill = [e["rows"] for e in events if "rows" in e]
    assert len(backfill) >= 2 and backfill == sorted(backfill) and backfill[-1] == 12_000
    steps = [e for e in events if "step" in e]
    assert steps and all(1 <= e["step"] <= e["steps"] for e in steps)
    logged = [r.getMessage() for r in caplog.records if r.name == "polysynergy_nodes_content.migrations"]
    assert "migration backfill: 12000 rows converted" in logged
    assert any(m.startswith("migration step ") for m in logged)
