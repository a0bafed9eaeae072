from polysynergy_node_runner.execution_context.flow_state import FlowState


def node(
    name: str,
    category: str,
    icon: str | None = None,
    type: str = "rows",
    has_play_button: bool = False,
    has_enabled_switch: bool = True,
    stateful: bool = True,
    flow_state: FlowState = FlowState.ENABLED,
    version: float = 1.0,
    metadata: dict | None = None,
):
    """Mark a Node subclass as a node and set its metadata when an instance is built.

    Like the real decorator, the metadata is assigned with plain attribute writes
    before the class's own ``__post_init__`` runs, so a variable named like one of the
    metadata attributes (e.g. ``icon``) receives the metadata value.
    """

    def decorate(cls):
        own_post_init = cls.__post_init__

        def post_init(self, *args, **kwargs):
            self.name = name
            self.path = f"{cls.__module__}.{cls.__name__}"
            self.icon = icon
            self.type = type
            self.category = category
            self.has_play_button = has_play_button
            self.has_enabled_switch = has_enabled_switch
            self.stateful = stateful
            self.flow_state = flow_state
            self.version = version
            self.metadata = metadata or {}
            own_post_init(self)

        cls.__post_init__ = post_init
        cls._is_node = True
        return cls

    return decorate
