"""Acknowledging delivered events while the rest of their batch is still being sent.

The worker sends an entry's claimed events one after another (a chain), and the next one
goes only once the one before it is acknowledged, that is committed as delivered. So a
worker killed halfway through a chain leaves at most one of the entry's events delivered
and unacknowledged: the next worker starts again there, and a receiver never sees an
entry's events go backwards. This runs on the sender's event loop, over a connection of
its own (autocommit: one round trip), and acknowledgements that wait together share one
statement; a thread of its own would wait for the busy sending thread at every step.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg

from ..postgres import CONNECT_TIMEOUT_SECONDS, split_url_options
from . import names
from .queue import ACK_STATEMENT

log = logging.getLogger(__name__)
#: How long the first acknowledgement waits for others to share its statement (each
#: statement costs the sending thread as much as a few POSTs; a chain waits for it anyway).
GATHER_SECONDS = 0.002


class Acknowledger:
    def __init__(self, engine):
        self.url = split_url_options(engine.url)[0]
        self.settings = engine.settings
        #: (subscription id, seq) of the events committed as delivered, until ``forget``.
        self.acknowledged: set[tuple] = set()
        self._waiting: list[tuple] = []
        self._flushing: asyncio.Future | None = None
        self._conn: psycopg.AsyncConnection | None = None
        self._statement: str | None = None

    async def confirm(self, subscription_id, event: dict) -> bool:
        """Acknowledge a delivered event: True once it is committed, False when it could not
        be (the database is away: the entry's chain stops there, the worker retries later)."""
        committed = asyncio.get_running_loop().create_future()
        self._waiting.append((subscription_id, event["seq"], committed))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush())
        return await committed

    def forget(self, subscription_id, seqs) -> None:
        """Settled events need no record of their acknowledgement any more."""
        self.acknowledged.difference_update((subscription_id, seq) for seq in seqs)

    async def close(self) -> None:
        if self._flushing is not None:
            await self._flushing
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def _flush(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        while self._waiting:
            batch, self._waiting = self._waiting, []
            committed = await self._commit(batch)
            for _, _, future in batch:
                if not future.done():
                    future.set_result(committed)

    async def _commit(self, batch: list[tuple]) -> bool:
        by_subscription: dict = {}
        for subscription_id, seq, _ in batch:
            by_subscription.setdefault(subscription_id, []).append(seq)
        try:
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, prepare_threshold=None, connect_timeout=CONNECT_TIMEOUT_SECONDS)
                self._statement = ACK_STATEMENT.format(events=names.events(self.settings)).as_string(self._conn)
            for subscription_id, seqs in by_subscription.items():
                await self._conn.execute(self._statement, (subscription_id, seqs))
                self.acknowledged.update((subscription_id, seq) for seq in seqs)
        except psycopg.Error as exc:
            log.warning("events worker: could not acknowledge delivered events (%s)", type(exc).__name__)
            if self._conn is not None:
                await self._conn.close()
                self._conn = None
            return False
        return True
