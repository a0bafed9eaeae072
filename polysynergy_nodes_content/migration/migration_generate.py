from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import migration_generate
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Migration Generate",
    category="content_migrations",
    icon="migration_generate.svg",
)
class ContentMigrationGenerate(Node):
    """Plans the migration that brings a section's table in line with its configuration, for review."""

    section_id: str = NodeVariableSettings(
        label="Section",
        default="",
        dock=True,
        has_in=True,
        info="Section UUID or handle",
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

    migration_sql: str = NodeVariableSettings(
        label="Migration SQL",
        has_out=True,
        info="The SQL to review; empty when the table already matches",
    )
    migration_id: str | None = NodeVariableSettings(
        label="Migration ID",
        has_out=True,
        info="UUID of the planned migration; empty when there is nothing to change",
    )
    is_destructive: bool = NodeVariableSettings(
        label="Destructive",
        has_out=True,
        info="True when applying can lose data; applying then needs confirm",
    )
    warnings: list = NodeVariableSettings(
        label="Warnings",
        has_out=True,
        info="What the reviewer should know before applying",
    )

    true_path: bool | dict = PathSettings(label="Planned", info="The full plan (SQL, down SQL, lint, prechecks) and the outputs")
    false_path: bool | dict = PathSettings(label="Error", info="Error message when no plan could be made")

    async def execute(self):
        await run_node(
            self,
            {"migration_sql": "", "migration_id": None, "is_destructive": False, "warnings": []},
            migration_generate,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_id=self.section_id,
        )
