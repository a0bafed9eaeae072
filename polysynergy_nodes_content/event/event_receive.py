from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.events import run_receive


@node(
    name="Event Receive",
    category="content_events",
    icon="event_receive.svg",
)
class ContentEventReceive(Node):
    """Checks a content event delivered to a Route (signature, age, first arrival) and outputs its fields."""

    body: str = NodeVariableSettings(
        label="Body",
        default="",
        has_in=True,
        info="The Route's raw body, exactly as it arrived (the signature covers these bytes)",
    )
    headers: dict = NodeVariableSettings(
        label="Headers",
        default={},
        has_in=True,
        info="The Route's headers: X-Content-Event-Id, X-Content-Event-Timestamp, X-Content-Event-Signature",
    )
    secret: str = NodeVariableSettings(
        label="Secret",
        default="",
        dock=dock_property(secret=True),
        has_in=True,
        info="The subscription's signing secret, as <secret:KEY>",
    )
    tolerance_seconds: int = NodeVariableSettings(
        label="Tolerance Seconds",
        default=300,
        dock=True,
        has_in=True,
        info="How far the delivery's timestamp may be from now (1 to 3600); older ones are refused as replays",
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

    event: dict = NodeVariableSettings(label="Event", has_out=True, info="The whole event")
    event_id: str = NodeVariableSettings(label="Event ID", has_out=True, info="The event's id (its idempotency key)")
    event_type: str = NodeVariableSettings(label="Event Type", has_out=True, info="create, update or delete")
    section: str = NodeVariableSettings(label="Section", has_out=True, info="Handle of the entry's section")
    entry_id: str = NodeVariableSettings(label="Entry ID", has_out=True, info="The entry's id (a UUID; an adopted table keeps its own key type)")
    entry: dict = NodeVariableSettings(label="Entry", has_out=True, info="The entry after the change ({} for a delete)")
    previous: dict = NodeVariableSettings(label="Previous", has_out=True, info="The entry before the change ({} for a create)")
    changed: list = NodeVariableSettings(label="Changed", has_out=True, info="Handles of the fields that changed")
    event_run_id: str = NodeVariableSettings(label="Run ID", has_out=True, info="The run id of the change (undo it with Run Undo)")
    actor: str = NodeVariableSettings(label="Actor", has_out=True, info="Who made the change, where known")
    source: str = NodeVariableSettings(label="Source", has_out=True, info="What made the change: cli, studio, mcp, node, library, sql, undo")

    true_path: bool | dict = PathSettings(label="Event", info="The event's fields, for the flow's own nodes")
    false_path: bool | dict = PathSettings(label="Refused", info="Why the delivery was refused: bad or missing signature, too old, a repeat")

    async def execute(self):
        await run_receive(self)
