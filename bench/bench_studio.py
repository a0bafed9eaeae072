"""The studio's table view against the hand-written SQL for the same page, on 1,000,000 rows.

    .venv/bin/python bench/bench_studio.py              # 1,000,000 rows (~1-2 minutes on 2 cores)
    .venv/bin/python bench/bench_studio.py --rows 100000 --repetitions 10

Server: CONTENT_BENCH_DATABASE_URL, else SECTIONS_DATABASE_URL, else an embedded
PostgreSQL; a scratch database is created there and dropped at the end.

For each page, three figures (medians after a warm-up, sides alternating):
- studio: the server-side work of the page, as the route runs it: section lookups,
  descriptor, query through ``ContentEngine.query_entries`` (rows + total count), the
  batched title lookup of the relation column, and the Jinja render of the HTML;
- raw: the same page's data written by hand with psycopg (rows, count, titles;
  pipelined), no HTML;
- http: one GET of the page from the running studio (uvicorn, bearer token), info only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_server import drop_scratch_database, scratch_database, server_url  # noqa: E402
from polysynergy_nodes_content.content_engine.engine import ContentEngine  # noqa: E402
from polysynergy_nodes_content.studio.pages import environment  # noqa: E402
from polysynergy_nodes_content.studio.routes_entries import table_page_data  # noqa: E402

TOKEN = "bench-token"
PAGES = {
    "first page (created_at DESC, 25 rows)": ({}, "t.created_at DESC, t.id", "TRUE", []),
    "filtered (rating >= 50, status = published; rating DESC)": (
        {"op.rating": "_gte", "q.rating": "50", "op.status": "_eq", "q.status": "published", "sort": "rating",
         "dir": "desc"},
        "t.rating DESC, t.id", "t.rating >= %s AND t.status = %s", [50, "published"]),
}


def build(engine: ContentEngine, rows: int) -> None:
    companies = engine.create_section("bench_companies", "Companies")
    engine.add_field(companies["id"], "name", "Name", "text", {"maxLength": 100}, is_required=True)
    engine.apply_migration(engine.plan_migration(companies["id"])["id"], confirm=True)
    engine.create_entries("bench_companies", [{"name": f"Company {i:04d}"} for i in range(1000)])
    articles = engine.create_section("bench_articles", "Articles")
    for handle, kind, settings in (("title", "text", {"maxLength": 200}), ("rating", "integer", {"min": 0}),
                                   ("status", "select", {"options": ["draft", "published", "archived"]}),
                                   ("company", "relation", {"targetSection": "bench_companies"}),
                                   ("published_at", "datetime", {})):
        engine.add_field(articles["id"], handle, handle.title(), kind, settings)
    engine.apply_migration(engine.plan_migration(articles["id"])["id"], confirm=True)
    started = time.perf_counter()
    with psycopg.connect(engine.url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO custom.bench_articles (title, rating, status, company, published_at, created_at) "
            "SELECT 'Article ' || i, (i::bigint * 7919) %% 101, (ARRAY['draft','published','archived'])[1 + i %% 3], "
            "(SELECT array_agg(id ORDER BY name) FROM custom.bench_companies)[1 + (i::bigint * 31) %% 1000], "
            "timestamptz '2025-01-01' + i * interval '37 seconds', timestamptz '2024-01-01' + i * interval '1 second' "
            "FROM generate_series(1, %s) AS i", (rows,))
        conn.execute("CREATE INDEX ON custom.bench_articles (rating)")
        conn.execute("VACUUM ANALYZE custom.bench_articles")
    print(f"loaded {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


def studio_page(engine, params) -> str:
    data = table_page_data(engine, "bench_articles", params)
    return environment.get_template("table.html").render(csrf_token="", messages=[], path="/", request=None, **data)


def raw_page(pool, order: str, where: str, args: list):
    with pool.connection() as conn:
        rows_sql = ("SELECT id, title, rating, status, company, published_at, created_at, updated_at "
                    f"FROM custom.bench_articles t WHERE {where} ORDER BY {order} LIMIT 25 OFFSET 0")
        with conn.pipeline():
            rows_cur = conn.execute(rows_sql, args)
            count_cur = conn.cursor().execute(f"SELECT count(*) FROM custom.bench_articles t WHERE {where}", args)
        rows = rows_cur.fetchall()
        total = count_cur.fetchone()[0]
        ids = list({r[4] for r in rows if r[4]})
        titles = dict(conn.execute("SELECT id, name FROM custom.bench_companies WHERE id = ANY(%s)", (ids,)).fetchall())
        return rows, total, titles


def serve(engine, port: int):
    import uvicorn

    from polysynergy_nodes_content.studio.server import create_app

    config = uvicorn.Config(create_app(engine, TOKEN), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def http_page(port: int, params: dict) -> int:
    from urllib.parse import urlencode

    request = urllib.request.Request(f"http://127.0.0.1:{port}/sections/bench_articles/entries?{urlencode(params)}",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return len(response.read())


def timed(fn, repetitions: int) -> list[float]:
    out = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repetitions", type=int, default=20)
    args = parser.parse_args()
    url, _embedded = server_url()
    name, db_url = scratch_database(url, "studio_bench")
    try:
        engine = ContentEngine(db_url)
        engine.install()
        build(engine, args.rows)
        from polysynergy_nodes_content.studio.server import free_port

        port = free_port("127.0.0.1")
        server = serve(engine, port)
        print(f"\n| page ({args.rows:,} rows) | studio ms | raw SQL ms | ratio | http GET ms |")
        print("|---|---:|---:|---:|---:|")
        for label, (params, order, where, values) in PAGES.items():
            html = studio_page(engine, params)
            rows, total, titles = raw_page(engine.pool, order, where, values)
            assert f">{total:,}".replace(",", "") in html.replace(",", "") or str(total) in html, "counts differ"
            assert all(title in html for title in titles.values()), "related titles missing"
            for _ in range(3):  # warm-up
                studio_page(engine, params)
                raw_page(engine.pool, order, where, values)
                http_page(port, params)
            studio, raw = [], []
            for i in range(args.repetitions):
                pair = [(lambda: studio_page(engine, params), studio), (lambda: raw_page(engine.pool, order, where,
                                                                                           values), raw)]
                for fn, bucket in (pair if i % 2 == 0 else pair[::-1]):
                    bucket.extend(timed(fn, 1))
            http = timed(lambda: http_page(port, params), args.repetitions)
            s, r, h = (statistics.median(x) * 1000 for x in (studio, raw, http))
            print(f"| {label} | {s:.1f} | {r:.1f} | {s / r:.2f} | {h:.1f} |", flush=True)
        server.should_exit = True
    finally:
        drop_scratch_database(url, name)


if __name__ == "__main__":
    main()
