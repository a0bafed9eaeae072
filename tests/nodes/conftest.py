"""Node tests: the real PolySynergy runtime when installed, else the test stand-in.

``content_node_harness`` makes that choice on import, so it is imported before
anything that imports a node module.
"""

from __future__ import annotations

from content_node_harness import RESEARCH_FIELDS, REAL_RUNTIME, build_node, run, runtime_description  # first

import pytest


def pytest_report_header(config):
    return f"content nodes run against: {runtime_description()}"


@pytest.fixture
def real_runtime() -> bool:
    return REAL_RUNTIME


@pytest.fixture
def no_database_env(monkeypatch):
    """No database URL in the environment (the nodes' fallbacks are unset)."""
    monkeypatch.delenv("SECTIONS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture
def make_node():
    return build_node


@pytest.fixture
def execute_node():
    return run


@pytest.fixture
def engine(database_url):
    """The shared engine for this test's database (used to set up and inspect state)."""
    from polysynergy_nodes_content.content_engine.engine import get_engine

    return get_engine(database_url)


@pytest.fixture
def research_section(engine):
    """The seed's research_companies section, with its five fields, migrated."""
    section = engine.create_section("research_companies", "Research Companies",
                                    description="Companies researched for Kubernetes usage")
    fields = {spec["handle"]: engine.add_field(section["id"], **spec) for spec in RESEARCH_FIELDS}
    plan = engine.plan_migration(section["id"])
    engine.apply_migration(plan["id"], confirm=True)
    return {"section": section, "fields": fields}
