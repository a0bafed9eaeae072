"""The studio's Origin / Sec-Fetch-Site check refuses a cross-site write on its own.

The browser test posts from another origin without the session's CSRF token, so the CSRF
check would refuse it too. Here every refused write carries a valid session cookie AND the
session's real CSRF token: only the origin check stands between it and a new section, so
these tests fail when that check is removed.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from browser_support import Studio

TOKEN = "origin-guard-test-token-0123456789"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def studio(engine, database_url):
    server = Studio(database_url, TOKEN)
    yield server
    server.stop()


def _session(studio) -> tuple[urllib.request.OpenerDirector, str]:
    """A browser-like client with a session cookie, and the CSRF token its page carries."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())
    try:
        opener.open(f"{studio.base}/?token={TOKEN}", timeout=10)
    except urllib.error.HTTPError as redirect:  # the token exchange answers 303 with the cookie
        assert redirect.code == 303
    page = opener.open(f"{studio.base}/", timeout=10).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return opener, csrf


def _post(opener, studio, handle: str, csrf: str, headers: dict) -> int:
    body = urllib.parse.urlencode({"handle": handle, "label": "", "description": "", "csrf_token": csrf}).encode()
    request = urllib.request.Request(f"{studio.base}/sections", data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", **headers})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code


CROSS_SITE = {
    "another origin": {"Origin": "http://evil.example"},
    "another port": {"Origin": "http://127.0.0.1:1"},
    "https instead of http": {"Origin": "https://{host}"},
    "a cross-site fetch": {"Origin": "http://{host}", "Sec-Fetch-Site": "cross-site"},
    "a same-site fetch": {"Origin": "http://{host}", "Sec-Fetch-Site": "same-site"},
    "no Origin, a foreign Referer": {"Referer": "http://evil.example/page"},
    "neither Origin nor Referer": {},
}


def test_a_write_with_a_valid_csrf_token_from_another_site_is_refused(studio, engine):
    opener, csrf = _session(studio)
    host = f"127.0.0.1:{studio.port}"
    answers = {case: _post(opener, studio, "evil_section", csrf, {k: v.format(host=host) for k, v in headers.items()})
               for case, headers in CROSS_SITE.items()}
    assert answers == {case: 403 for case in CROSS_SITE}
    assert "evil_section" not in {s["handle"] for s in engine.list_sections()}


def test_the_same_write_from_the_studio_itself_goes_through(studio, engine):
    """The control: the refusals above are the origin check's, not a broken form."""
    opener, csrf = _session(studio)
    host = f"127.0.0.1:{studio.port}"
    for handle, headers in (("from_origin", {"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}),
                            ("from_referer", {"Referer": f"http://{host}/"})):
        assert _post(opener, studio, handle, csrf, headers) == 303
    assert {"from_origin", "from_referer"} <= {s["handle"] for s in engine.list_sections()}
