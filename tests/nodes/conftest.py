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
