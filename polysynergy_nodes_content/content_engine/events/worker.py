"""The delivery worker: makes events from the history and sends the webhook ones.

It wakes on the notification the history capture sends at commit (``LISTEN``), and looks
anyway every ``poll_interval`` seconds (a notification is lost when no worker listens, and
retries fall due with no write at all). Several workers may run: the safe bound and each
subscription's events are made by one at a time, and claims skip what another leased.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time

import psycopg
from psycopg import sql

from ..errors import DatabaseFailure
from . import horizon, names, queue
from .acknowledger import Acknowledger
from .fanout import fan_out
from .targets import parse_networks
from .webhook import UNSENT, WebhookSender, longest_send

log = logging.getLogger(__name__)
#: Seconds a lease outlasts the longest one POST can take (a killed worker's events come
#: back after that; a live one sends an event only while an answer can come before its
#: lease ends, so no two workers ever send one event at the same time).
LEASE_MARGIN_SECONDS = 30
#: Per claimed event, how many events that follow in the same entries a claim may add:
#: an entry with many waiting events then costs one claim per chain, not per event.
FOLLOWERS_PER_BATCH = 7
#: How often delivered events past retention are removed.
PRUNE_EVERY_SECONDS = 600


def make_events(engine) -> int:
    """Move the safe bound and make every subscription's events up to it."""
    with engine.connection() as conn:
        bound = horizon.advance(conn, engine.settings)
    return fan_out(engine, bound)


class EventWorker:
    def __init__(self, engine, batch_size: int = 100, concurrency: int = 16, poll_interval: float = 2.0,
                 lease_margin: float = LEASE_MARGIN_SECONDS, worker_id: str | None = None, on_round=None):
        self.engine = engine
        self.batch_size = queue.check_limit(batch_size)
        #: Events that follow a claimed one in its entry, leased and sent with it (in order).
        self.followers = FOLLOWERS_PER_BATCH * self.batch_size
        self.poll_interval = poll_interval
        self.lease_margin = lease_margin
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.on_round = on_round
        self.sender = WebhookSender(parse_networks(engine.settings.events_allow_networks), concurrency)
        self.acknowledger = Acknowledger(engine)
        self.stop = threading.Event()
        self._pruned_at = 0.0

    def close(self) -> None:
        if not self.sender.loop.is_closed():
            self.sender.run(self.acknowledger.close())
        self.sender.close()

    def _webhook_subscriptions(self) -> list[dict]:
        columns = ("id", "name", "target_url", "target_secret", "max_attempts", "retry_base_seconds",
                   "timeout_seconds")
        with self.engine.connection() as conn:
            rows = conn.execute(sql.SQL("SELECT {} FROM {} WHERE target_url IS NOT NULL AND NOT paused ORDER BY name")
                                .format(sql.SQL(", ").join(map(sql.Identifier, columns)),
                                        names.subscriptions(self.engine.settings))).fetchall()
        return [dict(zip(columns, row)) for row in rows]

    def round(self) -> dict:
        """Make events, then send every due webhook event until none is due."""
        totals = {"made": make_events(self.engine), "delivered": 0, "retrying": 0, "dead": 0}
        for subscription in self._webhook_subscriptions():
            self._deliver(subscription, totals)
        self._prune()
        if self.on_round is not None:
            self.on_round(totals)
        return totals

    def _deliver(self, subscription: dict, totals: dict) -> None:
        """Claim and send batches until none is due. The next batch is claimed while the last
        one is on its way (the database and the receiver work at once). That claim leaves out the
        entries in flight (their leased events hold their later ones back) and looks only a
        batch past them, so it stays cheap when they hold back everything."""
        in_flight = None
        while not self.stop.is_set():
            lease = longest_send(float(subscription["timeout_seconds"])) + self.lease_margin
            deadline = time.monotonic() + lease  # taken before the claim: never later than the lease's end
            early = None if in_flight is None else self.batch_size + len(in_flight[0])
            with self.engine.connection() as conn:
                events = queue.claim_bodies(conn, self.engine.settings, subscription, self.batch_size, lease,
                                            self.worker_id, max_steps=early, followers=self.followers)
            if not events and in_flight is None:
                return
            sending = None
            if events:
                confirm = functools.partial(self.acknowledger.confirm, subscription["id"])
                sending = (events, self.sender.submit(subscription, events, deadline, confirm))
            if in_flight is not None:
                self._settle(subscription, *in_flight, totals)
            in_flight = sending
        if in_flight is not None:
            self._settle(subscription, *in_flight, totals)

    def _settle(self, subscription: dict, events: list[dict], sending, totals: dict) -> None:
        """Record how each event of a sent batch went: delivered (the acknowledger has done the
        ones later events of their entry waited for), given back unsent, or failed."""
        outcomes = sending.result()
        with self.engine.connection() as conn:
            delivered = [e["seq"] for e, error in zip(events, outcomes) if error is None]
            done = self.acknowledger.acknowledged
            unacknowledged = [seq for seq in delivered if (subscription["id"], seq) not in done]
            if unacknowledged:
                queue.ack_seqs(conn, self.engine.settings, subscription["id"], unacknowledged)
            self.acknowledger.forget(subscription["id"], delivered)
            unsent = [e["seq"] for e, error in zip(events, outcomes) if error in UNSENT]
            if unsent:
                queue.release(conn, self.engine.settings, subscription["id"], unsent)
            for event, error in zip(events, outcomes):
                if error is not None and error not in UNSENT:
                    state = queue.fail(conn, self.engine.settings, subscription, event["seq"], event["attempt"], error)
                    totals["dead" if state == "dead" else "retrying"] += 1
                    log.warning("event %s of subscription %s: %s (%s)", event["id"], subscription["name"], error,
                                "dead" if state == "dead" else f"attempt {event['attempt']}")
        totals["delivered"] += len(delivered)

    def _prune(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        with self.engine.connection() as conn:
            queue.prune_delivered(conn, self.engine.settings, self.engine.settings.events_keep_days)

    def _next_wait(self) -> float:
        """Seconds until something may be due: soon while changes wait for the safe bound,
        else the next retry or lease end, at most the poll interval."""
        with self.engine.connection() as conn:
            feed = conn.execute(sql.SQL("SELECT safe_bound FROM {} WHERE id = 1").format(
                names.table(self.engine.settings, "content_event_feed"))).fetchone()[0]
            if horizon.waiting(conn, self.engine.settings, feed) and conn.execute(sql.SQL(
                    "SELECT 1 FROM {} WHERE cursor < %s LIMIT 1").format(names.subscriptions(self.engine.settings)),
                    (horizon.last_history_id(conn, self.engine.settings),)).fetchone():
                return 0.05
            due = conn.execute(sql.SQL(
                "SELECT extract(epoch FROM min(greatest(e.next_attempt_at, coalesce(e.lease_until, e.next_attempt_at)))"
                " - now()) FROM {} e JOIN {} s ON s.id = e.subscription_id WHERE e.state = 'pending' "
                "AND s.target_url IS NOT NULL AND NOT s.paused").format(
                names.events(self.engine.settings), names.subscriptions(self.engine.settings))).fetchone()[0]
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max(0.01, float(due)))

    def run(self, once: bool = False, wait_for_bound: float = 10.0) -> dict:
        """Deliver until stopped (``stop.set()``, or SIGTERM in the CLI). ``once``: until
        nothing is due now (changes still held back by a running transaction are waited
        for up to ``wait_for_bound`` seconds), then return: for cron and CI. A lost database
        connection is retried, so a server restart does not end the worker."""
        totals = {"made": 0, "delivered": 0, "retrying": 0, "dead": 0, "rounds": 0}
        started = time.monotonic()
        listener = None
        failures = 0
        while not self.stop.is_set():
            try:
                if listener is None and not once:
                    listener = psycopg.connect(self.engine.migration_url, autocommit=True)
                    listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(names.CHANNEL)))
                result = self.round()
                totals["rounds"] += 1
                for key in ("made", "delivered", "retrying", "dead"):
                    totals[key] += result[key]
                wait = self._next_wait()
                failures = 0
            except (psycopg.Error, DatabaseFailure) as exc:
                failures += 1
                log.warning("events worker: database unavailable (%s); retrying", type(exc).__name__)
                if listener is not None:
                    listener.close()
                    listener = None
                if once and failures > 3:
                    raise
                self.stop.wait(min(self.poll_interval, 0.2 * 2 ** failures))
                continue
            if once:
                idle = not result["made"] and not result["delivered"]
                if idle and (wait > 0.05 or time.monotonic() - started > wait_for_bound):
                    break
                continue
            if wait > 0 and not self.stop.is_set():
                try:
                    for _ in listener.notifies(timeout=wait, stop_after=1):
                        pass
                except psycopg.Error:
                    listener.close()
                    listener = None
        if listener is not None:
            listener.close()
        return totals
