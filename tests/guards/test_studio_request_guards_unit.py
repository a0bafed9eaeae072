"""The studio's request guards as functions over real Starlette requests (no server):
the Origin / Referer / Sec-Fetch-Site check, the CSRF check and the token comparison.
Fast, so mutation testing can run them per mutant; the end-to-end proofs are in
tests/studio/."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from polysynergy_nodes_content.studio.security import Forbidden, Session, check_csrf, check_origin, same_token

HOST = "127.0.0.1:8765"


def request(headers: dict, scheme: str = "http", session: Session | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in {"host": HOST, **headers}.items()]
    scope = {"type": "http", "method": "POST", "scheme": scheme, "path": "/sections", "raw_path": b"/sections",
             "query_string": b"", "headers": raw, "server": ("127.0.0.1", 8765), "root_path": "", "state": {}}
    req = Request(scope)
    req.state.session = session
    return req


@pytest.mark.parametrize("headers", [
    {"origin": f"http://{HOST}"},
    {"origin": f"http://{HOST}", "sec-fetch-site": "same-origin"},
    {"origin": f"http://{HOST}", "sec-fetch-site": "none"},
    {"referer": f"http://{HOST}/sections/x?y=1"},
])
def test_writes_from_the_studio_itself_pass(headers):
    check_origin(request(headers))


@pytest.mark.parametrize("headers, says", [
    ({}, "needs an Origin or Referer"),
    ({"referer": ""}, "needs an Origin or Referer"),
    ({"origin": "http://evil.example"}, "origin http://evil.example"),
    ({"origin": f"https://{HOST}"}, "cross-site"),
    ({"origin": "http://127.0.0.1:1"}, "cross-site"),
    ({"origin": "null"}, "cross-site"),
    ({"referer": "http://evil.example/x"}, "origin http://evil.example"),
    ({"origin": f"http://{HOST}", "sec-fetch-site": "cross-site"}, "Sec-Fetch-Site: cross-site"),
    ({"origin": f"http://{HOST}", "sec-fetch-site": "same-site"}, "Sec-Fetch-Site: same-site"),
    ({"origin": "http://evil.example", "referer": f"http://{HOST}/"}, "cross-site"),  # Origin wins
])
def test_writes_from_elsewhere_are_refused(headers, says):
    with pytest.raises(Forbidden, match=says.replace("?", r"\?")):
        check_origin(request(headers))


def test_the_refusal_quotes_a_long_origin_only_in_part():
    with pytest.raises(Forbidden) as refused:
        check_origin(request({"origin": "http://" + "e" * 500}))
    assert len(str(refused.value)) < 200


def test_https_studio_accepts_its_own_https_origin():
    check_origin(request({"origin": f"https://{HOST}"}, scheme="https"))


def test_csrf_needs_the_sessions_own_token():
    session = Session()
    check_csrf(request({}, session=session), session.csrf)
    for wrong in (None, "", "guess", session.csrf + "x", session.csrf[:-1], Session().csrf):
        with pytest.raises(Forbidden, match="CSRF token is missing or stale"):
            check_csrf(request({}, session=session), wrong)


def test_a_bearer_script_has_no_session_and_no_csrf():
    check_csrf(request({}, session=None), None)


def test_sessions_get_distinct_long_csrf_tokens():
    tokens = {Session().csrf for _ in range(50)}
    assert len(tokens) == 50 and min(map(len, tokens)) >= 40


@pytest.mark.parametrize("given, expected, same", [
    ("secret", "secret", True), ("secret", "secreT", False), ("secre", "secret", False), ("", "", False),
    (None, "secret", False), ("sécret", "sécret", True), ("secret ", "secret", False),
])
def test_token_comparison(given, expected, same):
    assert same_token(given, expected) is same
