"""Fixtures for the entry tests: an engine on a fresh database with two applied sections.

``authors`` is the relation target; ``articles`` has a field of (nearly) every built-in
type, a required unique title, a single relation and a multiple relation to authors.
"""

from __future__ import annotations

import psycopg
import pytest

from template_builds import install_engine

from polysynergy_nodes_content.content_engine.engine import ContentEngine

ARTICLE_FIELDS = [
    # handle, type, settings, required, unique
    ("title", "text", {"maxLength": 200}, True, True),
    ("body", "textarea", {}, False, False),
    ("views", "integer", {"min": 0}, False, False),
    ("rating", "number", {"min": 0, "max": 5}, False, False),
    ("price", "decimal", {"precision": 8, "scale": 2}, False, False),
    ("published", "boolean", {}, False, False),
    ("publish_date", "date", {}, False, False),
    ("published_at", "datetime", {}, False, False),
    ("start_time", "time", {}, False, False),
    ("status", "select", {"options": ["draft", "published", "archived"]}, False, False),
    ("tags", "multi_select", {"options": ["news", "tech", "sport", "k8s"], "maxItems": 3}, False, False),
    ("meta", "json", {}, False, False),
    ("contact", "email", {}, False, False),
    ("website", "url", {}, False, False),
    ("slug", "slug", {}, False, True),
    ("phone", "phone", {}, False, False),
    ("color", "color", {}, False, False),
    ("cost", "currency", {}, False, False),
    ("share", "percentage", {}, False, False),
    ("author", "relation", {"targetSection": "authors"}, False, False),
    ("reviewers", "relation", {"targetSection": "authors", "allowMultiple": True, "maxItems": 3}, False, False),
]


def build_section(engine: ContentEngine, handle: str, fields, apply: bool = True) -> dict:
    section = engine.create_section(handle, handle.replace("_", " ").title())
    for name, type_handle, settings, required, unique in fields:
        engine.add_field(section["id"], name, name.title(), type_handle, settings, is_required=required,
                         is_unique=unique)
    if apply:
        plan = engine.plan_migration(section["id"])
        engine.apply_migration(plan["id"], confirm=True)
    return engine.get_section(section["id"])


@pytest.fixture
def engine(database_url):
    eng = ContentEngine(database_url)
    eng.install()
    return eng


def build_sections(engine: ContentEngine) -> dict:
    """``authors`` (name required, email unique) and ``articles`` (every type), both applied."""
    authors = build_section(engine, "authors", [
        ("name", "text", {"maxLength": 100}, True, False),
        ("email", "email", {}, False, True),
    ])
    articles = build_section(engine, "articles", ARTICLE_FIELDS)
    return {"authors": authors, "articles": articles}


@pytest.fixture
def prepared_databases(prepared_databases) -> dict:
    """A test that uses ``sections`` starts on a copy of a database where they were built."""
    return {"sections": ("entries_sections", lambda url: build_sections(install_engine(url))), **prepared_databases}


@pytest.fixture
def sections(engine, prepared_value):
    """``authors`` (name required, email unique) and ``articles`` (every type), both applied
    (by ``build_sections``, in the database this test's database is a copy of)."""
    return prepared_value


@pytest.fixture
def authors(engine, sections):
    """Three authors, by name -> id."""
    out = {}
    for name in ("Ada", "Grace", "Linus"):
        out[name] = engine.create_entry("authors", {"name": name})["id"]
    return out


@pytest.fixture
def raw(database_url):
    """A plain autocommit connection to inspect the database behind the engine's back."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


@pytest.fixture
def build():
    """``build_section`` for tests that make sections of their own."""
    return build_section


@pytest.fixture
def article_fields():
    return list(ARTICLE_FIELDS)


@pytest.fixture
def seat_section(engine):
    """Makes an applied section ``handle`` (unique ``code``, ``seats`` defaulting to 10,
    ``sold``) with the section rule that no more seats are sold than there are."""
    def make(handle: str) -> str:
        section = build_section(engine, handle, [
            ("code", "text", {}, True, True),
            ("seats", "integer", {}, False, False),
            ("sold", "integer", {}, False, False),
        ], apply=False)
        seats = next(f for f in section["fields"] if f["handle"] == "seats")
        engine.update_field(seats["id"], {"default_value": 10})
        engine.update_section(handle, {"validation_rules": [
            {"rule": {"_or": [{"sold": {"_null": True}}, {"sold": {"_lte": {"_field": "seats"}}}]},
             "message": "cannot sell more seats than there are"}]})
        engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
        return handle
    return make
