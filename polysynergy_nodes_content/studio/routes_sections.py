"""Sections list and the section builder: create a section; add, edit, reorder and
remove its fields. Every change is a call of the engine's public API."""

from __future__ import annotations

import json

from starlette.routing import Route

from ..content_engine.config import UI_WIDTHS
from ..content_engine.errors import ContentError, NotFound
from .pages import call, engine_of, flash, read_form, redirect, render
from .settings_form import parse_settings, settings_inputs

FIELD_TEXTS = ("label", "help_text", "placeholder", "tab_name")


async def sections_page(request, form=None, error=None, status=200):
    engine = engine_of(request)
    sections = await call(request, engine.list_sections)
    return render(request, "sections.html", status=status, sections=sections, form=form or {}, error=error)


async def create_section(request):
    form = await read_form(request)
    engine = engine_of(request)
    values = {k: (form.get(k) or "").strip() for k in ("handle", "label", "description")}
    try:
        created = await call(request, engine.create_section, values["handle"], values["label"] or None,
                             values["description"] or None)
    except ContentError as exc:
        return await sections_page(request, form=values, error=str(exc), status=422)
    flash(request, f"Section {created['handle']} created. Add its fields, then review the migration.")
    return redirect(f"/sections/{created['handle']}")


async def builder(request):
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    migrations = await call(request, engine.list_migrations, section["id"])
    types = engine.field_types()
    fields = section["fields"]
    return render(request, "builder.html", section=section, fields=fields, types=types,
                  latest_applied=_latest_applied(migrations), pending=_pending(migrations),
                  searchable=_searchable(engine, fields))


def _searchable(engine, fields: list[dict]) -> list[dict]:
    """The fields search may cover (text-like columns; the field type decides)."""
    return [f for f in fields
            if engine.registry.get(f["field_type_handle"]).is_text_searchable(f.get("field_settings") or {})]


def _latest_applied(migrations: list[dict]) -> dict | None:
    applied = [m for m in migrations if m["status"] == "applied"]
    return max(applied, key=lambda m: m["version"]) if applied else None


def _pending(migrations: list[dict]) -> dict | None:
    generated = [m for m in migrations if m["status"] == "generated"]
    return max(generated, key=lambda m: m["version"]) if generated else None


async def update_section(request):
    form = await read_form(request)
    engine = engine_of(request)
    handle = request.path_params["section"]
    changes = {"label": (form.get("label") or "").strip() or None,
               "title_field_handle": (form.get("title_field_handle") or "").strip() or None}
    changes = {k: v for k, v in changes.items() if v is not None}
    if form.get("search_fields_shown"):  # the checkboxes were on the page: none ticked clears the choice
        chosen = [h.strip() for h in form.getlist("search_fields") if h.strip()]
        current = (await call(request, engine.get_section, handle)).get("search_fields") or []
        if chosen != list(current):
            changes["search_fields"] = chosen
    try:
        await call(request, engine.update_section, handle, changes)
        if "search_fields" not in changes:
            flash(request, "Section settings saved.")
            return redirect(f"/sections/{handle}")
        # The search index is built by a migration: plan it and show its review.
        planned = await call(request, engine.plan_migration, handle)
    except ContentError as exc:
        flash(request, str(exc), "error")
        return redirect(f"/sections/{handle}")
    flash(request, "Search fields saved. Review and apply the migration to build the search index.")
    return redirect(f"/migrations/{planned['id']}" if planned.get("id") else f"/sections/{handle}")


# -- fields ---------------------------------------------------------------------------
async def _field_page(request, section, field_type, values, settings, errors, status=200, existing=None):
    engine = engine_of(request)
    sections = [s["handle"] for s in await call(request, engine.list_sections)]
    schema = engine.registry.get(field_type).settings_schema
    return render(request, "field_form.html", status=status, section=section, field_type=field_type,
                  type_label=engine.registry.get(field_type).label, values=values, errors=errors,
                  settings=settings_inputs(schema, settings, sections), widths=UI_WIDTHS, existing=existing)


async def new_field(request):
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    field_type = request.query_params.get("type") or "text"
    if field_type not in engine.registry.handles():
        flash(request, f"unknown field type '{field_type[:40]}'", "error")
        return redirect(f"/sections/{section['handle']}")
    return await _field_page(request, section, field_type, {"ui_width": "full", "tab_name": "Content"}, {}, {})


def _field_values(form) -> dict:
    values = {k: (form.get(k) or "").strip() for k in ("handle", *FIELD_TEXTS, "ui_width", "default_value")}
    values["is_required"] = form.get("is_required") is not None
    values["is_unique"] = form.get("is_unique") is not None
    values["is_visible"] = form.get("is_hidden") is None
    return values


def _default(text: str):
    """The default value typed in the form: JSON when it parses, else the text itself."""
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


async def _save_field(request, existing: dict | None):
    form = await read_form(request)
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    field_type = existing["field_type_handle"] if existing else (form.get("field_type_handle") or "text")
    values = _field_values(form)
    schema = engine.registry.get(field_type).settings_schema
    settings, errors = parse_settings(schema, form)
    if errors:
        return await _field_page(request, section, field_type, values, settings, errors, 422, existing)
    attributes = {k: values[k] or None for k in FIELD_TEXTS}
    attributes.update(ui_width=values["ui_width"] or "full", is_required=values["is_required"],
                      is_unique=values["is_unique"], is_visible=values["is_visible"],
                      default_value=_default(values["default_value"]), field_settings=settings)
    try:
        if existing is None:
            await call(request, engine.add_field, section["id"], values["handle"], field_type_handle=field_type,
                       **attributes)
        else:
            attributes["handle"] = values["handle"] or existing["handle"]
            if attributes["label"] is None:
                attributes.pop("label")
            await call(request, engine.update_field, existing["id"], attributes)
    except ContentError as exc:
        errors = {"_form": str(exc)}
        return await _field_page(request, section, field_type, values, settings, errors, 422, existing)
    flash(request, f"Field {values['handle'] or existing['handle']} saved. Review the migration to apply it.")
    return redirect(f"/sections/{section['handle']}")


async def add_field(request):
    return await _save_field(request, None)


async def _find_field(request) -> tuple[dict, dict]:
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    handle = request.path_params["field"]
    for f in section["fields"]:
        if f["handle"] == handle:
            return section, f
    raise NotFound(f"field '{handle}' does not exist in section '{section['handle']}'", field=handle)


async def edit_field(request):
    section, field = await _find_field(request)
    values = dict(field)
    default = field.get("default_value")
    legacy = (field.get("field_settings") or {}).get("default")
    if default is None and legacy is not None:  # stored before the default had one home
        default = json.dumps(legacy)  # JSON text, as a stored default_value is
    values["default_value"] = default if default is not None else ""
    return await _field_page(request, section, field["field_type_handle"], values, field.get("field_settings"), {},
                             existing=field)


async def update_field(request):
    _, field = await _find_field(request)
    return await _save_field(request, field)


async def remove_field(request):
    await read_form(request)
    section, field = await _find_field(request)
    try:
        await call(request, engine_of(request).remove_field, section["id"], field["handle"])
        flash(request, f"Field {field['handle']} removed (its column is archived by the next migration).")
    except ContentError as exc:
        flash(request, str(exc), "error")
    return redirect(f"/sections/{section['handle']}")


async def move_field(request):
    form = await read_form(request)
    section, field = await _find_field(request)
    order = [f for f in section["fields"]]
    at = next(i for i, f in enumerate(order) if f["id"] == field["id"])
    to = at - 1 if form.get("direction") == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
        engine = engine_of(request)
        for position, f in enumerate(order):
            if f.get("sort_order") != position:
                await call(request, engine.update_field, f["id"], {"sort_order": position})
    return redirect(f"/sections/{section['handle']}")


routes = [
    Route("/", sections_page, methods=["GET"]),
    Route("/sections", create_section, methods=["POST"]),
    Route("/sections/{section}", builder, methods=["GET"]),
    Route("/sections/{section}/settings", update_section, methods=["POST"]),
    Route("/sections/{section}/fields/new", new_field, methods=["GET"]),
    Route("/sections/{section}/fields/new", add_field, methods=["POST"]),
    Route("/sections/{section}/fields/{field}", edit_field, methods=["GET"]),
    Route("/sections/{section}/fields/{field}", update_field, methods=["POST"]),
    Route("/sections/{section}/fields/{field}/remove", remove_field, methods=["POST"]),
    Route("/sections/{section}/fields/{field}/move", move_field, methods=["POST"]),
]
