"""Sending events to a webhook: signed JSON POSTs over one reused HTTP session.

The session is aiohttp's (keep-alive connections, a bounded pool) on an event loop of its
own thread, so one worker has many POSTs in flight without a thread per request (a thread
pool over a synchronous client sent a third to a quarter as many events a second).
aiohttp is imported only when a sender is made (by the worker): the nodes never send, and
load without it. Redirects are not followed (a redirect could lead anywhere the target
check refused); anything but a 2xx answer is a failed attempt. Error texts name the status
or the kind of failure, never the secret or the signature."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from .signing import signed_headers
from .targets import check_target

if TYPE_CHECKING:
    import aiohttp

USER_AGENT = "polysynergy-content-events/1"
#: An event not sent because its lease could end before the answer: given back, no attempt counted.
SKIPPED = "skipped: the lease would end before an answer"
#: An event not sent because an earlier event of its entry was not delivered: given back the same way.
HELD_BACK = "held back: an earlier event of its entry was not delivered"
#: Outcomes that give an event back unsent.
UNSENT = (SKIPPED, HELD_BACK)
#: Bytes of an answer's body read at most.
MAX_ANSWER_BYTES = 65_536


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (its sockets and timers run in C: the
    sender spends most of its time there), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class WebhookSender:
    """One HTTP session with at most ``concurrency`` connections, shared by every delivery.
    Its event loop runs in a daemon thread; ``submit`` is called from ordinary threads."""

    def __init__(self, allowed_networks=(), concurrency: int = 8):
        self.allowed_networks = allowed_networks
        self.loop = new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="content-events-http", daemon=True)
        self.thread.start()
        self.session = self.run(self._open(concurrency))

    @staticmethod
    async def _open(concurrency: int) -> aiohttp.ClientSession:
        import aiohttp

        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency),
                                     headers={"User-Agent": USER_AGENT}, auto_decompress=False)

    def run(self, coroutine):
        """Run ``coroutine`` on the sender's event loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.run(self.session.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def submit(self, subscription: dict, events: list[dict], deadline: float | None = None, confirm=None) -> Future:
        """Start sending events as ``queue.claim_bodies`` gives them (``id``, ``body`` and
        ``entry``: the events of one entry are sent in their order), and return at once. The
        future's result has per event: None when delivered, ``SKIPPED`` when its lease could
        run out before an answer (``deadline``: ``time.monotonic()`` when the lease ends),
        ``HELD_BACK`` when an earlier event of its entry was not delivered, else why not.
        ``confirm``: a coroutine function awaited with each delivered event that has a later
        one in its entry, before that one is sent (False stops the entry there). The target
        is checked once per call (its name may resolve to a refused address by now)."""
        try:
            check_target(subscription["target_url"], self.allowed_networks)
        except InvalidInput as exc:
            refused: Future = Future()
            refused.set_result([f"target refused: {exc}"] * len(events))
            return refused
        return asyncio.run_coroutine_threadsafe(self._send_all(subscription, events, deadline, confirm), self.loop)

    async def _send_all(self, subscription: dict, events: list[dict], deadline: float | None,
                        confirm=None) -> list[str | None]:
        """Each entry's events one after another, in the order given (an event goes only
        after the one before it was delivered); the entries at once."""
        chains: dict = {}
        for index, event in enumerate(events):
            chains.setdefault(event.get("entry", index), []).append(index)
        outcomes: list[str | None] = [None] * len(events)

        async def send_chain(indexes: list[int]) -> None:
            for position, index in enumerate(indexes):
                outcomes[index] = await self._send(subscription, events[index], deadline)
                last = position == len(indexes) - 1
                if not last and (outcomes[index] is not None
                                 or (confirm is not None and not await confirm(events[index]))):
                    for later in indexes[position + 1:]:
                        outcomes[later] = HELD_BACK
                    return

        await asyncio.gather(*(send_chain(indexes) for indexes in chains.values()))
        return outcomes

    async def _send(self, subscription: dict, event: dict, deadline: float | None) -> str | None:
        import aiohttp

        timeout = float(subscription["timeout_seconds"])
        if deadline is not None and time.monotonic() + longest_send(timeout) > deadline:
            return SKIPPED  # another worker may take it once the lease ends: never send it then
        body = event["body"]
        headers = signed_headers(subscription["target_secret"], event["id"], body)
        try:
            async with self.session.post(subscription["target_url"], data=body, headers=headers,
                                         allow_redirects=False, timeout=_timeouts(timeout)) as response:
                status = response.status
                await _read_some(response)
        except asyncio.TimeoutError:
            return f"no answer within {timeout:g} s"
        except aiohttp.ClientError as exc:
            return f"could not send ({type(exc).__name__})"
        if 200 <= status < 300:
            return None
        if 300 <= status < 400:
            return f"HTTP {status}: redirects are not followed"
        return f"HTTP {status}"


@functools.lru_cache(maxsize=64)
def _timeouts(timeout: float) -> aiohttp.ClientTimeout:
    """Getting a connection (pool wait and connect) and each read wait at most ``timeout``;
    the whole POST, answer included, at most three times it."""
    import aiohttp

    return aiohttp.ClientTimeout(total=3 * timeout, connect=timeout, sock_read=timeout)


def longest_send(timeout: float) -> float:
    """The longest one POST can take, with a margin: the whole exchange is bounded by three
    timeouts (``_timeouts``), and the lease keeps one more."""
    return 4 * timeout


async def _read_some(response: aiohttp.ClientResponse) -> None:
    """Read at most a small answer body (so the connection can be reused), never more."""
    read = 0
    async for chunk in response.content.iter_any():
        read += len(chunk)
        if read > MAX_ANSWER_BYTES:
            break
