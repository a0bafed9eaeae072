"""Migration review, apply (destructive steps need an explicit confirmation), rollback
and history."""

from __future__ import annotations

from starlette.routing import Route

from ..content_engine.descriptors import review_descriptor
from ..content_engine.errors import ContentError
from .highlight import sql_html
from .pages import call, engine_of, flash, read_form, redirect, render


async def plan(request):
    await read_form(request)
    engine = engine_of(request)
    handle = request.path_params["section"]
    try:
        planned = await call(request, engine.plan_migration, handle)
    except ContentError as exc:
        flash(request, str(exc), "error")
        return redirect(f"/sections/{handle}")
    if planned.get("id") is None:
        flash(request, "Nothing to migrate: the table already matches the configuration.")
        return redirect(f"/sections/{handle}")
    return redirect(f"/migrations/{planned['id']}")


async def _section_of(request, migration: dict) -> dict:
    return await call(request, engine_of(request).get_section, migration["section_id"])


async def review(request, error=None, status=200):
    engine = engine_of(request)
    migration = await call(request, engine.get_migration, request.path_params["migration"])
    section = await _section_of(request, migration)
    descriptor = review_descriptor(dict(migration, section_handle=section["handle"]))
    return render(request, "review.html", status=status, review=descriptor, section=section, error=error,
                  sql_html=sql_html(descriptor["sql"]), down_html=sql_html(descriptor["down_sql"]))


async def apply(request):
    form = await read_form(request)
    engine = engine_of(request)
    migration_id = request.path_params["migration"]
    migration = await call(request, engine.get_migration, migration_id)
    confirmed = form.get("confirm_destructive") == "yes"
    if migration.get("is_destructive") and not confirmed:
        return await review(request, error="This migration has destructive steps: tick the box to confirm them.",
                            status=422)
    try:
        await call(request, engine.apply_migration, migration_id, confirmed)
    except ContentError as exc:
        return await review(request, error=str(exc), status=422)
    section = await _section_of(request, migration)
    flash(request, f"Migration {migration['version']} applied.")
    return redirect(f"/sections/{section['handle']}")


async def rollback_page(request, error=None, status=200):
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    migrations = await call(request, engine.list_migrations, section["id"])
    applied = [m for m in migrations if m["status"] == "applied"]
    latest = max(applied, key=lambda m: m["version"]) if applied else None
    return render(request, "rollback.html", status=status, section=section, migration=latest, error=error,
                  down_html=sql_html(latest["down_sql"]) if latest else "")


async def rollback(request):
    form = await read_form(request)
    engine = engine_of(request)
    handle = request.path_params["section"]
    if form.get("confirm_rollback") != "yes":
        return await rollback_page(request, error="Tick the box to confirm the rollback.", status=422)
    try:
        await call(request, engine.rollback_migration, form.get("migration_id") or "")
    except ContentError as exc:
        return await rollback_page(request, error=str(exc), status=422)
    flash(request, "Migration rolled back.")
    return redirect(f"/sections/{handle}")


async def history(request):
    engine = engine_of(request)
    section = await call(request, engine.get_section, request.path_params["section"])
    migrations = await call(request, engine.list_migrations, section["id"])
    return render(request, "history.html", section=section,
                  migrations=sorted(migrations, key=lambda m: m["version"], reverse=True))


routes = [
    Route("/sections/{section}/plan", plan, methods=["POST"]),
    Route("/sections/{section}/rollback", rollback_page, methods=["GET"]),
    Route("/sections/{section}/rollback", rollback, methods=["POST"]),
    Route("/sections/{section}/migrations", history, methods=["GET"]),
    Route("/migrations/{migration}", review, methods=["GET"]),
    Route("/migrations/{migration}/apply", apply, methods=["POST"]),
]
