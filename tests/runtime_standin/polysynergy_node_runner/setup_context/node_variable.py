"""What the portal gets for each variable of a node (a reduced NodeVariable)."""

from dataclasses import dataclass, field
from typing import Any

from polysynergy_node_runner.setup_context.path_settings import PathSettings


def _type_name(annotation) -> str:
    if annotation is None:
        return "str"
    name = getattr(annotation, "__name__", None)
    return name if name else str(annotation)


@dataclass
class NodeVariable:
    name: str
    handle: str
    value: Any = None
    type: str = "string"
    has_in: bool = False
    has_out: bool = False
    has_dock: bool = False
    dock: dict | None = None
    node: bool = True
    info: str | None = None
    metadata: dict = field(default_factory=dict)

    @staticmethod
    def create_from_property(instance, name: str, settings) -> "NodeVariable":
        annotation = getattr(type(instance), "__annotations__", {}).get(name)
        return NodeVariable(
            name=name.replace("_", " ").title(),
            handle=name,
            value=getattr(instance, name, settings.default),
            type=settings.type or _type_name(annotation),
            has_in=settings.has_in,
            has_out=settings.has_out,
            has_dock=bool(settings.dock),
            dock=settings.dock,
            node=settings.node,
            info=settings.info,
            metadata=settings.metadata or {},
        )

    @staticmethod
    def add_path_variable(instance, path_attr: str) -> "NodeVariable | None":
        if not hasattr(instance, path_attr):
            return None
        settings = getattr(type(instance), path_attr, None)
        value = getattr(instance, path_attr)
        label = info = None
        if isinstance(settings, PathSettings):
            label, info, value = settings.label or None, settings.info or None, settings.default
        annotation = getattr(type(instance), "__annotations__", {}).get(path_attr)
        kind = path_attr if annotation is None else f"{path_attr} | {_type_name(annotation)}"
        return NodeVariable(
            name=label or path_attr.replace("_", " ").title(),
            handle=path_attr,
            value=value,
            type=kind,
            has_out=True,
            info=info,
        )

    def to_dict(self) -> dict:
        result = {
            "name": self.name,
            "handle": self.handle,
            "value": [] if isinstance(self.value, dict) and not self.value else self.value,
            "type": self.type,
            "has_in": self.has_in,
            "has_out": self.has_out,
            "has_dock": self.has_dock,
            "node": self.node,
            "info": self.info,
            "metadata": self.metadata,
        }
        if self.has_dock:
            result["dock"] = self.dock
        return result
