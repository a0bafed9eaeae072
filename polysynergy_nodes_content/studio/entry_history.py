"""The entry form's history: each recorded version as the template shows it, and the
Restore button's POST (CSRF-checked by ``read_form``, like every other form)."""

from __future__ import annotations

import json
from datetime import datetime

from starlette.routing import Route

from ..content_engine.errors import ContentError, InvalidInput, NotFound
from .pages import call, engine_of, flash, read_form, redirect

#: Versions shown on the form (the newest; the CLI and the engine read further back).
SHOWN_VERSIONS = 50
#: A value longer than this is cut in the list (the form above shows the whole current value).
SHOWN_VALUE_CHARS = 300
#: Context keys shown after the source, in this order.
CONTEXT_KEYS = ("actor", "node_id", "mcp_session", "import_id", "bulk_id", "undo_of")


def shown_value(value) -> str:
    """A field value as one line of text (JSON for anything but text), cut when long."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[:SHOWN_VALUE_CHARS] + "…"


def shown_time(value) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else str(value)


def shown_change(field: str, change: dict) -> dict:
    """One changed field: old and new as text, ``None`` where there was (or is) no value."""
    old, new = change.get("old"), change.get("new")
    return {"field": field, "old": None if old is None else shown_value(old),
            "new": None if new is None else shown_value(new)}


def version_rows(history: dict) -> list[dict]:
    """The versions, newest first, as text for the template (which escapes and marks it)."""
    rows = []
    for version in history["versions"]:
        context = version.get("context") or {}
        rows.append({
            "version": version["version"],
            "op": version["op"],
            "changed_at": shown_time(version["changed_at"]),
            "source": context.get("source", "sql"),
            "who": [f"{key}: {context[key]}" for key in CONTEXT_KEYS if context.get(key)],
            "run_id": version.get("run_id") or "",
            "changes": [shown_change(field, change) for field, change in version["changes"].items()],
        })
    return rows


def read_history(engine, section_handle: str, entry_id: str) -> list[dict]:
    """The entry's versions for the form; none when nothing is recorded (history off, or
    the entry predates it)."""
    try:
        return version_rows(engine.entry_history(section_handle, entry_id, limit=SHOWN_VERSIONS))
    except NotFound:
        return []


async def restore_entry(request):
    form = await read_form(request)
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    entry_id = request.path_params["entry"]
    back = f"/sections/{section['handle']}/entries/{entry_id}"
    try:
        version = int(str(form.get("version") or "").strip())
    except ValueError:
        raise InvalidInput("version must be a version number from the entry's history", field="version") from None
    try:
        await call(request, engine.restore_entry, section["handle"], entry_id, version)
    except ContentError as exc:  # e.g. an old value a unique field or a rule refuses today
        flash(request, f"Version {version} was not restored: {exc}", "error")
        return redirect(back)
    flash(request, f"Entry restored to version {version}.")
    return redirect(back)


routes = [Route("/sections/{section}/entries/{entry}/restore", restore_entry, methods=["POST"])]
