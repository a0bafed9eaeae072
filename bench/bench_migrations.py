"""Migrations under load: apply time and the longest insert stall per operation kind.

A table of 1,000,000 rows gets a steady stream of inserts (one every 5 ms, through
plain psycopg in a process of its own) while the engine applies one migration per
operation kind: new columns (nullable, unique, required with a default, indexed),
fields made required, unique or optional, a new CHECK rule, a changed default,
relations (a foreign key and a junction table) added and removed, a rename, a type
change, a dropped column (archived first, while the inserts go on) and, last, the
removal of the section (its table archived; the inserts end there). For each, the bench reports the apply
time, the inserts made during it, the longest insert stall and the failed inserts.
The target: no stall of 100 ms or more, zero failed inserts.

    .venv/bin/python bench/bench_migrations.py            # 1,000,000 rows
    BENCH_ROWS=100000 .venv/bin/python bench/bench_migrations.py
    BENCH_ONLY="required" .venv/bin/python bench/bench_migrations.py   # re-run the cases named so

Uses CONTENT_BENCH_DATABASE_URL (a URL to a server where it may create and drop the
database ``content_bench_migrations``), else an embedded PostgreSQL in a temporary
directory.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from polysynergy_nodes_content.content_engine.engine import ContentEngine  # noqa: E402
from polysynergy_nodes_content.content_engine.errors import ContentError  # noqa: E402
from polysynergy_nodes_content.content_engine.postgres import close_pools  # noqa: E402
from polysynergy_nodes_content.content_engine.settings import EngineSettings  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
INSERT_EVERY_S = 0.005
LOCK_TIMEOUT_MS = int(os.environ.get("BENCH_LOCK_TIMEOUT_MS", "2000"))
#: The longest insert stall an operation may cause (issue: no writer waits on a populated table).
STALL_TARGET_MS = 100.0
#: Run only the operations whose name contains this text (to re-run a noisy case).
ONLY = os.environ.get("BENCH_ONLY", "")
DBNAME = "content_bench_migrations"
INSERTER_NAME = "bench-inserter"


def insert_loop(url: str, stop, table_may_go, out) -> None:
    """The inserter's loop, in a process of its own: one insert every 5 ms; puts (start,
    latency, ok) of each insert, and ("error", text) of each failure, on ``out``."""
    conn = psycopg.connect(url, autocommit=True, prepare_threshold=None, application_name=INSERTER_NAME)
    query = "INSERT INTO custom.bench (title, code) VALUES (%s, %s)"
    next_at = time.monotonic()
    while not stop.is_set():
        started = time.monotonic()
        ok = True
        try:
            conn.execute(query, ("live insert", uuid.uuid4().hex))
        except psycopg.errors.UndefinedTable:
            if not table_may_go.is_set():
                raise
            out.put((started, time.monotonic() - started, True))
            return  # the section was removed: nothing is left to insert into
        except psycopg.Error as exc:
            ok = False
            out.put(("error", str(exc).strip().splitlines()[0]))
            if conn.broken:
                conn = psycopg.connect(conn.info.dsn, autocommit=True, prepare_threshold=None,
                                       application_name=INSERTER_NAME)
        out.put((started, time.monotonic() - started, ok))
        next_at += INSERT_EVERY_S
        time.sleep(max(0.0, next_at - time.monotonic()))
        if next_at < time.monotonic() - 1:  # after a long stall, do not burst to catch up
            next_at = time.monotonic()


class Inserter:
    """Inserts one row every 5 ms and records (start, latency, ok) for each insert.

    It runs in its own process: in the bench's process, a pause of the interpreter (a full
    garbage collection took 136 ms while the engine applied a drop) or the engine's own
    Python work would be counted as a stall of the database. ``time.monotonic`` is the
    system's monotonic clock, so its times line up with the other process's."""

    def __init__(self, url: str):
        context = multiprocessing.get_context("spawn")
        self.stop, self._table_may_go, self._out = context.Event(), context.Event(), context.Queue()
        self.process = context.Process(target=insert_loop, args=(url, self.stop, self._table_may_go, self._out),
                                       daemon=True)
        self.records: list[tuple[float, float, bool]] = []
        self.errors: list[str] = []

    @property
    def table_may_go(self) -> bool:
        """Set by the section removal: an insert refused because the table left is its end, not a failure."""
        return self._table_may_go.is_set()

    @table_may_go.setter
    def table_may_go(self, value: bool) -> None:
        if value:
            self._table_may_go.set()

    def start(self) -> None:
        """Starts the process and returns once its first insert is recorded."""
        self.process.start()
        self.records.append(self._out.get(timeout=120))

    def join(self, timeout: float) -> None:
        """Waits for the process to end, reading its records meanwhile (it cannot exit while
        the queue's pipe is full)."""
        deadline = time.monotonic() + timeout
        while self.process.is_alive() and time.monotonic() < deadline:
            self._drain()
            self.process.join(0.05)
        self._drain()

    def _drain(self) -> None:
        while True:
            try:
                item = self._out.get_nowait()
            except queue.Empty:
                return
            if item[0] == "error":
                self.errors.append(item[1])
            else:
                self.records.append(item)

    def window(self, start: float, end: float):
        """Inserts that were running at some moment between start and end."""
        self._drain()
        return [r for r in self.records if r[0] <= end and r[0] + r[1] >= start]


class LockWatcher(threading.Thread):
    """Samples the inserter's backend every 5 ms and records how long it waited for a lock.

    A stall of an insert has two causes on a shared machine: a lock the migration holds
    (what the engine must avoid) or a busy CPU or disk. Waits the server reports as
    ``wait_event_type = 'Lock'`` are the first kind."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.conn = psycopg.connect(url, autocommit=True, prepare_threshold=None)
        self.stop = threading.Event()
        self.waits: list[tuple[float, float]] = []  # (start, end) of each lock wait seen
        self.events: list[tuple[float, str]] = []  # (when, "type:event") of every wait sampled

    def run(self):
        query = ("SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE application_name = %s "
                 "AND state = 'active'")
        since = None
        while not self.stop.is_set():
            now = time.monotonic()
            row = self.conn.execute(query, (INSERTER_NAME,)).fetchone()
            waiting = row is not None and row[0] == "Lock"
            if row is not None and row[0] is not None:
                self.events.append((now, f"{row[0]}:{row[1]}"))
            if waiting and since is None:
                since = now
            elif not waiting and since is not None:
                self.waits.append((since, now))
                since = None
            time.sleep(0.005)

    def longest(self, start: float, end: float) -> float:
        return max((b - a for a, b in self.waits if a <= end and b >= start), default=0.0)

    def most_seen(self, start: float, end: float) -> str:
        """The wait events the inserter was seen in most often during the window."""
        counts: dict[str, int] = {}
        for when, event in self.events:
            if start <= when <= end:
                counts[event] = counts.get(event, 0) + 1
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:2]
        return ", ".join(f"{event} x{n}" for event, n in top)


def field(engine, section_id, handle):
    return next(f for f in engine.get_section(section_id)["fields"] if f["handle"] == handle)


def operations(engine, sid, inserter):
    """(name, change, names of the operations it builds on); each change edits section ``bench``."""
    def update(handle, changes):
        return lambda: engine.update_field(field(engine, sid, handle)["id"], changes)

    slug, views, required, unique = ("add unique field (new column)", "add required field with a default",
                                     "make field required", "make field unique (existing column)")
    owner, readers, rename = "add relation (FK + index)", "add multiple relation (junction)", "rename column"
    return [
        ("add nullable column", lambda: engine.add_field(sid, "note", None, "text"), ()),
        (slug, lambda: engine.add_field(sid, "slug", None, "text", is_unique=True), ()),
        (views, lambda: engine.add_field(sid, "views", None, "integer", is_required=True, default_value=0), ()),
        (required, update("title", {"is_required": True}), ()),
        (unique, update("code", {"is_unique": True}), ()),
        ("add rule (CHECK min 0)", update("num", {"field_settings": {"min": 0}}), ()),
        ("change default", update("views", {"default_value": 5}), (views,)),
        (owner, lambda: engine.add_field(sid, "owner", None, "relation", {"targetSection": "owners"}), ()),
        (readers, lambda: engine.add_field(sid, "readers", None, "relation",
                                           {"targetSection": "owners", "allowMultiple": True}), ()),
        ("add indexed field (json)", lambda: engine.add_field(sid, "meta", None, "json"), ()),
        (rename, update("extra", {"handle": "extra_renamed"}), ()),
        ("change type (integer -> number)", update("num", {"field_type_handle": "number"}), ()),
        ("make field optional (DROP NOT NULL)", update("title", {"is_required": False}), (required,)),
        ("drop unique", update("code", {"is_unique": False}), (unique,)),
        ("remove relation (FK column archived)", lambda: engine.remove_field(sid, "owner"), (owner,)),
        ("remove multiple relation (junction archived)", lambda: engine.remove_field(sid, "readers"), (readers,)),
        ("drop column (archived)", lambda: engine.remove_field(sid, "extra_renamed"), (rename,)),
        # Last: the inserter's table leaves the content schema (its inserts end there).
        ("remove section (table archived)", lambda: remove_section(engine, sid, inserter), ()),
    ]


def remove_section(engine, sid, inserter):
    inserter.table_may_go = True
    engine.delete_section(sid)


def selected(all_operations):
    """The operations to measure (``BENCH_ONLY``) and the ones they build on, in order."""
    if not ONLY:
        return [(name, change, True) for name, change, _ in all_operations]
    needs = {name: deps for name, _, deps in all_operations}
    wanted = {name for name in needs if ONLY in name}
    wanted |= {dep for name in list(wanted) for dep in needs[name]}
    return [(name, change, ONLY in name) for name, change, _ in all_operations if name in wanted]


def fill(url: str, rows: int) -> float:
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO custom.bench (title, code, num, extra) "
            "SELECT 'title ' || g, md5(g::text), g, 'extra ' || g FROM generate_series(1, %s) g", (rows,))
        conn.execute("VACUUM ANALYZE custom.bench")
        # The fill's writes belong to the setup: flushed here, they do not land in the first
        # operation measured. A server that has checkpointed also reuses its WAL segments;
        # a fresh one creates and zero-fills a 16 MB file for every segment, and the insert
        # that crosses into one waits for it (80-250 ms measured).
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            print("  (no CHECKPOINT privilege: the fill's writes may be flushed during the first operation)")
    return time.monotonic() - started


def run(url: str) -> list[dict]:
    engine = ContentEngine(url, EngineSettings(lock_timeout_ms=LOCK_TIMEOUT_MS, grants={}, enable_rls=False))
    engine.install()
    owners = engine.create_section("owners")
    engine.add_field(owners["id"], "name", None, "text")
    engine.apply_migration(engine.plan_migration(owners["id"])["id"])
    engine.create_entries("owners", [{"name": f"owner {i}"} for i in range(10)])
    bench = engine.create_section("bench")
    sid = bench["id"]
    for handle, kind in (("title", "text"), ("code", "text"), ("num", "integer"), ("extra", "text")):
        engine.add_field(sid, handle, None, kind)
    engine.apply_migration(engine.plan_migration(sid)["id"])
    print(f"filling custom.bench with {ROWS:,} rows ...", flush=True)
    print(f"  filled in {fill(url, ROWS):.1f} s", flush=True)

    inserter = Inserter(url)
    inserter.start()
    watcher = LockWatcher(url)
    watcher.start()
    time.sleep(1.0)
    results = []
    try:
        for name, change, measured in selected(operations(engine, sid, inserter)):
            change()
            plan_started = time.monotonic()
            error = None
            try:
                migration = engine.plan_migration(sid)
                plan_s = time.monotonic() - plan_started
                started = time.monotonic()
                if migration["id"] is None:
                    raise RuntimeError("nothing to migrate: the change did not reach the table")
                engine.apply_migration(migration["id"], confirm=True)
            except (ContentError, RuntimeError) as exc:
                plan_s = time.monotonic() - plan_started
                started = time.monotonic()
                error = str(exc)
            ended = time.monotonic()
            time.sleep(0.3)  # let inserts that were stalled finish
            window = inserter.window(started, ended)
            longest = max(window, key=lambda r: r[1], default=None)
            results.append({
                "operation": name if measured else f"{name} (setup)",
                "plan_s": plan_s,
                "apply_s": ended - started,
                "inserts": len(window),
                "max_stall_ms": max((r[1] for r in window), default=0.0) * 1000,
                "lock_wait_ms": watcher.longest(started, ended) * 1000,
                "waits": watcher.most_seen(started, ended),
                "longest_waits": watcher.most_seen(longest[0], longest[0] + longest[1]) if longest else "",
                "failed": sum(1 for r in window if not r[2]),
                "error": error,
            })
            print(f"  done: {name} ({ended - started:.2f} s)", flush=True)
            time.sleep(0.5)
    finally:
        inserter.stop.set()
        watcher.stop.set()
        inserter.join(10)
        watcher.join(10)
    total_failed = sum(1 for r in inserter.records if not r[2])
    results.append({"operation": "whole run", "plan_s": 0.0, "apply_s": 0.0, "inserts": len(inserter.records),
                    "max_stall_ms": max((r[1] for r in inserter.records), default=0.0) * 1000,
                    "lock_wait_ms": max((b - a for a, b in watcher.waits), default=0.0) * 1000,
                    "waits": "",
                    "failed": total_failed, "error": "; ".join(sorted(set(inserter.errors))[:3]) or None})
    close_pools()
    return results


def report(results: list[dict]) -> None:
    print()
    print(f"Migrations under load: {ROWS:,} rows, one insert every {INSERT_EVERY_S * 1000:.0f} ms, "
          f"lock_timeout {LOCK_TIMEOUT_MS} ms, target: longest stall < {STALL_TARGET_MS:.0f} ms, no failed insert")
    print("(lock wait: the longest time the inserter's backend waited for a lock, sampled every 5 ms; a stall "
          "without a lock wait is the machine being busy)")
    header = (f"{'operation':46} {'plan s':>7} {'apply s':>8} {'inserts':>8} {'max stall ms':>13} "
              f"{'lock wait ms':>13} {'failed':>7}  target")
    print(header)
    print("-" * len(header))
    for r in results:
        ok = r["max_stall_ms"] < STALL_TARGET_MS and r["failed"] == 0 and not (r["error"] and r["operation"] != "whole run")
        print(f"{r['operation']:46} {r['plan_s']:7.2f} {r['apply_s']:8.2f} {r['inserts']:8d} {r['max_stall_ms']:13.1f} "
              f"{r['lock_wait_ms']:13.1f} {r['failed']:7d}  {'ok' if ok else 'MISSED'}")
        if r.get("waits") and not ok:
            print(f"    inserter seen waiting on: {r['waits']}; during the longest stall: "
                  f"{r.get('longest_waits') or 'nothing (on CPU or between statements)'}")
        if r["error"]:
            print(f"    error: {r['error'][:200]}")


def main() -> int:
    bench_url = os.environ.get("CONTENT_BENCH_DATABASE_URL")
    data_dir = None
    if bench_url:
        admin = bench_url
    else:
        from polysynergy_nodes_content.content_engine.postgres import start_embedded

        data_dir = Path(tempfile.mkdtemp(prefix="content-bench-migrations-")) / "pgdata"
        admin = start_embedded(data_dir, database="postgres").url
    params = conninfo_to_dict(admin)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DBNAME)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DBNAME)))
    params["dbname"] = DBNAME
    try:
        results = run(make_conninfo(**params))
        report(results)
    finally:
        close_pools()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DBNAME)))
        if data_dir is not None:
            from polysynergy_nodes_content.content_engine.postgres import stop_embedded

            stop_embedded(data_dir)
            shutil.rmtree(data_dir.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
