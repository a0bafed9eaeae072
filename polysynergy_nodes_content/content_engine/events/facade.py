"""The events half of the engine facade (``ContentEngine`` inherits it)."""

from __future__ import annotations

from ..errors import Refused
from ..json_values import json_safe
from . import queue, receive, subscriptions
from .names import EVENT_TYPES
from .signing import DEFAULT_TOLERANCE_SECONDS
from .worker import EventWorker, make_events


class EventMethods:
    """Content events: subscriptions to changes of sections, delivered to a webhook by
    ``events_worker()`` (the CLI's ``events run``) or pulled with ``claim_events`` and
    ``ack_events``. At least once, in order per entry, retried, dead-lettered, replayable."""

    def create_subscription(self, name, sections, events=EVENT_TYPES, filter=None, target=None, start=None,
                            max_attempts: int = 8, retry_base_seconds: float = 1.0,
                            timeout_seconds: float = 10.0) -> dict:
        """``target``: ``{"url", "secret"}`` for a webhook, None to pull. ``start``: None
        (now), a history change id, or a time. ``filter``: the query language, on the entry
        after the change (before it, for a delete)."""
        self.ensure_installed()
        return json_safe(subscriptions.create(self, name, sections, events, filter, target, start, max_attempts,
                                    retry_base_seconds, timeout_seconds))

    def list_subscriptions(self) -> list[dict]:
        """Every subscription with its pending, failed, dead and delivered counts (secrets never shown)."""
        self.ensure_installed()
        return json_safe(subscriptions.list_all(self))

    def get_subscription(self, name) -> dict:
        self.ensure_installed()
        return json_safe(subscriptions.get(self, name))

    def update_subscription(self, name, **changes) -> dict:
        self.ensure_installed()
        return json_safe(subscriptions.update(self, name, **changes))

    def pause_subscription(self, name) -> dict:
        """Stop delivering (events are still made, and sent on resume)."""
        return self.update_subscription(name, paused=True)

    def resume_subscription(self, name) -> dict:
        return self.update_subscription(name, paused=False)

    def delete_subscription(self, name, confirm: bool = False) -> dict:
        self.ensure_installed()
        return json_safe(subscriptions.delete(self, name, confirm))

    def claim_events(self, subscription, limit: int = 100, lease_seconds: float = 300) -> list[dict]:
        """Lease up to ``limit`` pending events of a pull subscription (one per entry, oldest
        first). Acknowledge them with ``ack_events``; unacknowledged, they come back once the
        lease runs out."""
        self.ensure_installed()
        limit = queue.check_limit(limit)
        subscriptions.check_number(lease_seconds, "lease_seconds", 1, 86_400)
        make_events(self)
        with self.connection() as conn:
            record = subscriptions.load(self, conn, subscription)
            if record["target_url"] is not None:  # else a poller and the worker would share its events
                raise Refused(f"subscription '{record['name']}' delivers to a webhook (the events "
                              "worker sends its events); claim_events is for pull subscriptions, made without "
                              "a target")
            if record["paused"]:
                return []
            return queue.claim(conn, self.settings, record, limit, lease_seconds, "claim_events")

    def ack_events(self, subscription, event_ids) -> dict:
        """Mark events delivered: ``{"acknowledged": n, "not_pending": [ids]}``."""
        self.ensure_installed()
        with self.connection() as conn:
            return queue.ack(conn, self.settings, subscriptions.load(self, conn, subscription), event_ids)

    def dead_events(self, subscription, limit: int = 100) -> list[dict]:
        self.ensure_installed()
        with self.connection() as conn:
            return queue.dead_events(conn, self.settings, subscriptions.load(self, conn, subscription), limit)

    def replay_events(self, subscription, dead: bool = False, from_seq=None, since=None) -> dict:
        """Send events again: the dead ones, or every kept event from a seq or a time on."""
        self.ensure_installed()
        with self.connection() as conn:
            record = subscriptions.load(self, conn, subscription)
            count = queue.replay(conn, self.settings, record, dead=dead, from_seq=from_seq, since=since)
        return {"subscription": record["name"], "replayed": count}

    def make_events(self) -> int:
        """Turn the changes recorded so far into events (a worker and ``claim_events`` do it)."""
        self.ensure_installed()
        return make_events(self)

    def events_worker(self, **options) -> EventWorker:
        """A delivery worker for the webhook subscriptions: ``.run()``, ``.run(once=True)``."""
        self.ensure_installed()
        return EventWorker(self, **options)

    def receive_event(self, body, headers: dict, secret: str, tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> dict:
        """Check a delivered event (signature, timestamp within ``tolerance`` seconds, first
        time seen) and return it; ``BadSignature`` or ``DuplicateEvent`` otherwise."""
        self.ensure_installed()
        return receive.receive(self, body, headers, secret, tolerance)
