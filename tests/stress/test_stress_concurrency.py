"""Concurrency: writers keep writing while migrations run; applies and rollbacks of one
section serialize."""

from __future__ import annotations

import threading
import time

import pytest

from stress_helpers import LONG, live_state, long_only, q
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import ContentError, Refused
from polysynergy_nodes_content.content_engine.settings import EngineSettings

LOCK_TIMEOUT_MS = 1000
MARGIN_S = 0.5


def make_engine(url, **settings) -> ContentEngine:
    engine = ContentEngine(url, EngineSettings(**settings))
    engine.install()
    return engine


def plan_apply(engine, section_id):
    migration = engine.plan_migration(section_id)
    assert migration["id"] is not None, migration["sql"]
    assert engine.apply_migration(migration["id"], confirm=True)["status"] == "applied"
    return migration


class Writers:
    """Threads that create entries through the engine as fast as they can."""

    def __init__(self, engine, section, count):
        self.engine, self.section = engine, section
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ids: list[str] = []
        self.latencies: list[tuple[float, float]] = []  # (start, seconds)
        self.failures: list[BaseException] = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(count)]

    def run(self, n):
        i = 0
        while not self.stop.is_set():
            i += 1
            started = time.monotonic()
            try:
                entry = self.engine.create_entry(self.section, {"title": f"w{n}-{i}"})
            except BaseException as exc:  # noqa: BLE001 - counted as a lost write
                with self.lock:
                    self.failures.append(exc)
                continue
            elapsed = time.monotonic() - started
            with self.lock:
                self.ids.append(entry["id"])
                self.latencies.append((started, elapsed))

    def wait_for_writes(self, more: int, timeout: float = 60) -> None:
        """Until the writers have committed ``more`` entries beyond now (a migration then
        runs between real writes, whatever the machine's speed), or fail."""
        with self.lock:
            target = len(self.ids) + more
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.ids) >= target:
                    return
                assert not self.failures, self.failures[:3]
            assert time.monotonic() < deadline, f"the writers did not write {more} entries in {timeout:.0f}s"
            time.sleep(0.01)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def run_writers_during_migrations(database_url, writers_count, seed_rows, rounds=1, prepared_statements=True):
    engine = make_engine(database_url, lock_timeout_ms=LOCK_TIMEOUT_MS, lock_retries=5, pool_max_size=writers_count + 4,
                         prepared_statements=prepared_statements)
    authors = engine.create_section("authors")
    engine.add_field(authors["id"], "name", None, "text")
    plan_apply(engine, authors["id"])
    engine.create_entries("authors", [{"name": n} for n in ("ann", "bob")])
    feed = engine.create_section("feed")
    engine.add_field(feed["id"], "title", None, "text")
    plan_apply(engine, feed["id"])
    engine.create_entries("feed", [{"title": f"seed-{i}"} for i in range(seed_rows)])
    apply_times = []
    with Writers(engine, "feed", writers_count) as writers:
        writers.wait_for_writes(20)
        for r in range(rounds):
            # A column, an index (GIN, built CONCURRENTLY) and relations (FK + index, junction table).
            engine.add_field(feed["id"], f"note{r}", None, "text")
            engine.add_field(feed["id"], f"meta{r}", None, "json")
            engine.add_field(feed["id"], f"author{r}", None, "relation", {"targetSection": "authors"})
            engine.add_field(feed["id"], f"readers{r}", None, "relation", {"targetSection": "authors", "allowMultiple": True})
            started = time.monotonic()
            plan_apply(engine, feed["id"])
            apply_times.append(time.monotonic() - started)
            writers.wait_for_writes(10)
            # Uniqueness on the populated, busy column: unique index CONCURRENTLY, then the constraint.
            title = next(f for f in engine.get_section(feed["id"])["fields"] if f["handle"] == "title")
            engine.update_field(title["id"], {"is_unique": r % 2 == 0})
            started = time.monotonic()
            plan_apply(engine, feed["id"])
            apply_times.append(time.monotonic() - started)
            writers.wait_for_writes(10)
    return engine, feed, writers, apply_times


def check_writers(database_url, writers, seed_rows):
    assert writers.failures == [], writers.failures[:3]
    assert len(writers.ids) > 50, "the writers hardly wrote anything"
    total = q(database_url, "SELECT count(*) FROM custom.feed")[0][0]
    assert total == seed_rows + len(writers.ids)  # no write lost, none doubled
    stored = {str(r[0]) for r in q(database_url, "SELECT id FROM custom.feed")}
    assert set(writers.ids) <= stored
    worst = max(seconds for _, seconds in writers.latencies)
    assert worst < LOCK_TIMEOUT_MS / 1000 + MARGIN_S, f"a writer waited {worst:.3f}s"
    return worst


@pytest.mark.parametrize("prepared_statements", [
    pytest.param(True, id="prepared"),
    pytest.param(False, id="unprepared"),
])
def test_writers_lose_nothing_and_never_wait_past_the_lock_timeout_during_migrations(database_url, prepared_statements):
    engine, feed, writers, apply_times = run_writers_during_migrations(
        database_url, writers_count=6, seed_rows=3000, prepared_statements=prepared_statements)
    worst = check_writers(database_url, writers, 3000)
    print(f"\n{len(writers.ids)} writes, slowest {worst * 1000:.0f} ms, applies {[round(t, 2) for t in apply_times]} s")
    # The new fields work for writers right away.
    author = engine.query_entries("authors", None, "name")["entries"][0]
    entry = engine.create_entry("feed", {"title": "after", "note0": "n", "meta0": {"a": 1}, "author0": author["id"],
                                         "readers0": [author["id"]]})
    assert engine.get_entry("feed", entry["id"])["readers0"] == [author["id"]]
    assert q(database_url, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")[0][0] == 0


@long_only
def test_long_writers_during_many_migrations(database_url):
    engine, feed, writers, apply_times = run_writers_during_migrations(database_url, writers_count=10,
                                                                       seed_rows=50_000, rounds=6,
                                                                       prepared_statements=False)
    check_writers(database_url, writers, 50_000)


def test_parallel_applies_and_rollbacks_of_one_section_serialize(database_url):
    engine = make_engine(database_url)
    section = engine.create_section("race")
    sid = section["id"]
    engine.add_field(sid, "title", None, "text")
    plan_apply(engine, sid)
    engine.create_entries("race", [{"title": f"t{i}"} for i in range(20)])
    outcomes = {"apply": 0, "rollback": 0}
    for r in range(8 if not LONG else 40):
        engine.add_field(sid, f"a{r}", None, "text")
        previous = plan_apply(engine, sid)
        engine.add_field(sid, f"b{r}", None, "integer" if r % 2 else "text")
        following = engine.plan_migration(sid)
        barrier = threading.Barrier(4)
        results, errors = [], []

        def run(kind, migration_id):
            barrier.wait()
            try:
                if kind == "apply":
                    results.append((kind, engine.apply_migration(migration_id)))
                else:
                    results.append((kind, engine.rollback_migration(migration_id)))
            except ContentError as exc:
                errors.append((kind, exc))

        threads = [threading.Thread(target=run, args=(k, m)) for k, m in
                   [("apply", following["id"]), ("rollback", previous["id"]),
                    ("apply", following["id"]), ("rollback", previous["id"])]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert all(isinstance(e, Refused) for _, e in errors), errors  # nothing but clean refusals
        assert len(results) == 1, (results, errors)  # exactly one of the four wins
        kind = results[0][0]
        outcomes[kind] += 1
        statuses = dict(q(database_url, "SELECT id::text, status FROM section_migrations WHERE id = ANY(%s::uuid[])",
                          ([previous["id"], following["id"]],)))
        if kind == "apply":
            assert statuses == {previous["id"]: "applied", following["id"]: "applied"}
        else:
            assert statuses == {previous["id"]: "rolled_back", following["id"]: "superseded"}
        # Table and configuration agree, nothing is pending, no lock is left behind.
        assert engine.plan_migration(sid)["id"] is None
        live = live_state(engine, sid)["table"]["columns"]
        configured = {f["handle"] for f in engine.get_section(sid)["fields"]}
        assert set(live) == configured | {"id", "created_at", "updated_at"}
        assert q(database_url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                               "(SELECT oid FROM pg_database WHERE datname = current_database())")[0][0] == 0
        assert q(database_url, "SELECT count(*) FROM custom.race")[0][0] == 20
    print(f"\noutcomes: {outcomes}")
