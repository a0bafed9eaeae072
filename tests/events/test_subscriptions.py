"""Subscriptions: what is refused when one is saved (with the field and the reason), where
a webhook may point, and who can see them."""

from __future__ import annotations

import psycopg
import pytest
from events_helpers import SECRET, apply

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound, Refused


def test_bad_subscriptions_are_refused_with_the_field_and_reason(engine, notes):
    cases = [
        (dict(name="bad name!", sections=["notes"]), "name"),
        (dict(name="s", sections=["nope"]), "sections"),
        (dict(name="s", sections=[]), "sections"),
        (dict(name="s", sections=["notes"], events=["created"]), "events"),
        (dict(name="s", sections=["notes"], filter={"nope": 1}), "nope"),
        (dict(name="s", sections=["notes"], target={"url": "http://127.0.0.1:9/x", "secret": "short"}),
         "target.secret"),
        (dict(name="s", sections=["notes"], target={"url": "ftp://127.0.0.1/x", "secret": SECRET}), "target.url"),
        (dict(name="s", sections=["notes"], max_attempts=0), "max_attempts"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as caught:
            engine.create_subscription(**kwargs)
        assert caught.value.field == field, (kwargs, caught.value)
    assert engine.list_subscriptions() == []


def test_a_section_without_history_cannot_be_subscribed(engine):
    quiet = engine.create_section("quiet", "Quiet")
    engine.add_field(quiet["id"], "title", "Title", "text")
    engine.update_section("quiet", {"history": False})
    apply(engine, quiet["id"])
    with pytest.raises(Refused, match="records no history"):
        engine.create_subscription("s", ["quiet"])


def test_names_are_unique(engine, notes):
    engine.create_subscription("s", ["notes"])
    with pytest.raises(Refused, match="exists already"):
        engine.create_subscription("s", ["notes"])


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fe80::1]/hook",  # link-local
    "http://0.0.0.0/hook",
    "http://[::ffff:169.254.169.254]/hook",  # metadata dressed as IPv6
])
def test_link_local_and_metadata_targets_are_always_refused(database_url, url):
    everything = ContentEngine(database_url, settings=_allowing("0.0.0.0/0,::/0"))
    everything.install()
    section = everything.create_section("notes", "Notes")
    everything.add_field(section["id"], "title", "Title", "text")
    apply(everything, section["id"])
    with pytest.raises(InvalidInput, match="never allowed") as caught:
        everything.create_subscription("s", ["notes"], target={"url": url, "secret": SECRET})
    assert caught.value.field == "target.url"


def _allowing(networks):
    from polysynergy_nodes_content.content_engine.settings import EngineSettings

    return EngineSettings(events_allow_networks=networks)


def test_loopback_and_private_targets_need_the_setting(database_url):
    strict = ContentEngine(database_url)  # no events_allow_networks
    strict.install()
    section = strict.create_section("notes", "Notes")
    strict.add_field(section["id"], "title", "Title", "text")
    apply(strict, section["id"])
    for url in ("http://127.0.0.1:8080/hook", "http://localhost:8080/hook", "http://10.1.2.3/hook",
                "https://192.168.0.10/hook"):
        with pytest.raises(InvalidInput, match="events_allow_networks"):
            strict.create_subscription("s", ["notes"], target={"url": url, "secret": SECRET})
    allowed = ContentEngine(database_url, settings=_allowing("127.0.0.1/32"))
    made = allowed.create_subscription("s", ["notes"], target={"url": "http://localhost:8080/hook", "secret": SECRET})
    assert made["target"]["url"] == "http://localhost:8080/hook"
    with pytest.raises(InvalidInput, match="events_allow_networks"):  # only that network
        allowed.create_subscription("t", ["notes"], target={"url": "http://10.1.2.3/hook", "secret": SECRET})


def test_the_secret_is_never_shown(engine, notes, receiver):
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET})
    assert SECRET not in repr(engine.list_subscriptions()) + repr(engine.get_subscription("hook"))
    assert engine.get_subscription("hook")["target"] == {"url": receiver.url, "secret": "(set)"}


def test_update_pause_resume_and_delete(engine, notes):
    engine.create_subscription("s", ["notes"])
    engine.create_entry("notes", {"title": "a"})
    assert engine.update_subscription("s", events=["update"], max_attempts=3)["events"] == ["update"]
    with pytest.raises(InvalidInput):
        engine.update_subscription("s", filter={"missing": 1})
    assert engine.get_subscription("s")["filter"] is None  # a refused change changes nothing
    assert engine.pause_subscription("s")["paused"] is True
    engine.make_events()
    assert engine.claim_events("s", 10) == []  # paused: kept, not handed out
    assert engine.resume_subscription("s")["paused"] is False
    engine.update_entries("notes", {"title": "a"}, {"count": 1}, confirm=True)
    engine.make_events()
    assert engine.get_subscription("s")["counts"]["pending"] == 1
    assert engine.delete_subscription("s")["deleted"] is False  # not without confirm
    assert engine.delete_subscription("s", confirm=True)["deleted"] is True
    with pytest.raises(NotFound):
        engine.get_subscription("s")
    with psycopg.connect(engine.url) as conn:  # its events went with it
        assert conn.execute("SELECT count(*) FROM public.content_events").fetchone()[0] == 0


def test_a_scoped_engine_sees_only_subscriptions_of_its_sections(engine, notes):
    other = engine.create_section("secrets", "Secrets")
    engine.add_field(other["id"], "title", "Title", "text")
    apply(engine, other["id"])
    engine.create_subscription("on-notes", ["notes"])
    engine.create_subscription("on-secrets", ["secrets"])
    engine.create_subscription("on-both", ["notes", "secrets"])
    view = engine.scoped(["notes"])
    assert [s["name"] for s in view.list_subscriptions()] == ["on-notes"]
    for name in ("on-secrets", "on-both"):
        with pytest.raises(NotFound):
            view.claim_events(name, 10)
    with pytest.raises(NotFound):
        view.create_subscription("sneaky", ["secrets"])


def test_subscriptions_and_events_are_private_from_the_api_roles(engine, notes):
    engine.create_subscription("s", ["notes"])
    with psycopg.connect(engine.url, autocommit=True) as conn:
        for role in ("anon", "authenticated"):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(f"CREATE ROLE {role} NOLOGIN")  # test-only fixed names
        conn.execute("GRANT USAGE ON SCHEMA public TO anon")
        engine.install()  # a reinstall locks the system tables down again
        for table in ("content_subscriptions", "content_events", "content_event_feed", "content_event_receipts"):
            privileges = conn.execute("SELECT has_table_privilege('anon', %s, 'SELECT'), "
                                      "has_table_privilege('authenticated', %s, 'SELECT')",
                                      (f"public.{table}", f"public.{table}")).fetchone()
            assert privileges == (False, False), table


def test_a_webhook_subscription_cannot_be_claimed_by_a_poller(engine, notes, receiver):
    engine.create_subscription("hook", ["notes"], target={"url": receiver.url, "secret": SECRET})
    engine.create_entry("notes", {"title": "for the worker"})
    with pytest.raises(Refused, match="delivers to a webhook"):
        engine.claim_events("hook", 10)
