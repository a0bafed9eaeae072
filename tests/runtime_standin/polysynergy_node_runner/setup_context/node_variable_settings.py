"""A node variable: a descriptor that returns its default until a value is set."""

from polysynergy_node_runner.setup_context.dock_property import dock_property


class NodeVariableSettings:
    def __init__(
        self,
        label="",
        default=None,
        dock=None,
        node=True,
        has_in=False,
        has_out=False,
        out_type_override=None,
        in_type_override=None,
        required=False,
        published=False,
        published_title=None,
        published_description=None,
        info=None,
        group=None,
        metadata=None,
        type=None,
        skip_template=False,
    ):
        self.label = label
        self.default = default
        self.dock = dock_property() if dock is True else dock
        self.node = node
        self.has_in = has_in
        self.has_out = has_out
        self.out_type_override = out_type_override
        self.in_type_override = in_type_override
        self.required = required
        self.published = published
        self.published_title = published_title
        self.published_description = published_description
        self.info = info
        self.group = group
        self.metadata = metadata or {}
        self.type = type
        self.skip_template = skip_template

    def __set_name__(self, owner, name):
        self.name = name
        self.private_name = "_" + name
        if "__node_variable_settings__" not in owner.__dict__:
            owner.__node_variable_settings__ = dict(getattr(owner, "__node_variable_settings__", {}))
        owner.__node_variable_settings__[name] = {
            "label": self.label,
            "default": self.default,
            "dock": self.dock,
            "node": self.node,
            "has_in": self.has_in,
            "has_out": self.has_out,
            "info": self.info,
            "type": self.type,
        }

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.private_name, self.default)

    def __set__(self, obj, value):
        setattr(obj, self.private_name, value)
