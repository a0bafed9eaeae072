"""Rendering and form plumbing shared by every page of the studio."""

from __future__ import annotations

from pathlib import Path

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from ..content_engine.errors import ContentError
from ..content_engine.postgres import ReadCancel, cancellable_reads
from ..unsafe_characters import BIDI_CONTROLS
from .security import Forbidden, check_csrf

HERE = Path(__file__).parent
environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def mark_bidi(html: str) -> Markup:
    """HTML (already escaped) with each bidi control replaced by a visible marker, so a
    reviewer sees that text was reordered instead of reading the reordered text. For
    text nodes only, never inside an attribute."""
    if not any(ord(ch) in BIDI_CONTROLS for ch in html):
        return Markup(html)
    return Markup("".join(
        f'<span class="bidi-control" title="invisible bidi control">[U+{ord(ch):04X}]</span>'
        if ord(ch) in BIDI_CONTROLS else ch for ch in html))


def bidi_marked(value) -> Markup:
    """``value`` escaped and its bidi controls marked (the ``|marked`` template filter)."""
    return mark_bidi(escape("" if value is None else value))


environment.filters["marked"] = bidi_marked


def engine_of(request: Request):
    return request.app.state.engine


async def call(request: Request, fn, *args, **kwargs):
    """Run an engine method off the event loop (the engine is synchronous). The reads of a
    GET are cancelled in the database when its client goes away (a POST's body is the
    handler's to read, so only pages are watched)."""
    if request.method not in ("GET", "HEAD"):
        return await run_in_threadpool(fn, *args, **kwargs)
    failure = None
    with cancellable_reads() as reads:
        async with anyio.create_task_group() as watching:
            watching.start_soon(_cancel_on_disconnect, request, reads)
            try:
                result = await run_in_threadpool(fn, *args, **kwargs)
            except Exception as exc:  # raised outside the task group, so it is not wrapped in an
                failure = exc         # ExceptionGroup the error handlers (ContentError, ...) miss
            finally:
                watching.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return result


async def _cancel_on_disconnect(request: Request, reads: ReadCancel) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass
    await anyio.to_thread.run_sync(reads.cancel)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    session = request.state.session
    if session is not None:
        session.flash.append({"kind": kind, "text": message})


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    session = request.state.session
    messages = []
    if session is not None:
        messages, session.flash[:] = list(session.flash), []
    context.update(
        request=request,
        csrf_token=session.csrf if session is not None else "",
        messages=messages,
        path=request.url.path,
    )
    html = environment.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def read_form(request: Request):
    """The posted form, after its CSRF token was checked (raises Forbidden)."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    return form


def field_errors(exc: ContentError) -> dict[str, str]:
    """Field handle -> message from an engine error (all of them for a batch of problems)."""
    errors = getattr(exc, "errors", None) or []
    out = {e["field"]: e["message"] for e in errors if isinstance(e, dict) and e.get("field")}
    if not out and getattr(exc, "field", None):
        out[exc.field] = str(exc)
    return out


def forbidden(exc: Forbidden) -> PlainTextResponse:
    return PlainTextResponse(f"Forbidden: {exc}", status_code=403)

