"""The engine behind the server: connected on first use, read-only at the database on request.

Connecting lazily lets the server start (and list its tools) while the database is
down; every tool call then says plainly that it cannot connect, without the URL's
password. In read-only mode every connection opens with
``default_transaction_read_only=on``, so even a bug could not write, and nothing is
installed: the server then works with a role that has only SELECT.
"""

from __future__ import annotations

import threading

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import ContentError, DatabaseFailure
from polysynergy_nodes_content.content_engine.postgres import check_connection, split_url_options
from polysynergy_nodes_content.content_engine.settings import EngineSettings
from polysynergy_nodes_content.mcp_server.redaction import Redactor

READ_ONLY_OPTION = "-c default_transaction_read_only=on"
CONNECT_TIMEOUT_SECONDS = 5


def read_only_url(url: str) -> tuple[str, bool | None]:
    """``url`` as a conninfo string with the libpq option that makes every transaction
    read-only, and the URL's prepared-statements choice (None: not given).

    The conninfo form keeps the option's space intact (a URL query would have to carry
    it percent-encoded through every rewrite).
    """
    clean, prepared = split_url_options(url)
    params = conninfo_to_dict(clean)
    params["options"] = f"{params.get('options') or ''} {READ_ONLY_OPTION}".strip()
    return make_conninfo(**params), prepared


class EngineAccess:
    """Builds the engine once it can connect; until then each call reports why not."""

    def __init__(self, url: str, read_only: bool = False):
        self.read_only = read_only
        self.url, prepared = read_only_url(url) if read_only else (url, None)
        self.settings = EngineSettings.from_env(**({} if prepared is None else {"prepared_statements": prepared}))
        self.redact = Redactor(url)
        self._engine: ContentEngine | None = None
        self._lock = threading.Lock()

    def engine(self) -> ContentEngine:
        if self._engine is not None:
            return self._engine
        with self._lock:
            if self._engine is None:
                check_connection(self.url, timeout=CONNECT_TIMEOUT_SECONDS)
                engine = ContentEngine(self.url, self.settings)
                self._check_installed(engine)
                self._engine = engine
        return self._engine

    def _check_installed(self, engine: ContentEngine) -> None:
        try:
            engine.ensure_installed()
        except (ContentError, psycopg.Error) as exc:
            if self.read_only:
                raise DatabaseFailure(
                    "the content system's tables are missing, older than this version or lack a field type this "
                    "server knows, and a read-only server does not install anything; run `polysynergy-content "
                    f"init` once with a role that may create tables, then call again ({exc})"
                ) from None
            raise
