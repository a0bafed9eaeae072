"""Whether a database URL can be reached, told fast and with its password hidden.

The CLI, the studio and the MCP server all open a database by URL first; each shows
the URL in messages and logs, so the mask lives here beside the check.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg

from ..errors import DatabaseFailure
from .connections import split_url_options

# ``password = value`` in a key=value connection string; the value may be single-quoted.
_CONNINFO_PASSWORD = re.compile(r"(\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\S+)")


def mask_url(url: str) -> str:
    """The URL with its password hidden (in the user part or as a ``password`` parameter)."""
    if "://" not in url:
        return _CONNINFO_PASSWORD.sub(r"\1***", url)
    parts = urlsplit(url)
    if parts.password:
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{user}:***@{host}")
    if parts.query:
        pairs = [f"{pair.partition('=')[0]}=***" if unquote(pair.partition("=")[0]).strip() == "password" else pair
                 for pair in parts.query.split("&")]
        parts = parts._replace(query="&".join(pairs))
    return urlunsplit(parts)


def check_connection(url: str, timeout: int = 10) -> None:
    """Fail fast (exit 4) with a clear message when the database cannot be reached."""
    clean, _ = split_url_options(url)
    try:
        with psycopg.connect(clean, connect_timeout=timeout, autocommit=True):
            pass
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseFailure(f"cannot connect to {mask_url(url)}: {reason}") from None
