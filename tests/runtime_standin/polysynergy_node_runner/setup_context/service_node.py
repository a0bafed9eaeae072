"""A node that provides an object to another node (an agent's toolkit, a model) instead of running."""

from polysynergy_node_runner.setup_context.node import Node


class ServiceNode(Node):
    async def provide_instance(self):
        raise NotImplementedError("a service node implements provide_instance()")
