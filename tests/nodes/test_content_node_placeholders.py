"""``{{ ... }}`` placeholders in the nodes' text and JSON inputs, as PolySynergy's own section
nodes fill them (the runtime's ``replace_placeholders`` over the node's values and the
nodes that already ran). Runs on the real runtime where installed, else on the stand-in;
the real flow in ``test_content_node_class_names`` fills one from another node's output.
"""

from __future__ import annotations

import importlib.util

import pytest

from content_node_contract import node_class
from content_node_harness import REAL_RUNTIME, STANDIN_DIR


class RanNode:
    """A node that already ran, as the flow state shows it to ``replace_placeholders``."""

    def __init__(self, **outputs):
        self.outputs, self.true_path = outputs, True

    def is_processed(self):
        return True

    def to_dict(self):
        return dict(self.outputs)


class FlowSoFar:
    """The part of the runtime's ExecutionState that placeholders read: nodes by handle."""

    def __init__(self, **nodes):
        self.nodes_by_handle = nodes

    def get_node_by_id(self, _node_id):
        return None


def in_flow(node, **ran):
    node.state = FlowSoFar(**ran)
    return node


def test_json_and_text_inputs_fill_placeholders(make_node, execute_node, database_url, research_section):
    lookup = RanNode(company="swis", sector="Soft", section="research_companies")
    create = execute_node(in_flow(make_node(
        node_class("ContentEntryCreate"), database_url=database_url, section_handle="{{ lookup.section }}",
        field_data={"company_name": "{{ lookup.company | upper }}", "industry": "{{ lookup.sector ~ 'ware' }}"},
    ), lookup=lookup))
    assert create.false_path is False, create.false_path
    assert create.created_data["company_name"] == "SWIS"
    assert create.created_data["industry"] == "Software"
    query = execute_node(in_flow(make_node(
        node_class("ContentEntryQuery"), database_url=database_url, section_handle="research_companies",
        filters='{"company_name": "{{ lookup.company | upper }}"}', search="",
    ), lookup=lookup))
    assert query.false_path is False, query.false_path
    assert [e["id"] for e in query.entries] == [create.entry_id]


def test_a_placeholder_that_cannot_be_filled_fails_on_its_input(make_node, execute_node, database_url, engine,
                                                                research_section):
    create = execute_node(in_flow(make_node(
        node_class("ContentEntryCreate"), database_url=database_url, section_handle="research_companies",
        field_data={"company_name": "{{ lookup.company }}"},
    )))
    assert create.true_path is False
    assert create.false_path["error"].startswith("field_data: a {{ }} placeholder could not be filled")
    assert "lookup" in create.false_path["error"]
    assert engine.query_entries("research_companies")["total_count"] == 0


def test_the_database_url_is_never_read_as_a_template(make_node, execute_node, database_url, research_section):
    """A password may hold ``{#`` or ``{{``; the URL reaches the driver as the secret gave it."""
    query = execute_node(in_flow(make_node(
        node_class("ContentEntryQuery"), database_url=f"{database_url} password=x{{#y{{{{z",
        section_handle="research_companies",
    )))
    assert query.false_path is False, query.false_path
    assert query.total_count == 0


@pytest.mark.skipif(not REAL_RUNTIME, reason="polysynergy_node_runner is not installed")
def test_the_stand_in_fills_placeholders_as_the_real_runtime_does():
    from polysynergy_node_runner.execution_context.replace_placeholders import replace_placeholders as real

    spec = importlib.util.spec_from_file_location(
        "standin_replace_placeholders",
        STANDIN_DIR / "polysynergy_node_runner" / "execution_context" / "replace_placeholders.py")
    standin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standin)
    state = FlowSoFar(lookup=RanNode(company="swis", tags=["a", "b"], count=3))
    cases = [
        "{{ lookup.company | upper }} and {{ own }}",
        {"name": "{{ lookup.company }}", "nested": ["{{ lookup.count + 1 }}", "{% if lookup.tags %}yes{% endif %}"]},
        ["{{ lookup.tags | join(',') }}", 5, None, True],
        "no template at all\n",
    ]
    for data in cases:
        assert standin.replace_placeholders(data=data, values={"own": "mine"}, state=state) == \
            real(data=data, values={"own": "mine"}, state=state), data
    for data in ("{{ nowhere.value }}", {"a": "{{ nowhere }}"}):
        with pytest.raises(Exception) as real_error:
            real(data=data, values={}, state=state)
        with pytest.raises(Exception) as standin_error:
            standin.replace_placeholders(data=data, values={}, state=state)
        assert "nowhere" in str(real_error.value) and "nowhere" in str(standin_error.value)
