"""No node variable takes a name the runtime uses for the node itself.

The generated flow builds each node as ``XV1_0(id=..., handle=..., stateful=..., context=...)``
and then assigns every variable's value as an attribute, so a variable called ``handle``
replaces the node's handle in the flow (it is registered and shown under the variable's
value), and one named like a runtime method would replace the method. In the setup
context the same holds for the ``Node`` dataclass fields (the decorator writes the node's
icon file through an ``icon`` variable).

ContentSectionCreate once had inputs called ``handle`` and ``icon``: in a real flow the node was
then registered under the section's handle, so lookups and ``{{ <handle>.x }}`` placeholders
missed it. They are ``section_handle`` and ``section_icon`` now, and nothing may collide.
"""

from __future__ import annotations

import dataclasses

import pytest

from content_codegen_sim import build_module, flow_value
from content_node_harness import REAL_RUNTIME
from content_node_contract import CONTRACT, node_class, node_file

# What the runtime sets on a node (read from polysynergy-node-runner; used with the stand-in).
SETUP_FIELDS = {"id", "context", "state", "flow", "handle", "name", "path", "type", "icon", "category", "variables",
                "has_play_button", "has_enabled_switch", "stateful", "flow_state", "version", "metadata"}
RUN_ATTRIBUTES = {"id", "handle", "stateful", "context", "state", "flow", "factory", "path", "flow_state", "run_id"}


def runtime_names() -> set[str]:
    names = SETUP_FIELDS | RUN_ATTRIBUTES
    if REAL_RUNTIME:
        from polysynergy_node_runner.execution_context.executable_node import ExecutableNode
        from polysynergy_node_runner.setup_context.node import Node

        names |= {f.name for f in dataclasses.fields(Node)}
        names |= {n for n in dir(ExecutableNode) if not n.startswith("_")}
    return names


@pytest.mark.parametrize("class_name", sorted(CONTRACT))
def test_node_variables_leave_the_runtimes_names_alone(class_name):
    variables = set(node_class(class_name).__node_variable_settings__)
    clashes = variables & runtime_names()
    assert not clashes, f"{class_name}: variables named like the runtime's own attributes: {sorted(clashes)}"


class FlowNode:
    """What a generated class subclasses, as the generator builds it: (id, handle, stateful, context)."""

    def __init__(self, id: str, handle: str, stateful: bool = True, context=None):
        self.id, self.handle, self.stateful, self.context = id, handle, stateful, context


def flow_assigned_values(class_name: str) -> dict:
    """Every variable as a flow assigns it: the library value, and text for every empty text input."""
    values = {}
    for variable in node_class(class_name)().to_dict()["variables"]:
        value = flow_value(variable["value"], variable["type"])
        values[variable["handle"]] = f"value_of_{variable['handle']}" if value in ("", None) else value
    return values


@pytest.mark.parametrize("class_name", sorted(CONTRACT))
def test_a_flow_assignment_keeps_the_node_handle_and_id(class_name):
    source = build_module([node_file(class_name).read_text(encoding="utf-8")])
    namespace = {"__name__": "generated_flow", "ExecutableNode": FlowNode}
    exec(compile(source, "<generated flow>", "exec"), namespace)
    instance = namespace[f"{class_name}V1_0"](id="node-1", handle="the_node", stateful=True, context=None)
    for name, value in flow_assigned_values(class_name).items():
        setattr(instance, name, value)
    assert (instance.id, instance.handle, instance.stateful) == ("node-1", "the_node", True), class_name
