from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.events import ACK_EMPTY, events_ack
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Events Ack",
    category="content_events",
    icon="events_ack.svg",
)
class ContentEventsAck(Node):
    """Acknowledges events claimed by Events Poll, so they are not given out again."""

    subscription: str = NodeVariableSettings(
        label="Subscription",
        default="",
        dock=True,
        has_in=True,
        info="Name of the pull subscription the events came from",
    )
    events: list = NodeVariableSettings(
        label="Events",
        default=[],
        has_in=True,
        info="The events from Events Poll (or their ids; one id also works)",
    )
    errors_on_success_path: bool = NodeVariableSettings(
        label="Errors On Success Path",
        default=False,
        dock=True,
        has_in=True,
        info="For agent tools: on failure send {ok: false, error, field} on the success path instead of the error path",
    )
    database_url: str = NodeVariableSettings(
        label="Database URL",
        default="",
        dock=dock_property(secret=True),
        has_in=True,
        info="PostgreSQL URL, best as <secret:KEY>; empty uses env SECTIONS_DATABASE_URL, then DATABASE_URL",
    )

    acknowledged_count: int = NodeVariableSettings(
        label="Acknowledged Count",
        has_out=True,
        info="How many events were acknowledged now",
    )
    not_pending: list = NodeVariableSettings(
        label="Not Pending",
        has_out=True,
        info="Ids that were not pending: acknowledged before, unknown, or dead",
    )

    true_path: bool | dict = PathSettings(label="Acknowledged", info="acknowledged_count, not_pending and subscription")
    false_path: bool | dict = PathSettings(label="Error", info="Error message: the subscription does not exist, or an id is not an event id")

    async def execute(self):
        await run_node(
            self,
            ACK_EMPTY,
            events_ack,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            subscription=self.subscription,
            events=self.events,
        )
