"""A real studio server (the ``serve`` command in a subprocess) and Debian's Chromium,
driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--headless", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def need_chromium() -> None:
    """Fail in CI (it installs chromium), skip on a developer machine without it."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


class Studio:
    """``polysynergy-content --database-url URL serve --port P`` with a known token."""

    def __init__(self, database_url: str, token: str | None, *serve_args: str, host: str = "127.0.0.1"):
        """``token=None`` lets the studio generate one (read back from what it prints);
        ``serve_args`` are more options of ``serve``."""
        self.host = host
        self.port = free_port(host)
        self.base = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        env = dict(os.environ)
        env.pop("SECTIONS_STUDIO_TOKEN", None)
        if token is not None:
            env["SECTIONS_STUDIO_TOKEN"] = token
        env.pop("SECTIONS_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "polysynergy_nodes_content", "--database-url", database_url, "serve",
             "--port", str(self.port), *(["--host", host] if host != "127.0.0.1" else []), *serve_args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.announced = self.process.stdout.readline().strip()
        self.token = token if token is not None else self.announced.partition("?token=")[2]
        self._wait_until_listening()

    def _wait_until_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the studio exited: {self.process.stderr.read()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the studio did not start listening")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()


class CrossSitePage:
    """Another origin (another port) serving a page that posts a form to the studio."""

    def __init__(self, html: str):
        body = html.encode("utf-8")

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
