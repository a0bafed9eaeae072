"""Sending events to a webhook: signed JSON POSTs over one reused HTTP client.

Redirects are not followed (a redirect could lead anywhere the target check refused);
anything but a 2xx answer is a failed attempt. Error texts name the status or the kind of
failure, never the secret or the signature.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from ..errors import InvalidInput
from .signing import signed_headers
from .targets import check_target

USER_AGENT = "polysynergy-content-events/1"
#: An event not sent because its lease could end before the answer: given back, no attempt counted.
SKIPPED = "skipped: the lease would end before an answer"
#: Bytes of an answer's body read at most.
MAX_ANSWER_BYTES = 65_536


class WebhookSender:
    """One HTTP client (keep-alive connections) and a few threads, shared by every delivery."""

    def __init__(self, allowed_networks=(), concurrency: int = 8):
        self.allowed_networks = allowed_networks
        self.client = httpx.Client(follow_redirects=False, headers={"User-Agent": USER_AGENT},
                                   limits=httpx.Limits(max_connections=concurrency,
                                                       max_keepalive_connections=concurrency))
        self.threads = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="content-events")

    def close(self) -> None:
        self.threads.shutdown(wait=True)
        self.client.close()

    def send_all(self, subscription: dict, events: list[dict], deadline: float | None = None) -> list[str | None]:
        """Per event: None when delivered, ``SKIPPED`` when its lease could run out before an
        answer (``deadline``: ``time.monotonic()`` when the lease ends), else why not. The
        target is checked once per call (its name may resolve to a refused address by now)."""
        try:
            check_target(subscription["target_url"], self.allowed_networks)
        except InvalidInput as exc:
            return [f"target refused: {exc}"] * len(events)
        return list(self.threads.map(lambda event: self.send(subscription, event, deadline), events))

    def send(self, subscription: dict, event: dict, deadline: float | None = None) -> str | None:
        timeout = float(subscription["timeout_seconds"])
        if deadline is not None and time.monotonic() + longest_send(timeout) > deadline:
            return SKIPPED  # another worker may take it once the lease ends: never send it then
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        headers = signed_headers(subscription["target_secret"], event["id"], body)
        try:
            with self.client.stream("POST", subscription["target_url"], content=body, headers=headers,
                                    timeout=timeout) as response:
                status = response.status_code
                _read_some(response)
        except httpx.TimeoutException:
            return f"no answer within {timeout:g} s"
        except httpx.HTTPError as exc:
            return f"could not send ({type(exc).__name__})"
        if 200 <= status < 300:
            return None
        if 300 <= status < 400:
            return f"HTTP {status}: redirects are not followed"
        return f"HTTP {status}"


def longest_send(timeout: float) -> float:
    """The longest one POST can take: waiting for a connection, connecting, writing and
    reading the answer's head are each bounded by the timeout."""
    return 4 * timeout


def _read_some(response) -> None:
    """Read at most a small answer body (so the connection can be reused), never more."""
    read = 0
    for chunk in response.iter_raw():
        read += len(chunk)
        if read > MAX_ANSWER_BYTES:
            break
