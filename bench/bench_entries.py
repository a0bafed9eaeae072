"""Entries through the engine against hand-written psycopg, side by side on one server.

    .venv/bin/python bench/bench_entries.py            # full run (~2-4 minutes on 2 cores)
    .venv/bin/python bench/bench_entries.py --quick    # fewer repetitions, 200k rows
    .venv/bin/python bench/bench_entries.py --profile  # also cProfile the engine side
    .venv/bin/python bench/bench_entries.py --cases ab # only some cases (skips loading what they don't use)

Server: CONTENT_BENCH_DATABASE_URL, else SECTIONS_DATABASE_URL, else an embedded
PostgreSQL. A scratch database is created on that server and dropped at the end.

(a) a validated single create (engine.create_entry) vs INSERT ... RETURNING * over a
    connection from the same pool;
(b) a batch of 10,000 entries (engine.create_entries) vs COPY of the same rows;
(c) a filtered, ordered, limited query with total count on 1,000,000 rows
    (engine.query_entries) vs the same two statements written by hand, pipelined;
(d) 50 entries with two relations expanded (fields=["title", "author.name",
    "tags.label"], count="none") vs one hand-written query joining the author and
    aggregating the tags;
(e) search="kubernetes" on 1,000,000 rows with the migration's GIN index (ranked, with
    its count) vs the same full-text query and count written by hand, pipelined;
(f) count="estimated" on the query of (c) vs the page query alone, without a count.

Engine and raw runs alternate; figures are medians after a warm-up.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_server import announce, drop_scratch_database, scratch_database, server_url  # noqa: E402

from polysynergy_nodes_content.content_engine.engine import ContentEngine  # noqa: E402
from polysynergy_nodes_content.content_engine.postgres import get_pool  # noqa: E402

TARGETS = {"a": 1.5, "b": 1.5, "c": 1.2, "d": 2.0, "e": 1.5, "f": 1.2}
FIELDS = [
    ("title", "text", {"maxLength": 200}, True, True),
    ("views", "integer", {"min": 0}, False, False),
    ("price", "decimal", {"precision": 10, "scale": 2}, False, False),
    ("status", "select", {"options": ["draft", "review", "published", "archived"]}, False, False),
    ("published", "boolean", {}, False, False),
    ("published_at", "datetime", {}, False, False),
]
COLUMNS = [f[0] for f in FIELDS]
STATUSES = ["draft", "review", "published", "archived"]


def make_section(engine: ContentEngine, handle: str) -> None:
    section = engine.create_section(handle, handle)
    for name, type_handle, settings, required, unique in FIELDS:
        engine.add_field(section["id"], name, name, type_handle, settings, is_required=required, is_unique=unique)
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)


def item(i: int) -> dict:
    """Realistic variety: most values differ from row to row (no help from repetition)."""
    return {
        "title": f"Entry number {i}",
        "views": (i * 7919) % 100_000,
        "price": f"{(i * 104_729) % 10_000_000 / 100:.2f}",
        "status": STATUSES[i % 4],
        "published": i % 3 == 0,
        "published_at": (BASE_TIME + dt.timedelta(seconds=i * 37)).isoformat(),
    }


BASE_TIME = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def median_ms(values) -> float:
    return statistics.median(values) * 1000


def alternate(engine_fn, raw_fn, repetitions: int, warmup: int, between=None):
    """Run engine and raw alternately (starting side flips); return both timing lists."""
    for i in range(warmup):
        engine_fn(-1 - 2 * i)
        raw_fn(-2 - 2 * i)
        if between:
            between()
    engine_times, raw_times = [], []
    gc.collect()
    for i in range(repetitions):
        order = ((engine_fn, engine_times), (raw_fn, raw_times))
        if i % 2:
            order = order[::-1]
        for fn, times in order:
            start = time.perf_counter()
            fn(i)
            times.append(time.perf_counter() - start)
        if between:
            between()
    return engine_times, raw_times


def profile(label: str, fn, calls: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(calls):
        fn(10_000_000 + i)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print(f"\n--- profile: {label} (engine side, {calls} calls, by own time) ---")
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def bench_single(engine, pool, repetitions, do_profile):
    table = "custom.bench_single"
    insert = (f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
              "RETURNING *")

    def engine_fn(i):
        engine.create_entry("bench_single", item(i))

    def raw_fn(i):
        data = item(i + 50_000_000)
        with pool.connection() as conn:
            conn.execute(insert, [data[c] for c in COLUMNS]).fetchone()

    result = alternate(engine_fn, raw_fn, repetitions, warmup=200)
    if do_profile:
        profile("single create", lambda i: engine_fn(20_000_000 + i), 2000)
    return result


def bench_batch(engine, pool, repetitions, do_profile, size=10_000):
    batches = [[item(r * size + i) for i in range(size)] for r in range(2)]
    copy_sql = f"COPY custom.bench_batch ({', '.join(COLUMNS)}) FROM STDIN"

    def engine_fn(i):
        engine.create_entries("bench_batch", batches[0])

    def raw_fn(i):
        with pool.connection() as conn:
            with conn.cursor().copy(copy_sql) as copy:
                for row in batches[1]:
                    copy.write_row([row[c] for c in COLUMNS])

    def truncate():
        with pool.connection() as conn:
            conn.execute("TRUNCATE custom.bench_batch")

    def ids_only_fn(i):
        engine.entries.create_many("bench_batch", batches[0], return_entries=False)

    # The two sides write different titles (title is unique); truncate after each pair.
    result = alternate(engine_fn, raw_fn, repetitions, warmup=2, between=truncate)
    extra = alternate(ids_only_fn, raw_fn, max(3, repetitions // 2), warmup=1, between=truncate)
    if do_profile:
        def once(i):
            engine_fn(0)
            truncate()
        profile("batch create of 10,000", once, 3)
    return (*result, extra)


def load_big(engine, pool, rows: int) -> None:
    started = time.perf_counter()
    with pool.connection() as conn:
        conn.execute(f"""
            INSERT INTO custom.bench_query ({', '.join(COLUMNS)})
            SELECT 'Entry number ' || g, g % 1000, ((g % 500) || '.' || lpad((g % 100)::text, 2, '0'))::numeric,
                   (ARRAY['draft', 'review', 'published', 'archived'])[1 + g % 4], g % 3 = 0,
                   timestamptz '2025-01-01' + g * interval '1 minute'
            FROM generate_series(1, {rows}) AS g""")
        # Fair for both sides: an index on the filtered and ordered columns.
        conn.execute("CREATE INDEX bench_query_status_views ON custom.bench_query (status, views)")
    with psycopg.connect(engine.url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE custom.bench_query")
    print(f"loaded {rows:,} rows in {time.perf_counter() - started:.1f}s")


def bench_query(engine, pool, repetitions, do_profile):
    filters = {"status": {"_in": ["published", "review"]}, "views": {"_gte": 900}, "published": True}
    order_by = "views DESC"
    rows_sql = ("SELECT t.* FROM custom.bench_query AS t WHERE t.status = ANY(%s) AND t.views >= %s "
                "AND t.published = %s ORDER BY t.views DESC, t.id LIMIT %s OFFSET %s")
    count_sql = ("SELECT count(*) FROM custom.bench_query AS t WHERE t.status = ANY(%s) AND t.views >= %s "
                 "AND t.published = %s")
    params = (["published", "review"], 900, True)
    outcome = {}

    def engine_fn(i):
        outcome["engine"] = engine.query_entries("bench_query", filters, order_by, 50, 0)

    def raw_fn(i):
        with pool.connection() as conn:
            with conn.pipeline():
                rows = conn.execute(rows_sql, (*params, 50, 0))
                count = conn.cursor().execute(count_sql, params)
            outcome["raw"] = (rows.fetchall(), count.fetchone()[0])

    result = alternate(engine_fn, raw_fn, repetitions, warmup=10)
    got, raw = outcome["engine"], outcome["raw"]
    assert got["total_count"] == raw[1], (got["total_count"], raw[1])
    assert [e["id"] for e in got["entries"]] == [str(r[0]) for r in raw[0]], "engine and raw rows differ"
    print(f"query: {len(got['entries'])} rows of {got['total_count']:,} matching")
    if do_profile:
        profile("query on the big table", engine_fn, 50)
    return result


def make_relation_sections(engine: ContentEngine) -> None:
    for handle, fields in (
        ("bench_people", [("name", "text", {}, True, False)]),
        ("bench_tags", [("label", "text", {}, True, False)]),
        ("bench_posts", [("title", "text", {}, True, False),
                         ("author", "relation", {"targetSection": "bench_people"}, False, False),
                         ("tags", "relation", {"targetSection": "bench_tags", "allowMultiple": True}, False, False)]),
    ):
        section = engine.create_section(handle, handle)
        for name, type_handle, settings, required, unique in fields:
            engine.add_field(section["id"], name, name, type_handle, settings, is_required=required, is_unique=unique)
        engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    people = engine.create_entries("bench_people", [{"name": f"Person {i}"} for i in range(200)])
    tags = engine.create_entries("bench_tags", [{"label": f"tag-{i}"} for i in range(100)])
    engine.create_entries("bench_posts", [
        {"title": f"Post {i}", "author": people[i % 200]["id"],
         "tags": [tags[(i * 7 + k) % 100]["id"] for k in range(3)]} for i in range(5_000)])
    with psycopg.connect(engine.url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE custom.bench_posts")
        conn.execute("VACUUM ANALYZE custom.bench_posts_tags")


def bench_relations(engine, pool, repetitions):
    fields = ["title", "author.name", "tags.label"]
    raw_sql = (
        "SELECT p.id, p.title, a.id, a.name, (SELECT array_agg(ROW(t.id, t.label) ORDER BY j.sort_order, j.created_at) "
        "FROM custom.bench_posts_tags j JOIN custom.bench_tags t ON t.id = j.target_id WHERE j.source_id = p.id) "
        "FROM custom.bench_posts p LEFT JOIN custom.bench_people a ON a.id = p.author "
        "ORDER BY p.created_at DESC, p.id LIMIT 50")
    outcome = {}

    def engine_fn(i):
        outcome["engine"] = engine.query_entries("bench_posts", fields=fields, limit=50, count="none")

    def raw_fn(i):
        with pool.connection() as conn:
            outcome["raw"] = conn.execute(raw_sql).fetchall()

    result = alternate(engine_fn, raw_fn, repetitions, warmup=20)
    got, raw = outcome["engine"]["entries"], outcome["raw"]
    assert [e["id"] for e in got] == [str(r[0]) for r in raw], "engine and raw rows differ"
    assert all(len(e["tags"]) == 3 and e["author"]["name"] for e in got)
    return result


def load_search(engine, pool, rows: int) -> None:
    started = time.perf_counter()
    section = engine.create_section("bench_search", "bench_search")
    engine.add_field(section["id"], "title", "title", "text", {}, is_required=True)
    engine.add_field(section["id"], "body", "body", "textarea", {})
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    with pool.connection() as conn:
        conn.execute(f"""
            INSERT INTO custom.bench_search (title, body)
            SELECT 'Report ' || g,
                   (ARRAY['cloud', 'garden', 'river', 'engine', 'market', 'winter', 'signal', 'paper'])[1 + g % 8]
                   || ' ' || md5(g::text) || ' ' ||
                   CASE WHEN g % 1000 = 0 THEN 'kubernetes cluster notes' ELSE 'plain notes' END
            FROM generate_series(1, {rows}) AS g""")
    engine.update_section("bench_search", {"search_fields": ["title", "body"]})
    engine.apply_migration(engine.plan_migration("bench_search")["id"], confirm=True)  # the GIN index
    with psycopg.connect(engine.url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE custom.bench_search")
    print(f"search table: {rows:,} rows and its GIN index in {time.perf_counter() - started:.1f}s")


def bench_search(engine, pool, repetitions):
    document = ("to_tsvector('simple'::regconfig, coalesce(t.title, '') || ' ' || coalesce(t.body, ''))")
    query = "websearch_to_tsquery('simple'::regconfig, %s)"
    rows_sql = (f"SELECT t.* FROM custom.bench_search AS t WHERE {document} @@ {query} "
                f"ORDER BY ts_rank({document}, {query}) DESC, t.created_at DESC, t.id LIMIT 50")
    count_sql = f"SELECT count(*) FROM custom.bench_search AS t WHERE {document} @@ {query}"
    outcome = {}

    def engine_fn(i):
        outcome["engine"] = engine.query_entries("bench_search", search="kubernetes", limit=50)

    def raw_fn(i):
        with pool.connection() as conn:
            with conn.pipeline():
                rows = conn.execute(rows_sql, ("kubernetes", "kubernetes"))
                count = conn.cursor().execute(count_sql, ("kubernetes",))
            outcome["raw"] = (rows.fetchall(), count.fetchone()[0])

    result = alternate(engine_fn, raw_fn, repetitions, warmup=5)
    got, raw = outcome["engine"], outcome["raw"]
    assert got["total_count"] == raw[1] and len(got["entries"]) == min(50, raw[1])
    assert [e["id"] for e in got["entries"]] == [str(r[0]) for r in raw[0]], "engine and raw rows differ"
    return result


def bench_estimated(engine, pool, repetitions):
    filters = {"status": {"_in": ["published", "review"]}, "views": {"_gte": 900}, "published": True}
    rows_sql = ("SELECT t.* FROM custom.bench_query AS t WHERE t.status = ANY(%s) AND t.views >= %s "
                "AND t.published = %s ORDER BY t.views DESC, t.id LIMIT %s OFFSET %s")
    params = (["published", "review"], 900, True)
    outcome = {}

    def engine_fn(i):
        outcome["engine"] = engine.query_entries("bench_query", filters, "views DESC", 50, 0, count="estimated")

    def raw_fn(i):
        with pool.connection() as conn:
            outcome["raw"] = conn.execute(rows_sql, (*params, 50, 0)).fetchall()

    result = alternate(engine_fn, raw_fn, repetitions, warmup=10)
    assert [e["id"] for e in outcome["engine"]["entries"]] == [str(r[0]) for r in outcome["raw"]]
    print(f"estimated count: {outcome['engine']['total_count']:,}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and 200k rows")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine side of each case")
    parser.add_argument("--rows", type=int, default=None, help="rows for the query case (default 1,000,000)")
    parser.add_argument("--cases", default="abcdef", help="which cases to run, e.g. 'b' or 'ab' (default all)")
    args = parser.parse_args()
    cases = set(args.cases.lower())
    reps_single, reps_batch, reps_query = (300, 5, 21) if args.quick else (2000, 15, 101)
    rows = args.rows or (200_000 if args.quick else 1_000_000)

    server, _embedded = server_url()
    name, url = scratch_database(server, "content_bench")
    announce(url, name)
    started = time.perf_counter()
    try:
        engine = ContentEngine(url)
        engine.install()
        for handle in ("bench_single", "bench_batch", "bench_query"):
            make_section(engine, handle)
        pool = get_pool(url)  # the engine's own pool: both sides pay the same checkout
        if cases & set("cef"):
            load_big(engine, pool, rows)
        if "d" in cases:
            make_relation_sections(engine)
        if "e" in cases:
            load_search(engine, pool, rows)
        batch = bench_batch(engine, pool, reps_batch, args.profile) if "b" in cases else None
        runs = {
            "a": ("single create (validated)", "INSERT ... RETURNING *",
                  lambda: bench_single(engine, pool, reps_single, args.profile)),
            "b": ("batch create 10,000 (entries returned)", "COPY", lambda: batch[:2]),
            "c": (f"query {rows:,} rows: filter+order+limit+count", "same SQL, pipelined",
                  lambda: bench_query(engine, pool, reps_query, args.profile)),
            "d": ("50 entries, two relations expanded", "one query: join + array_agg",
                  lambda: bench_relations(engine, pool, reps_query)),
            "e": (f"search on {rows:,} rows (GIN), ranked+count", "same full-text SQL, pipelined",
                  lambda: bench_search(engine, pool, reps_query)),
            "f": (f"count=estimated, query on {rows:,} rows", "the page query, no count",
                  lambda: bench_estimated(engine, pool, reps_query)),
        }
        results = {key: (label, raw_label, *run()) for key, (label, raw_label, run) in runs.items()
                   if key in cases}
        print()
        print(f"{'case':<48} {'engine ms':>10} {'raw ms':>9} {'ratio':>6} {'target':>7}  met  (reps)  raw side")
        for key, (label, raw_label, eng, raw) in results.items():
            e_ms, r_ms = median_ms(eng), median_ms(raw)
            ratio = e_ms / r_ms
            met = "yes" if ratio <= TARGETS[key] else "NO"
            print(f"({key}) {label:<44} {e_ms:>10.3f} {r_ms:>9.3f} {ratio:>6.2f} {'<= ' + str(TARGETS[key]):>7}  "
                  f"{met:<4} ({len(eng)})  {raw_label}")
        if batch:
            eng, raw = batch[2]
            print(f"(b') batch create 10,000 (ids only, info)      {median_ms(eng):>10.3f} {median_ms(raw):>9.3f} "
                  f"{median_ms(eng) / median_ms(raw):>6.2f}       -   -    ({len(eng)})  COPY; "
                  "EntryService.create_many(..., return_entries=False)")
        print(f"\ntotal time {time.perf_counter() - started:.0f}s")
    finally:
        drop_scratch_database(server, name)


if __name__ == "__main__":
    main()
