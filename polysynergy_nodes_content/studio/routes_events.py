"""The Subscriptions page: each content-event subscription with its delivery counts, and
POST buttons (CSRF-checked by ``read_form``, like every other form) to send its dead
events again, and to pause or resume it. Secrets are never on the page (the engine shows
a stored one as ``(set)``); the target URL is escaped by the template like any text."""

from __future__ import annotations

from starlette.routing import Route

from .pages import call, engine_of, flash, read_form, redirect, render

PAGE = "/subscriptions"


async def subscriptions_page(request):
    engine = engine_of(request)
    subscriptions = await call(request, engine.list_subscriptions)
    return render(request, "subscriptions.html", subscriptions=subscriptions)


async def replay_dead(request):
    await read_form(request)
    engine = engine_of(request)
    result = await call(request, engine.replay_events, request.path_params["name"], dead=True)
    flash(request, f"{result['replayed']} dead event(s) of {result['subscription']} will be sent again.")
    return redirect(PAGE)


async def pause(request):
    return await _switch(request, paused=True)


async def resume(request):
    return await _switch(request, paused=False)


async def _switch(request, paused: bool):
    await read_form(request)
    engine = engine_of(request)
    change = engine.pause_subscription if paused else engine.resume_subscription
    subscription = await call(request, change, request.path_params["name"])
    flash(request, f"Subscription {subscription['name']} {'paused' if paused else 'resumed'}.")
    return redirect(PAGE)


routes = [
    Route(PAGE, subscriptions_page),
    Route(PAGE + "/{name}/replay-dead", replay_dead, methods=["POST"]),
    Route(PAGE + "/{name}/pause", pause, methods=["POST"]),
    Route(PAGE + "/{name}/resume", resume, methods=["POST"]),
]
