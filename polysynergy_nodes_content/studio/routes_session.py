"""Ending a browser session: Sign out (a POST with the session's CSRF token)."""

from __future__ import annotations

from starlette.responses import HTMLResponse
from starlette.routing import Route

from .pages import environment, read_form
from .security import SESSION_COOKIE


async def logout(request):
    """End this browser's session and drop its cookie; the token opens a new one."""
    await read_form(request)
    request.app.state.sessions.end(request.state.session_id)
    html = environment.get_template("signed_out.html").render(csrf_token="", messages=[], path=request.url.path)
    response = HTMLResponse(html)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


routes = [Route("/logout", logout, methods=["POST"])]
