"""The content-event nodes against the real PostgreSQL: Events Poll and Events Ack in a
Schedule-style flow (outputs feeding inputs, each node in its own event loop), and Event
Receive taking real signed deliveries (from the real worker and a real HTTP receiver)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from content_event_support import SECRET, signed_delivery, wait_for_pending
from content_node_contract import node_class
from content_node_harness import REAL_RUNTIME, build_node, run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "events"))
from events_helpers import Receiver  # noqa: E402  (the events tests' real HTTP receiver)

from polysynergy_nodes_content.content_engine.engine import ContentEngine  # noqa: E402
from polysynergy_nodes_content.content_engine.settings import EngineSettings  # noqa: E402


def node(class_name, **inputs):
    return run(build_node(node_class(class_name), **inputs))


def ok(instance):
    assert instance.false_path is False, instance.false_path
    assert instance.true_path is not False
    return instance


def refused(instance, fragment):
    assert instance.true_path is False
    assert fragment in instance.false_path["error"], instance.false_path
    assert instance.event == {} and instance.event_id is None and instance.entry == {}
    return instance.false_path["error"]


@pytest.fixture
def feed(engine, research_section):
    """A pull subscription on research_companies, and two new entries' create events made."""
    engine.create_subscription("feed", ["research_companies"])
    entries = [engine.create_entry("research_companies", {"company_name": n}) for n in ("Acme", "Beta")]
    wait_for_pending(engine, "feed", 2)
    return entries


def poll(database_url, **inputs):
    return ok(node("ContentEventsPoll", subscription="feed", database_url=database_url, **inputs))


def test_poll_then_ack_then_nothing_again(database_url, engine, feed):
    claimed = poll(database_url, limit="10")
    assert claimed.event_count == 2 and claimed.true_path["subscription"] == "feed"
    handled = [e["entry"]["company_name"] for e in claimed.events]  # the flow's loop
    assert handled == ["Acme", "Beta"]
    assert {e["type"] for e in claimed.events} == {"create"}
    assert [e["entry_id"] for e in claimed.events] == [e["id"] for e in feed]
    acked = ok(node("ContentEventsAck", subscription="feed", events=claimed.events, database_url=database_url))
    assert acked.acknowledged_count == 2 and acked.not_pending == []
    assert engine.get_subscription("feed")["counts"]["delivered"] == 2
    again = poll(database_url)
    assert again.event_count == 0 and again.events == []
    twice = ok(node("ContentEventsAck", subscription="feed", events=claimed.events, database_url=database_url))
    assert twice.acknowledged_count == 0 and twice.not_pending == [e["id"] for e in claimed.events]


def test_claimed_events_are_not_given_out_again_while_leased(database_url, feed):
    first = poll(database_url, lease_seconds=300)
    assert first.event_count == 2
    assert poll(database_url).event_count == 0


def test_without_ack_the_events_come_back_after_the_lease(database_url, engine, feed):
    first = poll(database_url, lease_seconds="1")
    assert first.event_count == 2 and {e["attempt"] for e in first.events} == {1}
    deadline = time.monotonic() + 120
    again = poll(database_url, lease_seconds=300)
    while again.event_count == 0 and time.monotonic() < deadline:  # waits for the 1 s lease to run out
        again = poll(database_url, lease_seconds=300)
    assert [e["id"] for e in again.events] == [e["id"] for e in first.events]
    assert {e["attempt"] for e in again.events} == {2}
    ok(node("ContentEventsAck", subscription="feed", events=[e["id"] for e in again.events],
            database_url=database_url))
    assert poll(database_url).event_count == 0


def test_an_entrys_next_event_waits_for_the_ack_of_the_earlier_one(database_url, engine, feed):
    engine.update_entry("research_companies", feed[0]["id"], {"industry": "IT"})
    wait_for_pending(engine, "feed", 3)
    first = poll(database_url)
    assert [(e["entry"]["company_name"], e["type"]) for e in first.events] == [("Acme", "create"), ("Beta", "create")]
    ok(node("ContentEventsAck", subscription="feed", events=first.events[0]["id"], database_url=database_url))
    second = poll(database_url)
    assert [(e["entry_id"], e["type"], e["changed"]) for e in second.events] == [(feed[0]["id"], "update",
                                                                                  ["industry"])]


def test_poll_and_ack_refuse_an_unknown_subscription_and_bad_ids(database_url, research_section):
    missing = node("ContentEventsPoll", subscription="nowhere", database_url=database_url)
    assert "does not exist" in missing.false_path["error"] and missing.events == [] and missing.event_count == 0
    bad = node("ContentEventsAck", subscription="nowhere", events=["x"], database_url=database_url)
    assert bad.true_path is False and bad.acknowledged_count == 0


# -- Event Receive --------------------------------------------------------------------------
def receive(database_url, body, headers, secret=SECRET, **inputs):
    return node("ContentEventReceive", body=body, headers=headers, secret=secret, database_url=database_url,
                **inputs)


def test_receive_accepts_a_good_delivery_and_outputs_its_fields(database_url, research_section):
    body, headers = signed_delivery()
    got = ok(receive(database_url, body, headers))
    assert (got.event_type, got.section, got.changed, got.event_run_id, got.actor, got.source) == (
        "update", "research_companies", ["industry"], "run-9", "ada", "cli")
    assert got.entry == {"company_name": "SWIS", "industry": "IT"} and got.previous["industry"] is None
    assert got.event_id == headers["x-content-event-id"] and got.event["id"] == got.event_id
    assert got.true_path["ok"] is True and got.true_path["entry_id"] == got.entry_id


def test_receive_refuses_a_repeated_event(database_url, research_section):
    body, headers = signed_delivery()
    ok(receive(database_url, body, headers))
    refused(receive(database_url, body, headers), "was received before")


def test_receive_refuses_a_bad_signature(database_url, research_section):
    body, headers = signed_delivery(secret="another-secret-0123456789abcdef")
    refused(receive(database_url, body, headers), "signature does not match")
    body, headers = signed_delivery()
    refused(receive(database_url, body.replace("SWIS", "EVIL"), headers), "signature does not match")
    unsigned = {k: v for k, v in headers.items() if k != "x-content-event-signature"}
    refused(receive(database_url, body, unsigned), "not signed")
    ok(receive(database_url, body, headers))  # the untouched delivery still passes


def test_receive_refuses_an_old_timestamp(database_url, research_section):
    body, headers = signed_delivery(now=time.time() - 1000)
    error = refused(receive(database_url, body, headers), "away from now")
    assert "tolerance 300 s" in error
    ok(receive(database_url, body, headers, tolerance_seconds="3600"))  # the node's tolerance is the one used


def test_receive_refuses_missing_inputs_and_an_unfound_secret(database_url, research_section):
    body, headers = signed_delivery()
    refused(receive(database_url, "", headers), "body is required")
    refused(receive(database_url, body, {}), "headers is required")
    refused(receive(database_url, body, headers, secret=""), "secret is required")
    refused(receive(database_url, body, headers, secret="<SECRET::NOT::FOUND>"), "was not found")
    refused(receive(database_url, body, headers, tolerance_seconds=0), "tolerance_seconds must be from 1")


def test_receive_takes_the_body_as_it_is_without_filling_placeholders(database_url, research_section):
    body, headers = signed_delivery({"entry": {"company_name": "{{ 7 * 7 }}"}})
    got = ok(receive(database_url, body, headers))
    assert got.entry["company_name"] == "{{ 7 * 7 }}"


def test_receive_takes_a_real_delivery_of_the_worker(database_url, engine, research_section):
    sender = ContentEngine(database_url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))
    receiver = Receiver()
    try:
        sender.create_subscription("hook", ["research_companies"], target={"url": receiver.url, "secret": SECRET})
        entry = engine.create_entry("research_companies", {"company_name": "SWIS"})
        worker = sender.events_worker()
        deadline = time.monotonic() + 120
        while not receiver.received and time.monotonic() < deadline:
            worker.run(once=True)
        worker.close()
        delivery = receiver.received[0]
    finally:
        receiver.close()
    route_headers = {k.lower(): v for k, v in delivery["headers"].items()}  # as a Route hands them on
    got = ok(receive(database_url, delivery["body"].decode(), route_headers))
    assert (got.event_type, got.entry_id, got.entry["company_name"]) == ("create", entry["id"], "SWIS")
    refused(receive(database_url, delivery["body"].decode(), route_headers), "was received before")


# -- the real runtime ---------------------------------------------------------------------------
@pytest.mark.skipif(not REAL_RUNTIME, reason="polysynergy_node_runner is not installed")
def test_poll_and_ack_in_a_flow_of_the_real_runtime(database_url, monkeypatch, no_database_env, engine, feed):
    """The real code generator and mock start: Events Poll -> Events Ack (events by wire)
    acknowledges what the poll claimed; a second run finds nothing."""
    from polysynergy_node_runner.services.codegen.build_executable import generate_code_from_json
    from test_content_node_real_flow import node_json, run_generated

    from content_node_contract import PACKAGE_DIR

    for name in ("AWS_ENDPOINT_URL", "DYNAMODB_LOCAL_ENDPOINT"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NODE_PACKAGES", "polysynergy_nodes_content")
    monkeypatch.setenv("PROJECT_ID", "project-1")
    monkeypatch.chdir(PACKAGE_DIR.parent)
    flow_json = {
        "nodes": [node_json("n-poll", "ContentEventsPoll", {"subscription": "feed", "lease_seconds": 300}),
                  node_json("n-ack", "ContentEventsAck", {"subscription": "feed"})],
        "connections": [
            {"id": "w0", "sourceNodeId": "n-poll", "sourceHandle": "true_path", "targetNodeId": "n-ack",
             "targetHandle": "node"},
            {"id": "w1", "sourceNodeId": "n-poll", "sourceHandle": "events", "targetNodeId": "n-ack",
             "targetHandle": "events"},
        ],
    }
    source = generate_code_from_json(flow_json, "flow-version-1")
    state, _, _ = run_generated(source, database_url, "n-poll")
    assert state.get_node_by_id("n-poll").event_count == 2
    assert state.get_node_by_id("n-ack").acknowledged_count == 2
    assert engine.get_subscription("feed")["counts"]["delivered"] == 2
    state, _, _ = run_generated(source, database_url, "n-poll")
    assert state.get_node_by_id("n-poll").event_count == 0
