"""Sending events to a webhook: signed JSON POSTs over one reused HTTP client.

Redirects are not followed (a redirect could lead anywhere the target check refused);
anything but a 2xx answer is a failed attempt. Error texts name the status or the kind of
failure, never the secret or the signature.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from ..errors import InvalidInput
from .signing import signed_headers
from .targets import check_target

USER_AGENT = "polysynergy-content-events/1"


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

    def send_all(self, subscription: dict, events: list[dict]) -> list[str | None]:
        """Per event: None when delivered, else why not. The target is checked once per call
        (its name may resolve to a refused address by now)."""
        try:
            check_target(subscription["target_url"], self.allowed_networks)
        except InvalidInput as exc:
            return [f"target refused: {exc}"] * len(events)
        return list(self.threads.map(lambda event: self.send(subscription, event), events))

    def send(self, subscription: dict, event: dict) -> str | None:
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        headers = signed_headers(subscription["target_secret"], event["id"], body)
        timeout = float(subscription["timeout_seconds"])
        try:
            response = self.client.post(subscription["target_url"], content=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            return f"no answer within {timeout:g} s"
        except httpx.HTTPError as exc:
            return f"could not send ({type(exc).__name__})"
        if 200 <= response.status_code < 300:
            return None
        if 300 <= response.status_code < 400:
            return f"HTTP {response.status_code}: redirects are not followed"
        return f"HTTP {response.status_code}"
