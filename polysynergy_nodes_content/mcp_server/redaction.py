"""Keep the database URL and its password out of everything the server says."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from psycopg.conninfo import conninfo_to_dict

from polysynergy_nodes_content.cli.common import mask_url

MASK = "***"


def _password_of(url: str) -> str | None:
    try:
        if "://" in url:
            password = urlsplit(url).password
            return unquote(password) if password else None
        return conninfo_to_dict(url).get("password")
    except Exception:  # an unreadable URL has no password we could find
        return None


class Redactor:
    """Replaces the URL (raw and masked forms stay readable) and its password in text."""

    def __init__(self, url: str | None):
        self.url = url or ""
        self.masked = mask_url(url) if url else ""
        secrets = []
        if url:
            secrets.append(url)
            password = _password_of(url)
            if password:
                secrets.append(password)
                if "://" in url:
                    raw = urlsplit(url).password
                    if raw and raw != password:
                        secrets.append(raw)  # the percent-encoded spelling
        # Longest first, so the whole URL is replaced before its password alone.
        self.secrets = sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, self.masked if secret == self.url else MASK)
        return text
