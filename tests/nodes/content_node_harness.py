"""Shared helpers of the node tests; importing it picks the runtime for the node files.

The real package ``polysynergy_node_runner`` is not on PyPI; where it is missing,
``tests/runtime_standin`` is put first on ``sys.path`` so the node files' imports
resolve to the stand-in. The choice is made once, before any node module is imported
(``conftest.py`` imports this module first).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

STANDIN_DIR = Path(__file__).resolve().parents[1] / "runtime_standin"
RUNTIME_MODULES = (
    "polysynergy_node_runner.setup_context.node",
    "polysynergy_node_runner.setup_context.node_decorator",
    "polysynergy_node_runner.setup_context.node_error",
    "polysynergy_node_runner.setup_context.node_variable_settings",
    "polysynergy_node_runner.setup_context.path_settings",
    "polysynergy_node_runner.setup_context.dock_property",
    "polysynergy_node_runner.execution_context.replace_placeholders",
)


def _use_real_runtime() -> bool:
    try:
        for name in RUNTIME_MODULES:
            __import__(name)
    except ImportError:
        for name in [m for m in sys.modules if m == "polysynergy_node_runner" or m.startswith("polysynergy_node_runner.")]:
            del sys.modules[name]
        if str(STANDIN_DIR) not in sys.path:
            sys.path.insert(0, str(STANDIN_DIR))
        return False
    return not getattr(sys.modules["polysynergy_node_runner"], "STANDIN", False)


REAL_RUNTIME = _use_real_runtime()

NO_URL_MESSAGE = (
    "No database URL: set the database_url input, or the SECTIONS_DATABASE_URL or DATABASE_URL environment variable"
)

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


def runtime_description() -> str:
    runtime = sys.modules.get("polysynergy_node_runner")
    kind = "real polysynergy_node_runner" if REAL_RUNTIME else "test stand-in"
    return f"{kind} ({getattr(runtime, '__file__', '?')})"


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
