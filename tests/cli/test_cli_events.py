"""``polysynergy-content events ...`` against the real PostgreSQL and a real HTTP receiver
on 127.0.0.1 (allowed through SECTIONS_EVENTS_ALLOW_NETWORKS, as a deployment would)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "events"))
from events_helpers import Receiver  # noqa: E402  (the events tests' real HTTP receiver)

from polysynergy_nodes_content.content_engine.events import verify  # noqa: E402

SECRET = "cli-hook-secret-0123456789abcdef"
ENV = {"SECTIONS_EVENTS_ALLOW_NETWORKS": "127.0.0.1/32", "HOOK_SECRET": SECRET}


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def eventually(step, done, timeout: float = 120.0):
    """Repeat ``step`` until ``done(results)``: events are made only up to the bound below
    which no transaction on the server can still add a change, and other sessions on a
    shared test server hold that bound back for a moment."""
    deadline = time.monotonic() + timeout
    results = []
    while True:
        results.append(step())
        if done(results) or time.monotonic() > deadline:
            return results


def deliver(run, receiver, count: int) -> dict:
    """``events run --once`` until the receiver has ``count`` answered deliveries; the summed totals."""
    rounds = eventually(lambda: run.json("events", "run", "--once", env=ENV)["totals"],
                        lambda _: len(receiver.received) >= count)
    return {key: sum(r[key] for r in rounds) for key in rounds[0]}


def pull(run, name, count: int, *extra) -> list[dict]:
    batches = eventually(lambda: run.json("events", "pull", name, *extra)["events"],
                         lambda got: sum(map(len, got)) >= count)
    return [event for batch in batches for event in batch]


def hook(run, receiver, name="hook", *extra):
    return run.json("events", "subscribe", name, "--section", "research_companies", "--url", receiver.url,
                    "--secret-env", "HOOK_SECRET", *extra, env=ENV)


def create(run, name):
    return run.json("entries", "create", "research_companies", json.dumps({"company_name": name}))


def test_subscribe_list_pause_resume_delete_round_trip(run, companies):
    made = run.json("events", "subscribe", "feed", "--section", companies, "--event", "create", "--event", "delete",
                    "--filter", '{"industry": "IT"}')["subscription"]
    assert (made["name"], made["sections"], made["events"], made["delivery"]) == (
        "feed", [companies], ["create", "delete"], "pull")
    assert made["filter"] == {"industry": "IT"} and made["paused"] is False
    listed = run.json("events", "list")["subscriptions"]
    assert [s["name"] for s in listed] == ["feed"]
    assert listed[0]["counts"] == {"pending": 0, "failed": 0, "dead": 0, "delivered": 0}
    assert run.json("events", "pause", "feed")["subscription"]["paused"] is True
    assert "yes" in run("events", "list").stdout  # the paused column
    assert run.json("events", "show", "feed")["subscription"]["paused"] is True
    assert run.json("events", "resume", "feed")["subscription"]["paused"] is False
    again = run("events", "subscribe", "feed", "--section", companies, expect=3)
    assert "exists already" in again.stderr
    kept = run.json("events", "delete", "feed")
    assert kept["deleted"] is False and run.json("events", "list")["subscriptions"]
    gone = run.json("events", "delete", "feed", "--yes")
    assert gone["deleted"] is True and run.json("events", "list")["subscriptions"] == []
    assert "does not exist" in run("events", "show", "feed", expect=2).stderr


def test_pull_claims_then_acknowledges(run, companies):
    run("events", "subscribe", "feed", "--section", companies)
    create(run, "Acme")
    create(run, "Beta")
    pulled = pull(run, "feed", 2, "--limit", "10")
    assert [e["entry"]["company_name"] for e in pulled] == ["Acme", "Beta"]
    assert run.json("events", "pull", "feed")["events"] == []  # leased, not given out twice
    assert run.json("events", "list")["subscriptions"][0]["counts"]["pending"] == 2
    run.json("events", "replay", "feed", "--from-seq", "1")  # lease given back
    acked = run.json("events", "pull", "feed", "--ack")
    assert len(acked["events"]) == 2 and acked["acknowledged"] == 2
    assert run.json("events", "pull", "feed")["events"] == []
    counts = run.json("events", "list")["subscriptions"][0]["counts"]
    assert counts["pending"] == 0 and counts["delivered"] == 2


def test_run_once_delivers_signed_events_to_the_receiver(run, companies, receiver):
    hook(run, receiver)
    for name in ("Acme", "Beta", "Gamma"):
        create(run, name)
    totals = deliver(run, receiver, 3)
    assert totals["delivered"] == 3 and totals["dead"] == 0
    events = sorted(receiver.events(), key=lambda e: e["seq"])  # entries are sent in parallel: order is per entry
    assert [e["entry"]["company_name"] for e in events] == ["Acme", "Beta", "Gamma"]
    for delivery in receiver.received:
        assert verify(SECRET, delivery["body"], delivery["headers"]) == delivery["event"]["id"]
    counts = run.json("events", "show", "hook")["subscription"]["counts"]
    assert counts == {"pending": 0, "failed": 0, "dead": 0, "delivered": 3}
    text = run("events", "run", "--once", env=ENV).stdout
    assert "started (once)" in text and "events worker stopped: 0 made, 0 delivered" in text


def test_dead_letters_are_listed_and_replay_dead_sends_them_again(run, companies, receiver):
    hook(run, receiver, "hook", "--max-attempts", "1")
    receiver.answer = lambda event: 500
    create(run, "Acme")
    failed = deliver(run, receiver, 1)
    assert failed["dead"] == 1 and failed["delivered"] == 0
    dead = run.json("events", "dead", "hook")["events"]
    assert len(dead) == 1 and dead[0]["entry"]["company_name"] == "Acme" and "500" in dead[0]["error"]
    assert "HTTP 500" in run("events", "dead", "hook").stdout or "500" in run("events", "dead", "hook").stdout
    assert run.json("events", "list")["subscriptions"][0]["counts"]["dead"] == 1
    receiver.answer = lambda event: 200
    assert run.json("events", "replay", "hook", "--dead")["replayed"] == 1
    assert deliver(run, receiver, 2)["delivered"] == 1
    assert [e["id"] for e in receiver.events(200)] == [dead[0]["id"]]
    assert run.json("events", "dead", "hook")["events"] == []
    refused = run("events", "replay", "hook", expect=2)
    assert "exactly one of" in refused.stderr


def test_replay_from_a_seq_sends_delivered_events_again(run, companies, receiver):
    hook(run, receiver)
    create(run, "Acme")
    create(run, "Beta")
    deliver(run, receiver, 2)
    # Two entries' events are sent at once: order is kept per entry, not across entries.
    beta = next(e for e in receiver.events() if e["entry"]["company_name"] == "Beta")
    assert beta["seq"] == max(e["seq"] for e in receiver.events())
    assert run.json("events", "replay", "hook", "--from-seq", str(beta["seq"]))["replayed"] == 1
    deliver(run, receiver, 3)
    assert sorted(e["entry"]["company_name"] for e in receiver.events()) == ["Acme", "Beta", "Beta"]
    assert receiver.events()[-1]["id"] == beta["id"]  # the replayed one came last


def test_the_secret_is_read_from_the_environment_and_never_printed(run, companies, receiver):
    made = hook(run, receiver)
    outputs = [json.dumps(made), run("events", "list", env=ENV).stdout, run("events", "list", "--json").stdout,
               run("events", "show", "hook").stdout, run("events", "show", "hook", "--json").stdout,
               run("events", "pause", "hook", "--json").stdout, run("events", "delete", "hook").stdout]
    assert all(SECRET not in text for text in outputs)
    assert made["subscription"]["target"] == {"url": receiver.url, "secret": "(set)"}
    assert receiver.url in outputs[1]
    on_argv = run("events", "subscribe", "other", "--section", companies, "--url", receiver.url, "--secret", SECRET,
                  expect=2, env=ENV)  # there is no way to put the secret on the command line
    assert "No such option" in on_argv.stderr
    missing = run("events", "subscribe", "other", "--section", companies, "--url", receiver.url, expect=2, env=ENV)
    assert "--secret-env" in missing.stderr
    unset = run("events", "subscribe", "other", "--section", companies, "--url", receiver.url,
                "--secret-env", "NO_SUCH_VARIABLE_SET", expect=2, env=ENV)
    assert "NO_SUCH_VARIABLE_SET is not set" in unset.stderr
    private = run("events", "subscribe", "other", "--section", companies, "--url", receiver.url,
                  "--secret-env", "HOOK_SECRET", expect=2, env={"HOOK_SECRET": SECRET,
                                                                "SECTIONS_EVENTS_ALLOW_NETWORKS": ""})
    assert "events_allow_networks" in private.stderr and SECRET not in private.stderr + private.stdout


def test_the_worker_process_delivers_until_sigterm_then_exits_0(run, companies, receiver, database_url):
    hook(run, receiver)
    arrived = threading.Event()

    def answer(event):
        arrived.set()
        return 200

    receiver.answer = answer
    env = {**os.environ, **ENV, "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "polysynergy_nodes_content", "--database-url", database_url,
                               "events", "run", "--poll-interval", "0.2"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert "started" in worker.stdout.readline()
        create(run, "Acme")
        assert arrived.wait(timeout=120), "the running worker never delivered the new entry's event"
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, err
    assert "events worker stopped:" in out
    assert [e["entry"]["company_name"] for e in receiver.events()] == ["Acme"]
