"""Entry writes with history capture on and off, side by side on one server.

    .venv/bin/python bench/bench_history.py           # full run
    .venv/bin/python bench/bench_history.py --quick   # fewer repetitions

Two sections with the same fields (those of bench_entries), one recording history (the
default) and one with ``history: false``; the same engine calls run alternately on each:

(a) a single create (engine.create_entry);
(b) a single update of one field (engine.update_entry);
(c) a batch create of 10,000 entries (engine.create_entries);
(d) a bulk update of 100,000 entries (engine.update_entries, confirm=True).

Then the bytes the history table (with its indexes) holds per recorded change, and
(e) ``entry_history`` of an entry with 1,000 versions among ``--history-rows`` recorded
changes of other entries (issue 21: under 20 ms with 10,000,000).
Figures are medians after a warm-up; targets from issue 21.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_entries import FIELDS, alternate, item, median_ms  # noqa: E402
from bench_server import announce, drop_scratch_database, scratch_database, server_url  # noqa: E402

from polysynergy_nodes_content.content_engine.engine import ContentEngine  # noqa: E402

TARGETS = {"a": 1.15, "b": 1.15, "c": 1.3, "d": 1.5}
BULK_ROWS = 100_000


def make_section(engine: ContentEngine, handle: str, history: bool) -> None:
    section = engine.create_section(handle, handle)
    for name, type_handle, settings, required, unique in FIELDS:
        engine.add_field(section["id"], name, name, type_handle, settings, is_required=required, is_unique=unique)
    engine.update_section(section["id"], {"history": history})
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)


def bench_single(engine, reps: int):
    return alternate(lambda i: engine.create_entry("on_single", item(10_000_000 + i)),
                     lambda i: engine.create_entry("off_single", item(10_000_000 + i)), reps, 20)


def bench_update(engine, reps: int):
    ids = {h: engine.create_entry(h, item(1))["id"] for h in ("on_single", "off_single")}
    return alternate(lambda i: engine.update_entry("on_single", ids["on_single"], {"views": abs(i)}),
                     lambda i: engine.update_entry("off_single", ids["off_single"], {"views": abs(i)}), reps, 20)


def bench_batch(engine, reps: int, size: int = 10_000):
    def batch(handle):
        return lambda i: engine.create_entries(handle, [item(20_000_000 + (i + 10) * size + j) for j in range(size)])

    return alternate(batch("on_batch"), batch("off_batch"), reps, 1)


def load(engine, handle: str, rows: int) -> None:
    for start in range(0, rows, 10_000):
        engine.create_entries(handle, [item(start + j) for j in range(10_000)])
    with psycopg.connect(engine.url, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE custom.{handle}")  # fixed bench names


def bench_bulk(engine, reps: int):
    def bulk(handle):
        return lambda i: engine.update_entries(handle, {"views": {"_gte": 0}}, {"status": ["draft", "review"][i % 2]},
                                               confirm=True)

    return alternate(bulk("on_bulk"), bulk("off_bulk"), reps, 1)


def bench_read(engine, rows: int, reps: int) -> list:
    """Fill the history with ``rows`` synthetic changes of other entries, give one entry
    1,000 versions, then time entry_history (newest 50 versions, with their changes)."""
    entry = engine.create_entry("on_single", item(90_000_000))
    for i in range(999):
        engine.update_entry("on_single", entry["id"], {"views": i})
    with psycopg.connect(engine.url, autocommit=True) as conn:
        section_id, map_id = conn.execute("SELECT section_id, map_id FROM public.content_history "
                                          "WHERE entry_id = %s LIMIT 1", (entry["id"],)).fetchone()
        for start in range(0, rows, 500_000):
            conn.execute("INSERT INTO public.content_history (section_id, entry_id, op, run_id, context, map_id, data) "
                         "SELECT %s, gen_random_uuid()::text, 'update', NULL, '{\"source\": \"sql\"}', %s, "
                         "jsonb_build_object('views', g) FROM generate_series(1, %s) g",
                         (section_id, map_id, min(500_000, rows - start)))
        conn.execute("VACUUM ANALYZE public.content_history")
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        found = engine.entry_history("on_single", entry["id"])
        times.append(time.perf_counter() - started)
    assert len(found["versions"]) == 50
    return times


def history_bytes(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_total_relation_size('public.content_history'), "
                            "(SELECT count(*) FROM public.content_history)").fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--cases", default="abcde", help="which cases to run (default all)")
    parser.add_argument("--history-rows", type=int, default=1_000_000,
                        help="recorded changes of other entries for case (e) (issue 21 asks 10,000,000)")
    args = parser.parse_args()
    cases = set(args.cases.lower())
    reps_single, reps_batch, reps_bulk = (200, 5, 3) if args.quick else (1000, 11, 5)
    server, _embedded = server_url()
    name, url = scratch_database(server, "content_bench_history")
    announce(url, name)
    started = time.perf_counter()
    try:
        engine = ContentEngine(url)
        engine.install()
        for kind in ("single", "batch", "bulk"):
            make_section(engine, f"on_{kind}", True)
            make_section(engine, f"off_{kind}", False)
        results = {}
        if "a" in cases:
            results["a"] = ("single create", *bench_single(engine, reps_single))
        if "b" in cases:
            results["b"] = ("single update", *bench_update(engine, reps_single))
        if "c" in cases:
            results["c"] = ("batch create 10,000", *bench_batch(engine, reps_batch))
        if "d" in cases:
            load(engine, "on_bulk", BULK_ROWS)
            load(engine, "off_bulk", BULK_ROWS)
            results["d"] = (f"bulk update {BULK_ROWS:,}", *bench_bulk(engine, reps_bulk))
        print()
        print(f"{'case':<28} {'history on ms':>14} {'off ms':>10} {'ratio':>6} {'target':>8}  met  (reps)")
        for key, (label, on, off) in results.items():
            ratio = median_ms(on) / median_ms(off)
            met = "yes" if ratio <= TARGETS[key] else "NO"
            print(f"({key}) {label:<24} {median_ms(on):>14.3f} {median_ms(off):>10.3f} {ratio:>6.2f} "
                  f"{'<= ' + str(TARGETS[key]):>8}  {met:<4} ({len(on)})")
        size, count = history_bytes(url)
        if count:
            print(f"\nhistory: {count:,} recorded changes, {size / count:.0f} bytes each (table and indexes)")
        if "e" in cases:
            read = bench_read(engine, args.history_rows, 101)
            total = history_bytes(url)[1]
            print(f"(e) entry_history, 1,000 versions, {total:,} history rows: {median_ms(read):.2f} ms median "
                  f"(target < 20 ms)")
        print(f"total time {time.perf_counter() - started:.0f}s")
    finally:
        drop_scratch_database(server, name)


if __name__ == "__main__":
    main()
