"""``events subscribe|list|show|pause|resume|delete|run|dead|replay|pull``: content events.

A webhook's secret is read from an environment variable (``--secret-env``), never from
the command line, so it stays out of shell history and the process list; no command
prints it (the engine shows a stored secret as ``(set)``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import click

from ..content_engine.errors import InvalidInput
from .common import ContentGroup, emit, json_option, parse_json_arg, state, table
from .shown import shown

EVENT_CHOICES = ("create", "update", "delete")


@click.group("events", cls=ContentGroup)
def events_group():
    """Subscriptions to the changes of sections, delivered to a signed webhook or pulled."""


def _secret_from(variable: str | None, url: str | None) -> str | None:
    if url is None:
        if variable:
            raise InvalidInput("--secret-env is only for a webhook: give --url too", field="secret_env")
        return None
    if not variable:
        raise InvalidInput("a webhook needs --secret-env VAR: the environment variable holding the signing secret "
                           "(never on the command line)", field="secret_env")
    secret = os.environ.get(variable, "")
    if not secret:
        raise InvalidInput(f"environment variable {variable[:100]} is not set or empty (it should hold the signing "
                           "secret)", field="secret_env")
    return secret


def _start(value: str | None):
    """``now``, a change id (digits) or an ISO time, as the engine takes them."""
    if value is None or value.strip() in ("", "now"):
        return None
    value = value.strip()
    return int(value) if value.isdigit() else value


def _delivery(sub: dict) -> str:
    return f"webhook {sub['target']['url']}" if sub.get("target") else "pull"


def _counts(sub: dict) -> list:
    counts = sub.get("counts") or {}
    return [counts.get(k, 0) for k in ("pending", "failed", "dead", "delivered")]


def _render_one(sub: dict) -> None:
    st = state()
    rows = [["name", sub["name"]], ["sections", ", ".join(sub["sections"])], ["events", ", ".join(sub["events"])],
            ["filter", sub["filter"]], ["delivery", _delivery(sub)], ["paused", sub["paused"]],
            ["max attempts", sub["max_attempts"]], ["retry base (s)", sub["retry_base_seconds"]],
            ["timeout (s)", sub["timeout_seconds"]], ["read up to change", sub["cursor"]],
            ["created", sub["created_at"]]]
    for key, value in (sub.get("counts") or {}).items():
        rows.append([key, value])
    st.console.print(table(f"Subscription {sub['name']}", ["", "value"], rows))


@events_group.command("subscribe")
@click.argument("name")
@click.option("--section", "-s", "sections", multiple=True, required=True, help="A section to follow (repeat).")
@click.option("--event", "-e", "events", multiple=True, type=click.Choice(EVENT_CHOICES),
              help="An event type (repeat; default: create, update and delete).")
@click.option("--filter", "filter_json", metavar="JSON",
              help="Only changes whose entry matches this query-language filter (JSON, @file or -).")
@click.option("--url", help="Webhook target (http or https); without it events are pulled (`events pull`, the "
                            "Content Events Poll node).")
@click.option("--secret-env", metavar="VAR", help="Environment variable holding the webhook's signing secret "
                                                   "(at least 16 characters).")
@click.option("--start", metavar="now|ID|TIME", help="Start at now (default), at a change id, or at an ISO time.")
@click.option("--max-attempts", type=int, default=8, show_default=True,
              help="Failed attempts before an event goes to the dead letters.")
@json_option
def subscribe_cmd(name, sections, events, filter_json, url, secret_env, start, max_attempts):
    """Create subscription NAME to the changes of one or more sections."""
    st = state()
    secret = _secret_from(secret_env, url)
    target = None if url is None else {"url": url, "secret": secret}
    sub = st.engine().create_subscription(name, list(sections), events=tuple(events or EVENT_CHOICES),
                                          filter=parse_json_arg(filter_json, "filter"), target=target,
                                          start=_start(start), max_attempts=max_attempts)
    emit({"subscription": sub}, lambda: (st.console.print(f"[green]Subscribed[/green] {shown(sub['name'])} "
                                                         f"({shown(_delivery(sub))})"), _render_one(sub)))


@events_group.command("list")
@json_option
def list_cmd():
    """Every subscription with its pending, failed, dead and delivered counts."""
    st = state()
    subs = st.engine().list_subscriptions()
    rows = [[s["name"], ", ".join(s["sections"]), ", ".join(s["events"]), _delivery(s), s["paused"], *_counts(s)]
            for s in subs]
    emit({"subscriptions": subs}, lambda: st.console.print(table(
        "Subscriptions", ["name", "sections", "events", "delivery", "paused", "pending", "failed", "dead",
                          "delivered"], rows)))


@events_group.command("show")
@click.argument("name")
@json_option
def show_cmd(name):
    """One subscription: what it follows, where it delivers, its counts."""
    st = state()
    sub = st.engine().get_subscription(name)
    emit({"subscription": sub}, lambda: _render_one(sub))


def _switch(name: str, paused: bool) -> None:
    st = state()
    engine = st.engine()
    sub = engine.pause_subscription(name) if paused else engine.resume_subscription(name)
    word = "Paused" if paused else "Resumed"
    emit({"subscription": sub}, lambda: st.console.print(f"[green]{word}[/green] {shown(sub['name'])}"))


@events_group.command("pause")
@click.argument("name")
@json_option
def pause_cmd(name):
    """Stop delivering NAME's events (they are still made, and sent on resume)."""
    _switch(name, True)


@events_group.command("resume")
@click.argument("name")
@json_option
def resume_cmd(name):
    """Deliver NAME's events again, the ones held back while paused first."""
    _switch(name, False)


@events_group.command("delete")
@click.argument("name")
@click.option("--yes", "confirm", is_flag=True, help="Delete (without it: only say what would go).")
@json_option
def delete_cmd(name, confirm):
    """Remove subscription NAME and its events."""
    st = state()
    result = st.engine().delete_subscription(name, confirm=confirm)
    counts = ", ".join(f"{n} {k}" for k, n in result["events"].items())
    emit(result, lambda: st.console.print(
        f"[green]Deleted[/green] {shown(result['subscription'])} ({counts})" if result["deleted"] else
        f"Would delete {shown(result['subscription'])} and its events ({counts}); run again with --yes"))


@events_group.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop (for cron and CI).")
@click.option("--poll-interval", type=click.FloatRange(0.05, 3600), default=2.0, show_default=True,
              help="Seconds between looks when no notification arrives.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Webhook requests in flight at once.")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="Events claimed per subscription at a time.")
@json_option
def run_cmd(once, poll_interval, concurrency, batch_size):
    """Deliver the webhook subscriptions' events until SIGTERM or Ctrl-C (or, with --once,
    until nothing is due). A line per round that did something; exit code 0."""
    st = state()
    worker = st.engine().events_worker(batch_size=batch_size, concurrency=concurrency, poll_interval=poll_interval,
                                       on_round=None if st.json else _progress)
    previous = _stop_on_signals(worker.stop)
    try:
        if not st.json:
            _line(f"events worker {worker.worker_id} started" + (" (once)" if once else "; SIGTERM or Ctrl-C stops it"))
        totals = worker.run(once=once)
    finally:
        worker.close()
        _restore_signals(previous)
    emit({"totals": totals, "stopped": worker.stop.is_set()},
         lambda: _line("events worker stopped: " + _summary(totals) + f", {totals['rounds']} rounds"))


def _summary(totals: dict) -> str:
    return ", ".join(f"{totals[k]} {k}" for k in ("made", "delivered", "retrying", "dead"))


def _line(text: str) -> None:
    click.echo(shown(text, markup=False))
    sys.stdout.flush()


def _progress(totals: dict) -> None:
    if any(totals[k] for k in ("made", "delivered", "retrying", "dead")):
        _line("round: " + _summary(totals))


def _stop_on_signals(stop: threading.Event) -> dict:
    """SIGTERM and SIGINT set ``stop``: the worker ends its round and returns (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def _restore_signals(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _event_rows(events: list[dict], with_error: bool = False) -> list[list]:
    rows = []
    for e in events:
        row = [e["seq"], e["id"], e["type"], e["section"], e["entry_id"], e["at"], e.get("attempt")]
        rows.append(row + [e.get("error")] if with_error else row)
    return rows


EVENT_COLUMNS = ["seq", "id", "type", "section", "entry", "at", "attempt"]


@events_group.command("dead")
@click.argument("name")
@click.option("--limit", "-l", type=int, default=100, show_default=True)
@json_option
def dead_cmd(name, limit):
    """NAME's dead letters: events that failed every attempt (send them again with `events replay --dead`)."""
    st = state()
    events = st.engine().dead_events(name, limit=limit)
    emit({"subscription": name, "events": events}, lambda: st.console.print(table(
        f"Dead events of {name}", [*EVENT_COLUMNS, "error"], _event_rows(events, with_error=True))))


@events_group.command("replay")
@click.argument("name")
@click.option("--dead", is_flag=True, help="The dead letters.")
@click.option("--from-seq", type=int, metavar="N", help="Every kept event from seq N on.")
@click.option("--since", metavar="TIME", help="Every kept event from this ISO time on.")
@json_option
def replay_cmd(name, dead, from_seq, since):
    """Send NAME's events again: the dead ones, or the kept ones from a seq or a time."""
    st = state()
    result = st.engine().replay_events(name, dead=dead, from_seq=from_seq, since=since)
    emit(result, lambda: st.console.print(
        f"[green]Replaying[/green] {result['replayed']} events of {shown(result['subscription'])}"))


@events_group.command("pull")
@click.argument("name")
@click.option("--limit", "-l", type=int, default=100, show_default=True, help="At most this many events.")
@click.option("--lease-seconds", type=float, default=300, show_default=True,
              help="Unacknowledged events come back after this long.")
@click.option("--ack", is_flag=True, help="Acknowledge them at once (they are not given out again).")
@json_option
def pull_cmd(name, limit, lease_seconds, ack):
    """Claim pending events of pull subscription NAME (one per entry, oldest first)."""
    st = state()
    engine = st.engine()
    events = engine.claim_events(name, limit=limit, lease_seconds=lease_seconds)
    acked = engine.ack_events(name, [e["id"] for e in events]) if ack and events else None
    result = {"subscription": name, "events": events, "acknowledged": acked["acknowledged"] if acked else 0}
    emit(result, lambda: st.console.print(table(
        f"{len(events)} events of {name}" + (" (acknowledged)" if acked else ""), EVENT_COLUMNS, _event_rows(events))))


def register(cli) -> None:
    cli.add_command(events_group)
