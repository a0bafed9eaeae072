"""No node variable takes a name the runtime uses for the node itself.

The generated flow builds each node as ``XV1_0(id=..., handle=..., stateful=..., context=...)``
and then assigns every variable's value as an attribute, so a variable called ``handle``
replaces the node's handle in the flow (it is registered and shown under the variable's
value), and one named like a runtime method would replace the method. In the setup
context the same holds for the ``Node`` dataclass fields (the decorator writes the node's
icon file through an ``icon`` variable).

SectionCreate's ``handle`` and ``icon`` inputs are named by the seed's node contract; the
node copes with ``icon`` and its README says what ``handle`` does to the node's flow handle.
Nothing else may collide.
"""

from __future__ import annotations

import dataclasses

import pytest

from content_node_harness import REAL_RUNTIME
from content_node_contract import CONTRACT, node_class

CONTRACT_EXCEPTIONS = {"SectionCreate": {"handle", "icon"}}

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
    clashes = (variables & runtime_names()) - CONTRACT_EXCEPTIONS.get(class_name, set())
    assert not clashes, f"{class_name}: variables named like the runtime's own attributes: {sorted(clashes)}"


def test_the_contract_exceptions_are_still_needed():
    for class_name, names in CONTRACT_EXCEPTIONS.items():
        assert names <= set(node_class(class_name).__node_variable_settings__), class_name
