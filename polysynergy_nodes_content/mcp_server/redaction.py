"""Keep the database URL and its password out of everything the server says."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from psycopg.conninfo import conninfo_to_dict

from polysynergy_nodes_content.content_engine.postgres import mask_url, split_url_options

MASK = "***"


def passwords_in(url: str) -> set[str]:
    """The password a URL or conninfo string carries (netloc or ``password=``), plain and percent-encoded."""
    found = set()
    if "://" in url:
        try:
            raw = urlsplit(url).password
        except ValueError:
            raw = None
        if raw:
            found |= {raw, unquote(raw)}
    try:
        password = conninfo_to_dict(split_url_options(url)[0]).get("password")
    except Exception:  # an unreadable URL: what urlsplit found is all we have
        password = None
    if password:
        found.add(password)
    return found | {quote(p, safe="") for p in found}


class Redactor:
    """Replaces the URL (raw and masked forms stay readable) and its password in text."""

    def __init__(self, url: str | None):
        self.url = url or ""
        self.masked = mask_url(url) if url else ""
        secrets = [url, *passwords_in(url)] if url else []
        # Longest first, so the whole URL is replaced before its password alone.
        self.secrets = sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, self.masked if secret == self.url else MASK)
        return text
