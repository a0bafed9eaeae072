"""MCP tests: the SDK's own client starts ``polysynergy-content mcp`` as a subprocess.

Each test gets a fresh database on the real test server, with the seed's
research_companies section created and migrated through the engine.
"""

from __future__ import annotations

import pytest

from mcp_session import RESEARCH_FIELDS


@pytest.fixture
def engine(database_url):
    from polysynergy_nodes_content.content_engine.engine import get_engine

    return get_engine(database_url)


@pytest.fixture
def research(engine):
    section = engine.create_section("research_companies", "Research Companies",
                                    description="Companies researched for Kubernetes usage")
    for spec in RESEARCH_FIELDS:
        engine.add_field(section["id"], **spec)
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    return section
