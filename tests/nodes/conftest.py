"""Node tests: use the real PolySynergy runtime when installed, else the test stand-in.

The real package ``polysynergy_node_runner`` is not on PyPI; where it is missing,
``tests/runtime_standin`` is put first on ``sys.path`` so the node files' imports
resolve to the stand-in. The choice is made once, before any node module is imported.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

STANDIN_DIR = Path(__file__).resolve().parents[1] / "runtime_standin"


def _use_real_runtime() -> bool:
    try:
        import polysynergy_node_runner.setup_context.node  # noqa: F401
        import polysynergy_node_runner.setup_context.node_decorator  # noqa: F401
        import polysynergy_node_runner.setup_context.node_error  # noqa: F401
        import polysynergy_node_runner.setup_context.node_variable_settings  # noqa: F401
        import polysynergy_node_runner.setup_context.path_settings  # noqa: F401
    except ImportError:
        for name in [m for m in sys.modules if m == "polysynergy_node_runner" or m.startswith("polysynergy_node_runner.")]:
            del sys.modules[name]
        sys.path.insert(0, str(STANDIN_DIR))
        return False
    return not getattr(sys.modules["polysynergy_node_runner"], "STANDIN", False)


REAL_RUNTIME = _use_real_runtime()


def pytest_report_header(config):
    runtime = sys.modules.get("polysynergy_node_runner")
    where = getattr(runtime, "__file__", "?")
    kind = "real polysynergy_node_runner" if REAL_RUNTIME else "test stand-in"
    return f"content nodes run against: {kind} ({where})"


@pytest.fixture
def real_runtime() -> bool:
    return REAL_RUNTIME


@pytest.fixture
def no_database_env(monkeypatch):
    """No database URL in the environment (the nodes' fallbacks are unset)."""
    monkeypatch.delenv("SECTIONS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


def build_node(cls, **inputs):
    """A node as PolySynergy's own pack tests build it: no arguments, paths preset, inputs set."""
    instance = cls()
    instance.true_path = False
    instance.false_path = False
    for name, value in inputs.items():
        setattr(instance, name, value)
    return instance


def run(instance):
    """Run a node's execute() in a new event loop (each call uses a fresh loop)."""
    asyncio.run(instance.execute())
    return instance


@pytest.fixture
def make_node():
    return build_node


@pytest.fixture
def execute_node():
    return run


RESEARCH_FIELDS = [
    dict(handle="company_name", label="Company Name", field_type_handle="text",
         field_settings={"maxLength": 200}, is_required=True, is_unique=True),
    dict(handle="uses_kubernetes", label="Uses Kubernetes", field_type_handle="boolean", is_required=False),
    dict(handle="kubernetes_confidence", label="Confidence Level", field_type_handle="select",
         field_settings={"options": ["hoog", "middel", "laag"]}),
    dict(handle="industry", label="Industry", field_type_handle="text"),
    dict(handle="outreach_suggestion", label="Outreach Message", field_type_handle="textarea",
         field_settings={"rows": 5}),
]


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
