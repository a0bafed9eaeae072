from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.events import POLL_EMPTY, events_poll
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Events Poll",
    category="content_events",
    icon="events_poll.svg",
)
class ContentEventsPoll(Node):
    """Claims pending events of a pull subscription for a Schedule flow; Events Ack acknowledges them."""

    subscription: str = NodeVariableSettings(
        label="Subscription",
        default="",
        dock=True,
        has_in=True,
        info="Name of a pull subscription (one without a webhook target)",
    )
    limit: int = NodeVariableSettings(
        label="Limit",
        default=100,
        dock=True,
        has_in=True,
        info="Most events to claim (1 to 1000); at most one per entry, oldest first",
    )
    lease_seconds: int = NodeVariableSettings(
        label="Lease Seconds",
        default=300,
        dock=True,
        has_in=True,
        info="Unacknowledged events come back after this many seconds (1 to 86400)",
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

    events: list = NodeVariableSettings(
        label="Events",
        has_out=True,
        info="The claimed events, oldest first: id, seq, type, section, entry_id, at, actor, source, run_id, entry, previous, changed",
    )
    event_count: int = NodeVariableSettings(
        label="Event Count",
        has_out=True,
        info="How many events were claimed (0 when none is pending)",
    )

    true_path: bool | dict = PathSettings(label="Events", info="events, event_count and subscription (also when none is pending)")
    false_path: bool | dict = PathSettings(label="Error", info="Error message: the subscription does not exist, or a bad limit")

    async def execute(self):
        await run_node(
            self,
            POLL_EMPTY,
            events_poll,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            subscription=self.subscription,
            limit=self.limit,
            lease_seconds=self.lease_seconds,
        )
