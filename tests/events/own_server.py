"""A PostgreSQL server of the test's own, to stop with ``pg_ctl stop -m immediate`` (a
crash: no shutdown checkpoint, clients cut off) and start again. Debian's binaries, run as
the postgres user when the tests run as root. In CI it must start; elsewhere the tests
that need it skip when no server binaries are found."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def _as_postgres(*argv):
    command = list(argv) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=180)


class OwnServer:
    def __init__(self):
        self.bindir = _bindir()
        if self.bindir is None:
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL server binaries are needed in CI (/usr/lib/postgresql/*/bin)")
            pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.work = tempfile.mkdtemp(prefix="content-events-pg-")
        os.chmod(self.work, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.work, "postgres", "postgres")
        self.data = os.path.join(self.work, "data")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        _as_postgres(f"{self.bindir}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.start()

    def start(self):
        # synchronous_commit stays on: a commit the client saw must survive the crash.
        _as_postgres(f"{self.bindir}/pg_ctl", "-D", self.data, "-l", os.path.join(self.work, "log"), "-w", "-o",
                     f"-p {self.port} -k {self.work} -c listen_addresses=127.0.0.1 -c max_connections=100", "start")

    def crash(self):
        _as_postgres(f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "stop")

    def close(self):
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) +
                       [f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(self.work, ignore_errors=True)
