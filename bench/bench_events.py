"""Content events: write overhead, webhook delivery rate and latency, beside a baseline.

    .venv/bin/python bench/bench_events.py            # full run
    .venv/bin/python bench/bench_events.py --quick    # fewer repetitions and commits
    .venv/bin/python bench/bench_events.py --cases b  # only some cases
    .venv/bin/python bench/bench_events.py --cases a --repetitions 31  # more repetitions of (a) and (b)
    .venv/bin/python bench/bench_events.py --cases b --workers 2       # two worker processes at once

Server: CONTENT_BENCH_DATABASE_URL, else SECTIONS_DATABASE_URL, else an embedded
PostgreSQL. A scratch database is created on that server and dropped at the end. The
receiver is a small asyncio HTTP/1.1 server in a process of its own (keep-alive, answers
200 with an empty body, notes when each request's first byte arrived).

(a) a batch of 10,000 entries (engine.create_entries) on a section recording history with
    no subscription vs the same on a section with one active subscription (alternately);
(b) webhook delivery, events/s: 10,000 events spread over 1,000 entries (and over 100:
    per-entry order lets a claim take one event per entry) delivered by the engine's
    worker (``run(once=True)`` in a process of its own, or ``--workers`` of them at once,
    started before the clock; events made beforehand) vs the same signed JSON bodies
    POSTed by a plain aiohttp session with the same concurrency (no database), alternately;
    making the 10,000 events from the history is timed on its own;
(c) commit to the receiver's first byte, one event at a time: a worker process waiting on
    LISTEN vs a hand-written listener process (INSERT + pg_notify in the writing
    transaction, the listener POSTs the row on the notification), commits alternating.

Figures are medians after a warm-up; targets from issue 22.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_entries import FIELDS, alternate, item, median_ms  # noqa: E402
from bench_server import announce, drop_scratch_database, scratch_database, server_url  # noqa: E402

from polysynergy_nodes_content.content_engine.engine import ContentEngine  # noqa: E402
from polysynergy_nodes_content.content_engine.settings import EngineSettings  # noqa: E402

SECRET = "bench-secret-0123456789abcdef"
EVENTS = 10_000
CONCURRENCY = 16  # the worker's default
TARGETS = {"a": 1.05, "b": 2000.0, "c50": 50.0, "c99": 250.0}
RAW_CHANNEL = "bench_events_raw"


# --- the receiver (its own process) ---------------------------------------------------------

class _Receiver(asyncio.Protocol):
    """HTTP/1.1 with Content-Length bodies, pipelining-safe. POST: count it, note the first
    byte's time per entry id; GET /stats: the counts and times as JSON; POST /reset: clear."""

    stats = {"count": 0, "first": {}}

    def connection_made(self, transport):
        self.transport, self.buffer, self.started = transport, b"", None

    def data_received(self, data):
        if not self.buffer and self.started is None:
            self.started = time.monotonic()
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < head_end + 4 + length:
                return
            body = self.buffer[head_end + 4:head_end + 4 + length]
            self.buffer = self.buffer[head_end + 4 + length:]
            self._answer(head.split(" ", 2)[:2], body, self.started)
            self.started = time.monotonic() if self.buffer else None

    def _answer(self, request_line, body, started):
        method, path = request_line
        answer = b""
        if method == "GET" and path == "/stats":
            answer = json.dumps(self.stats).encode()
        elif path == "/reset":
            _Receiver.stats = {"count": 0, "first": {}}
        else:
            self.stats["count"] += 1
            entry_id = json.loads(body).get("entry_id")
            self.stats["first"].setdefault(entry_id, started)
        self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))


def run_receiver() -> None:
    async def serve():
        server = await asyncio.get_running_loop().create_server(_Receiver, "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    asyncio.run(serve())


# --- the listeners of case (c) (their own processes) -----------------------------------------

def run_worker(url: str) -> None:
    engine = ContentEngine(url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))
    worker = engine.events_worker(worker_id="bench-worker")
    print("ready", flush=True)
    worker.run()


def run_once_worker(url: str, worker_id: str) -> None:
    """(b) with several workers: per line read, one ``run(once=True)``; prints what it delivered."""
    engine = ContentEngine(url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))
    worker = engine.events_worker(worker_id=worker_id)
    print("ready", flush=True)
    for _ in sys.stdin:
        print(worker.run(once=True)["delivered"], flush=True)


def run_raw_listener(url: str, target: str) -> None:
    """The hand-written floor: LISTEN, then on each notification read the row and POST it."""
    client = httpx.Client()
    with psycopg.connect(url, autocommit=True) as listen, psycopg.connect(url, autocommit=True) as read:
        listen.execute(f"LISTEN {RAW_CHANNEL}")
        print("ready", flush=True)
        for notice in listen.notifies():
            body = read.execute("SELECT payload FROM bench_raw_events WHERE id = %s", (notice.payload,)).fetchone()[0]
            client.post(target, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


# --- the bench -----------------------------------------------------------------------------

def start(*args: str, stdin: bool = False) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True,
                               stdin=subprocess.PIPE if stdin else None)
    return process, process.stdout.readline().strip()


def make_section(engine: ContentEngine, handle: str) -> None:
    section = engine.create_section(handle, handle)
    for name, type_handle, settings, required, unique in FIELDS:
        engine.add_field(section["id"], name, name, type_handle, settings, is_required=required, is_unique=unique)
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)


def bench_write(engine, reps: int, size: int = 10_000):
    """(a): history alone vs history with one active (pull) subscription on the section."""
    make_section(engine, "hist_only")
    make_section(engine, "hist_sub")
    engine.create_subscription("write_overhead", ["hist_sub"])

    def batch(handle):
        return lambda i: engine.create_entries(handle, [item(20_000_000 + (i + 10) * size + j) for j in range(size)])

    try:
        return alternate(batch("hist_sub"), batch("hist_only"), reps, 1)
    finally:
        engine.delete_subscription("write_overhead", confirm=True)


def write_changes(engine, handle: str, entries: int) -> None:
    """``EVENTS`` changes over ``entries`` entries: the creates, then bulk updates of all."""
    engine.create_entries(handle, [item(30_000_000 + j) for j in range(entries)])
    for round_ in range(EVENTS // entries - 1):
        engine.update_entries(handle, {"views": {"_gte": 0}}, {"views": round_}, confirm=True)


def event_bodies(engine, name: str) -> list[bytes]:
    """The bodies the worker sends (as claims show them), for the baseline."""
    from polysynergy_nodes_content.content_engine.events import queue, subscriptions

    with engine.connection() as conn:
        record = subscriptions.load(engine, conn, name)
        rows = conn.execute("SELECT seq, attempts, payload FROM public.content_events WHERE subscription_id = %s "
                            "ORDER BY seq", (record["id"],)).fetchall()
    return [json.dumps(queue.shown(record, seq, 1, payload), separators=(",", ":"), ensure_ascii=False).encode()
            for seq, _, payload in rows]


def raw_send(target: str, bodies: list[bytes]) -> None:
    """The baseline: a plain aiohttp session, the same number of connections and POSTs in
    flight, signed by hand, no database."""
    async def send_all() -> None:
        connector = aiohttp.TCPConnector(limit=CONCURRENCY, limit_per_host=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector) as session:
            async def post(body: bytes) -> None:
                stamp = int(time.time())
                mac = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
                async with session.post(target, data=body, allow_redirects=False, headers={
                        "Content-Type": "application/json", "X-Content-Event-Timestamp": str(stamp),
                        "X-Content-Event-Signature": f"v1={mac}", "X-Content-Event-Id": "x"}) as response:
                    await response.read()
                    assert response.status == 200

            await asyncio.gather(*(post(body) for body in bodies))

    asyncio.run(send_all())


def receiver_stats(base: str) -> dict:
    return httpx.get(f"{base}/stats").json()


def bench_delivery(engine, url: str, base: str, entries: int, reps: int, workers: int) -> dict:
    """(b) for one spread of 10,000 events: fan-out time, then delivery (``workers`` worker
    processes at once) alternating with raw."""
    handle, name = f"spread_{entries}", f"deliver_{entries}"
    make_section(engine, handle)
    engine.create_subscription(name, [handle], target={"url": f"{base}/hook", "secret": SECRET})
    write_changes(engine, handle, entries)
    made, fan_out, deadline = 0, 0.0, time.monotonic() + 60
    while made < EVENTS and time.monotonic() < deadline:  # the safe bound waits for older transactions
        started = time.perf_counter()
        count = engine.make_events()
        if count:
            made, fan_out = made + count, fan_out + time.perf_counter() - started
    assert made == EVENTS, made
    bodies = event_bodies(engine, name)
    processes = [start("--once-worker", url, f"bench-{n}", stdin=True)[0] for n in range(workers)]
    delivered = []

    def ours(i):
        for process in processes:  # the workers are started and ready: only the delivery is timed
            process.stdin.write("go\n")
            process.stdin.flush()
        delivered.append(sum(int(process.stdout.readline()) for process in processes))

    def replay():  # the warm-up delivers the events as made; after each round all are sent again
        engine.replay_events(name, from_seq=1)

    try:
        ours_times, raw_times = alternate(ours, lambda i: raw_send(f"{base}/hook", bodies), reps, 1, between=replay)
    finally:
        for process in processes:
            process.stdin.close()
            process.wait(30)
        engine.delete_subscription(name, confirm=True)
    assert all(d == EVENTS for d in delivered), delivered
    return {"fan_out": fan_out, "ours": ours_times, "raw": raw_times}


def bench_latency(engine, url: str, base: str, commits: int, spacing: float) -> tuple[list, list]:
    """(c): per commit, the time until the receiver saw the first byte of its event."""
    make_section(engine, "latency")
    engine.create_subscription("latency", ["latency"], target={"url": f"{base}/hook", "secret": SECRET})
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_raw_events (id text PRIMARY KEY, payload jsonb NOT NULL)")
    worker, _ = start("--worker", url)
    raw, _ = start("--raw-listener", url, f"{base}/hook")
    ours_at, raw_at = {}, {}
    try:
        with psycopg.connect(url) as conn:
            for i in range(commits + 5):  # the first five warm up
                entry = engine.create_entry("latency", item(40_000_000 + i))
                ours_at[entry["id"]] = time.monotonic()
                time.sleep(spacing / 2)  # spaces the commits apart (not a synchronisation)
                raw_id = f"raw-{i}"
                conn.execute("INSERT INTO bench_raw_events VALUES (%s, %s)",
                             (raw_id, json.dumps({"entry_id": raw_id, "entry": item(i)})))
                conn.execute("SELECT pg_notify(%s, %s)", (RAW_CHANNEL, raw_id))
                conn.commit()
                raw_at[raw_id] = time.monotonic()
                time.sleep(spacing / 2)
        deadline = time.monotonic() + 60
        while True:
            first = receiver_stats(base)["first"]
            if all(k in first for k in [*ours_at, *raw_at]) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for process in (worker, raw):
            process.terminate()
            process.wait(30)
    missing = [k for k in [*ours_at, *raw_at] if k not in first]
    assert not missing, f"{len(missing)} events never arrived"
    ours = [first[k] - t for k, t in list(ours_at.items())[5:]]
    raws = [first[k] - t for k, t in list(raw_at.items())[5:]]
    return ours, raws


def percentile_ms(values: list, p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and commits")
    parser.add_argument("--cases", default="abc", help="which cases to run (default all)")
    parser.add_argument("--repetitions", type=int, help="repetitions of (a) and (b) (default 11 and 5; 5 and 2 quick)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes delivering at once in (b) (default 1)")
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--once-worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--raw-listener", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        return run_receiver()
    if args.worker:
        return run_worker(args.worker)
    if args.raw_listener:
        return run_raw_listener(*args.raw_listener)
    if args.once_worker:
        return run_once_worker(*args.once_worker)
    cases = set(args.cases.lower())
    reps_write, reps_deliver, commits = (5, 2, 100) if args.quick else (11, 5, 200)
    if args.repetitions:
        reps_write = reps_deliver = args.repetitions
    server, _embedded = server_url()
    name, url = scratch_database(server, "content_bench_events")
    announce(url, name)
    print(f"load average at start: {load_average()}")
    receiver, port = start("--receiver")
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    rows = []
    try:
        engine = ContentEngine(url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))
        engine.install()
        if "a" in cases:
            sub, alone = bench_write(engine, reps_write)
            ratio = median_ms(sub) / median_ms(alone)
            rows.append(("(a) batch 10,000, one subscription vs history alone, ms", f"{median_ms(sub):.1f}",
                         f"{median_ms(alone):.1f}", f"{ratio:.2f}", "<= 1.05", ratio <= TARGETS["a"]))
        if "b" in cases:
            for entries in (1000, 100):
                result = bench_delivery(engine, url, base, entries, reps_deliver, args.workers)
                ours = EVENTS / statistics.median(result["ours"])
                raw = EVENTS / statistics.median(result["raw"])
                label = f"(b) delivery, 10,000 events over {entries:,} entries, {args.workers} worker(s), events/s"
                rows.append((label, f"{ours:,.0f}", f"{raw:,.0f}", f"{ours / raw:.2f}", ">= 2,000",
                             ours >= TARGETS["b"]))
                with_fan_out = EVENTS / (statistics.median(result["ours"]) + result["fan_out"])
                print(f"(b) {entries} entries: ours {ours:,.0f}/s, baseline {raw:,.0f}/s, making the events "
                      f"{result['fan_out']:.2f} s (load {load_average()})", flush=True)
                rows.append((f"    making the events ({result['fan_out'] * 1000:,.0f} ms), then delivery, events/s",
                             f"{with_fan_out:,.0f}", "-", "-", "-", None))
        if "c" in cases:
            ours, raws = bench_latency(engine, url, base, commits, 0.05 if args.quick else 0.1)
            for p, key, limit in ((50, "c50", "< 50"), (99, "c99", "< 250")):
                mine, floor = percentile_ms(ours, p), percentile_ms(raws, p)
                rows.append((f"(c) commit to first byte, p{p}, ms ({len(ours)} commits)", f"{mine:.1f}",
                             f"{floor:.1f}", f"{mine / floor:.2f}", limit, mine < TARGETS[key]))
        print(f"\nload average at end: {load_average()}")
        print(f"{'case':<66} {'ours':>9} {'baseline':>9} {'ratio':>6} {'target':>9}  met")
        for label, ours, raw, ratio, target, met in rows:
            shown = "" if met is None else ("PASS" if met else "MISS")
            print(f"{label:<66} {ours:>9} {raw:>9} {ratio:>6} {target:>9}  {shown}")
        print(f"total time {time.perf_counter() - started:.0f}s")
    finally:
        receiver.terminate()
        receiver.wait(30)
        drop_scratch_database(server, name)


if __name__ == "__main__":
    main()
