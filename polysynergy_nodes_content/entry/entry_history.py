from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import entry_history
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Entry History",
    category="content_entries",
    icon="entry_history.svg",
)
class ContentEntryHistory(Node):
    """Lists the recorded versions of one entry, newest first: when, who or what, and what changed."""

    section_handle: str = NodeVariableSettings(
        label="Section",
        default="",
        dock=True,
        has_in=True,
        info="Section handle (or UUID), e.g. research_companies",
    )
    entry_id: str = NodeVariableSettings(
        label="Entry ID",
        default="",
        dock=True,
        has_in=True,
        info="Id of the entry whose history to read (a UUID for sections made here; an adopted table keeps its own key type)",
    )
    limit: int = NodeVariableSettings(
        label="Limit",
        default=20,
        dock=True,
        has_in=True,
        info="Most versions to return, newest first (1 to 1000)",
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

    versions: list = NodeVariableSettings(
        label="Versions",
        has_out=True,
        info="Newest first: version, op, changed_at, run_id, context (source, actor, node_id, ...), values, changes",
    )
    version_count: int = NodeVariableSettings(
        label="Version Count",
        has_out=True,
        info="How many versions were returned",
    )

    true_path: bool | dict = PathSettings(label="Versions", info="versions, version_count, section and entry_id")
    false_path: bool | dict = PathSettings(label="Error", info="Error message: the section or the entry's history does not exist")

    async def execute(self):
        await run_node(
            self,
            {"versions": [], "version_count": 0},
            entry_history,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_handle=self.section_handle,
            entry_id=self.entry_id,
            limit=self.limit,
        )
