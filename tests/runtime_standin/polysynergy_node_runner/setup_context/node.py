"""The node base class of the setup context (node discovery and tests)."""

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from polysynergy_node_runner.execution_context.flow_state import FlowState
from polysynergy_node_runner.setup_context.node_variable import NodeVariable
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings


@dataclass
class Node:
    id: str = ""
    context: object = None
    state: object = None
    flow: object = None

    handle: str = field(init=False, default=None)
    name: str = field(init=False, default="")
    path: str = field(init=False, default="")
    type: str = field(init=False, default="")
    icon: str = field(init=False, default="")
    category: str = field(init=False, default="")
    variables: list = field(init=False, default_factory=list)
    has_play_button: bool = field(init=False, default=False)
    has_enabled_switch: bool = field(init=False, default=True)
    stateful: bool = field(init=False, default=True)
    flow_state: FlowState = field(init=False, default=FlowState.ENABLED)
    version: float = field(init=False, default=1.0)
    metadata: dict = field(init=False, default_factory=dict)

    def __post_init__(self):
        variables = []
        for name, attribute in vars(type(self)).items():
            if isinstance(attribute, NodeVariableSettings):
                variables.append(NodeVariable.create_from_property(self, name, attribute))
        for path_attr in ("true_path", "false_path"):
            if hasattr(self, path_attr):
                variable = NodeVariable.add_path_variable(self, path_attr)
                if variable:
                    variables.append(variable)
        self.variables = variables

    def _declaring_file(self) -> Path | None:
        if not self.path:
            return None
        try:
            module = importlib.import_module(self.path.rsplit(".", 1)[0])
            return Path(module.__file__)
        except Exception:
            return None

    def _get_documentation(self) -> str | None:
        file = self._declaring_file()
        if file is None:
            return None
        readme = file.with_name(type(self).__name__ + "_README.md")
        return readme.read_text(encoding="utf-8") if readme.exists() else None

    def _get_icon_content(self) -> str:
        if not self.icon:
            return ""
        file = self._declaring_file()
        if file is not None:
            icon_file = file.parent / "icons" / self.icon
            if icon_file.exists():
                return icon_file.read_text(encoding="utf-8")
        return self.icon

    def to_dict(self) -> dict:
        structure = {
            "handle": self.handle,
            "name": self.name,
            "path": self.path,
            "type": self.type,
            "icon": self._get_icon_content(),
            "category": self.category,
            "variables": [variable.to_dict() for variable in self.variables],
            "has_enabled_switch": self.has_enabled_switch,
            "has_documentation": self._get_documentation() is not None,
            "stateful": self.stateful,
            "default_flow_state": self.flow_state.value,
            "version": self.version,
            "metadata": self.metadata,
        }
        if self.has_play_button:
            structure["has_play_button"] = True
        return structure
