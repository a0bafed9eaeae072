"""Helpers of the events tests: a real HTTP receiver on 127.0.0.1 (a thread of the test
process, answering as each test scripts it) and applying a section's migration."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "test-secret-0123456789abcdef"


def apply(engine, section) -> dict:
    plan = engine.plan_migration(section)
    engine.apply_migration(plan["id"], confirm=True)
    return plan


class Receiver:
    """Records every POST (headers, body, parsed event) in arrival order. ``answer(event)``
    returns the status to send (default 200); it may block to play a slow receiver."""

    def __init__(self):
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.answer = lambda event: 200
        self.in_flight = {}
        self.overlaps: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event = json.loads(body)
                with receiver.lock:
                    if receiver.in_flight.get(event["id"]):
                        receiver.overlaps.append(event["id"])
                    receiver.in_flight[event["id"]] = receiver.in_flight.get(event["id"], 0) + 1
                try:
                    status = receiver.answer(event)
                finally:
                    with receiver.lock:
                        receiver.in_flight[event["id"]] -= 1
                with receiver.lock:
                    receiver.received.append({"headers": dict(self.headers), "body": body, "event": event,
                                              "status": status})
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender was killed while waiting for the answer
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self, status: int | None = 200) -> list[dict]:
        with self.lock:
            return [r["event"] for r in self.received if status is None or r["status"] == status]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
