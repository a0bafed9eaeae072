"""The nodes load the engine on every run and never send a webhook: the HTTP client the
worker sends with is imported only when a worker is made."""

from __future__ import annotations

import subprocess
import sys

BLOCKED = "import sys; sys.modules['aiohttp'] = None; sys.modules['uvloop'] = None\n"


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKED + code], capture_output=True, text=True, timeout=120)


def test_the_engine_and_its_events_load_without_the_http_client():
    done = run("from polysynergy_nodes_content.content_engine.engine import ContentEngine\n"
               "from polysynergy_nodes_content.content_engine import events\n"
               "print(sorted(m for m in sys.modules if m.startswith('aiohttp')))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['aiohttp']"  # only the blocked placeholder: never imported


def test_making_a_sender_is_where_the_http_client_is_needed():
    done = run("from polysynergy_nodes_content.content_engine.events.webhook import WebhookSender\n"
               "WebhookSender()")
    assert done.returncode != 0 and "aiohttp" in done.stderr
