"""The node files after PolySynergy's code generation, joined into one module.

``content_codegen_sim`` re-does the generator's rewrite (hoisted imports, dropped
decorator, ``class XV1_0(ExecutableNode):``, variables reduced to their defaults).
When the real runtime is installed, its own generator and ExecutableNode are used too.
"""

from __future__ import annotations

import ast
import asyncio

import pytest

from content_node_harness import REAL_RUNTIME
from content_codegen_sim import build_module, flow_value
from content_node_contract import CONTRACT, node_class, node_file

CLASS_NAMES = sorted(CONTRACT)


class StandInExecutableNode:
    """What the generated classes subclass: built as (id, handle, stateful, context)."""

    def __init__(self, id: str, handle: str, stateful: bool = True, context=None):
        self.id = id
        self.handle = handle
        self.stateful = stateful
        self.context = context


def generated_namespace(executable_node) -> dict:
    source = build_module([node_file(name).read_text(encoding="utf-8") for name in CLASS_NAMES])
    tree = ast.parse(source)
    first_class = next(i for i, n in enumerate(tree.body) if isinstance(n, ast.ClassDef))
    assert all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body[:first_class])
    assert all(isinstance(n, ast.ClassDef) for n in tree.body[first_class:])
    namespace = {"__name__": "generated_flow", "ExecutableNode": executable_node}
    exec(compile(source, "<generated flow>", "exec"), namespace)
    namespace["ExecutableNode"] = executable_node
    return namespace


def flow_variables(class_name: str) -> dict:
    """The values the generator assigns: each variable's value from the node library."""
    values = {}
    for variable in node_class(class_name)().to_dict()["variables"]:
        handle, kind, value = variable["handle"], variable["type"], variable["value"]
        if kind.startswith(("true_path", "false_path")):
            values[handle] = bool(value)
        else:
            values[handle] = flow_value(value, kind)
    return values


def instantiate(namespace, class_name: str, context=None, **inputs):
    cls = namespace[f"{class_name}V1_0"]
    instance = cls(id=f"{class_name.lower()}-id", handle=f"{class_name.lower()}_1", stateful=True, context=context)
    for name, value in {**flow_variables(class_name), **inputs}.items():
        setattr(instance, name, value)
    return instance


@pytest.fixture(scope="module")
def generated():
    return generated_namespace(StandInExecutableNode)


def test_generated_module_defines_every_versioned_class(generated):
    for class_name in CLASS_NAMES:
        cls = generated[f"{class_name}V1_0"]
        assert cls.__bases__ == (StandInExecutableNode,)
        assert asyncio.iscoroutinefunction(cls.execute)
        original = node_class(class_name)
        for name, settings in original.__node_variable_settings__.items():
            assert getattr(cls, name) == settings["default"], f"{class_name}.{name}"
        assert cls.true_path is None and cls.false_path is None
    assert not [n for n in generated if n in CLASS_NAMES], "unversioned class names leaked"


def test_generated_node_fails_cleanly_without_a_url(generated, no_database_env):
    instance = instantiate(generated, "ContentEntryQuery", section_handle="research_companies")
    asyncio.run(instance.execute())
    assert instance.true_path is False
    assert instance.false_path["error"].startswith("No database URL")
    assert instance.entries == [] and instance.total_count == 0
    assert instance.handle == "contententryquery_1"


def test_generated_nodes_run_in_two_event_loops(generated, database_url):
    create = instantiate(
        generated, "ContentSectionCreate", section_handle="generated_section", label="Generated", database_url=database_url
    )
    asyncio.run(create.execute())
    assert create.false_path is False, create.false_path
    assert create.table_name == "generated_section"
    generate = instantiate(generated, "ContentMigrationGenerate", section_id=create.section_id, database_url=database_url)
    asyncio.run(generate.execute())
    assert generate.false_path is False, generate.false_path
    assert generate.migration_id and "CREATE TABLE" in generate.migration_sql


def test_generated_node_as_a_path_tool_reused_between_calls(generated, database_url):
    """Strings only, errors on the success path, one instance for every call."""
    create = instantiate(generated, "ContentSectionCreate", section_handle="tool_section", label="Tool", description="null",
                         section_icon="", errors_on_success_path="true", database_url=database_url)
    asyncio.run(create.execute())
    assert create.false_path is False and create.true_path["ok"] is True, create.true_path
    first_id = create.section_id
    for name, value in {"section_handle": "Not A Handle", "label": "Bad"}.items():
        setattr(create, name, value)
    asyncio.run(create.execute())
    assert create.false_path is False and create.true_path["ok"] is False
    assert "handle" in create.true_path["field"] and "handle" in create.true_path["error"]
    assert (create.section_id, create.table_name, create.migration_id) == ("", "", None)
    assert first_id


# -- the real runtime's generator and ExecutableNode (only where it is installed) ---------
real_only = pytest.mark.skipif(not REAL_RUNTIME, reason="polysynergy_node_runner is not installed")


class _Listeners:
    def has_listener(self, *_args, **_kwargs):
        return False


class _Storage:
    def __init__(self):
        self.results = []

    def store_node_result(self, node, **kwargs):
        self.results.append((node.id, kwargs))


class _Secrets:
    def __init__(self, values: dict):
        self.values = values
        self.asked = []

    def get_secret_by_key(self, key, project_id, stage):
        self.asked.append((key, project_id, stage))
        return {"key": key, "value": self.values[key]} if key in self.values else None


class _EnvVars:
    def get_var(self, project_id, stage, key):
        return None


def real_context(secrets: dict):
    from polysynergy_node_runner.execution_context.context import Context
    from polysynergy_node_runner.execution_context.execution_state import ExecutionState
    from polysynergy_node_runner.execution_context.flow import Flow

    return Context(
        run_id="run-1",
        node_setup_version_id="version-1",
        state=ExecutionState(),
        flow=Flow(),
        storage=_Storage(),
        active_listeners=_Listeners(),
        secrets_manager=_Secrets(secrets),
        env_var_manager=_EnvVars(),
        stage="mock",
        sub_stage="mock",
        execution_flow={"run_id": "run-1", "nodes_order": [], "connections": [], "execution_data": []},
    )


@pytest.fixture(scope="module")
def real_generated():
    from polysynergy_node_runner.execution_context.executable_node import ExecutableNode
    from polysynergy_node_runner.services.codegen.steps.unify_node_code import unify_node_code

    collected: set[str] = set()
    bodies = [unify_node_code(node_file(name).read_text(encoding="utf-8"), collected, 1.0) for name in CLASS_NAMES]
    source = "\n".join(sorted(collected) + bodies) + "\n"
    namespace = {"__name__": "generated_flow", "ExecutableNode": ExecutableNode}
    exec(compile(source, "<real generated flow>", "exec"), namespace)
    namespace["ExecutableNode"] = ExecutableNode
    return namespace


@real_only
def test_real_generator_output_matches_the_simulation(real_generated, generated):
    for class_name in CLASS_NAMES:
        real_cls, simulated = real_generated[f"{class_name}V1_0"], generated[f"{class_name}V1_0"]
        names = node_class(class_name).__node_variable_settings__
        for name in list(names) + ["true_path", "false_path"]:
            assert getattr(real_cls, name) == getattr(simulated, name), f"{class_name}.{name}"


@real_only
def test_real_executable_node_resolves_the_secret_and_runs(real_generated, database_url, monkeypatch, no_database_env):
    monkeypatch.setenv("PROJECT_ID", "project-1")
    context = real_context({"CONTENT_DB": database_url})
    create = instantiate(
        real_generated, "ContentSectionCreate", context=context,
        section_handle="real_runtime_section", label="Real Runtime", database_url="<secret:CONTENT_DB>",
    )
    asyncio.run(create.state_execute())
    assert create.get_exception() is None
    assert create.false_path is False, create.false_path
    assert create.true_path["table_name"] == "real_runtime_section"
    assert context.secrets.asked == [("CONTENT_DB", "project-1", "mock")]

    query = instantiate(
        real_generated, "ContentEntryQuery", context=context,
        section_handle="real_runtime_section", database_url="<secret:MISSING>",
    )
    asyncio.run(query.state_execute())
    assert query.true_path is False
    assert "secret it refers to was not found" in query.false_path["error"]
    assert query.entries == []
