"""Python regular expressions that RE2 cannot run, matched with a hard time limit.

A pattern with a back reference, lookaround, ``\\b`` or ``(?i)`` has no RE2 form with
Python's meaning, yet stored settings rely on exactly that meaning. Python's ``re`` cannot
be interrupted (it holds the interpreter lock), and no other engine reads every pattern as
it does (the ``regex`` package, for one, gives ``\\w``, ``\\s`` and ``(?i)`` other sets).
So such a pattern runs on Python's own ``re`` in one child process: the write waits for its
answer at most ``SECTIONS_PATTERN_TIMEOUT_MS`` milliseconds (default 200); past that the
child is killed (a new one starts on the next use) and the value is refused.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import threading
import time

TIMEOUT_ENV = "SECTIONS_PATTERN_TIMEOUT_MS"
DEFAULT_TIMEOUT_MS = 200
#: The child: one JSON request a line (pattern, text, full match or search), one verdict a line.
_CHILD = (
    "import json, re, sys\n"
    "sys.stdout.write('ready\\n')\n"
    "sys.stdout.flush()\n"
    "for line in sys.stdin:\n"
    "    source, text, whole = json.loads(line)\n"
    "    found = (re.fullmatch if whole else re.search)(source, text)\n"
    "    sys.stdout.write('1\\n' if found else '0\\n')\n"
    "    sys.stdout.flush()\n"
)


class PatternTimeout(Exception):
    """A backtracking pattern ran out of its time on one value."""

    def __init__(self, source: str, seconds: float):
        super().__init__(
            f"could not be checked against the pattern {source!r} within {seconds * 1000:g} ms (the pattern "
            f"backtracks; {TIMEOUT_ENV} sets the limit): rewrite it without back references, lookaround, "
            "\\b or (?i) so it runs in linear time, or send a shorter value")
        self.source = source


def timeout_seconds() -> float:
    """The per-value limit, read from the environment on each use."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        value = int(raw) if raw else DEFAULT_TIMEOUT_MS
    except ValueError:
        value = DEFAULT_TIMEOUT_MS
    return max(value, 1) / 1000


class _Matcher:
    """The child process and the lock that gives it one request at a time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None

    def matches(self, source: str, text: str, whole: bool) -> bool:
        seconds = timeout_seconds()
        request = (json.dumps([source, text, whole]) + "\n").encode()
        with self._lock:
            child = self._running()
            child.stdin.write(request)
            child.stdin.flush()
            deadline = time.monotonic() + seconds
            while True:
                ready, _, _ = select.select([child.stdout], [], [], max(deadline - time.monotonic(), 0))
                if ready:
                    answer = child.stdout.readline()
                    if answer in (b"0\n", b"1\n"):
                        return answer == b"1\n"
                    self._stop()  # the child died (out of memory, say): refuse rather than guess
                    raise PatternTimeout(source, seconds)
                if time.monotonic() >= deadline:
                    self._stop()
                    raise PatternTimeout(source, seconds)

    def _running(self) -> subprocess.Popen:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen([sys.executable, "-I", "-c", _CHILD], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
            self._child.stdout.readline()  # started: the time limit covers matching, not start-up
        return self._child

    def _stop(self):
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            child.wait()
            child.stdin.close()
            child.stdout.close()


_MATCHER = _Matcher()


def matches(source: str, text: str, whole: bool) -> bool:
    """``re.fullmatch`` (``whole``) or ``re.search`` of ``source`` in ``text``, answered
    within the time limit or PatternTimeout. ``source`` must compile (``re.compile``)."""
    re.compile(source)
    return _MATCHER.matches(source, text, whole)
