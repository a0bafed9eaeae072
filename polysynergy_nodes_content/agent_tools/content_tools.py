from agno.agent import Agent
from agno.team import Team
from agno.tools import Toolkit
from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.service_node import ServiceNode

from polysynergy_nodes_content.node_support.agent_toolkit import build_toolkit


@node(
    name="Content Tools",
    category="content_agents",
    icon="content_tools.svg",
    has_enabled_switch=False,
)
class ContentTools(ServiceNode):
    """Gives a connected Agno agent or team typed tools over the content sections and entries."""

    agent_or_team: Agent | Team | None = NodeVariableSettings(
        has_in=True,
        info="Connect the Tools output of an agent or team here",
    )
    sections: str = NodeVariableSettings(
        label="Sections",
        default="",
        dock=True,
        info="Section handles the agent may use, comma separated, e.g. research_companies; empty: every section",
    )
    read_only: bool = NodeVariableSettings(
        label="Read Only",
        default=False,
        dock=True,
        info="Only the read tools, on connections the database keeps read-only",
    )
    max_entries: int = NodeVariableSettings(
        label="Max Entries Per Call",
        default=100,
        dock=True,
        info="Most entries one tool call may return or create (1 to 1000)",
    )
    database_url: str = NodeVariableSettings(
        label="Database URL",
        default="",
        dock=dock_property(secret=True),
        info="PostgreSQL URL, best as <secret:KEY>; empty uses env SECTIONS_DATABASE_URL, then DATABASE_URL",
    )

    async def provide_instance(self) -> Toolkit:
        return build_toolkit(self.database_url, self.sections, self.read_only, self.max_entries, node=self)
