from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import migration_rollback
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Migration Rollback",
    category="content_migrations",
    icon="migration_rollback.svg",
)
class ContentMigrationRollback(Node):
    """Undoes an applied migration (dangerous): runs its down SQL and restores the earlier configuration."""

    migration_id: str = NodeVariableSettings(
        label="Migration ID",
        default="",
        dock=True,
        has_in=True,
        info="UUID of the applied migration to roll back",
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

    success: bool = NodeVariableSettings(
        label="Success",
        has_out=True,
        info="True when the migration was rolled back",
    )
    error_message: str | None = NodeVariableSettings(
        label="Error Message",
        has_out=True,
        info="Why the migration was not rolled back; empty on success",
    )

    true_path: bool | dict = PathSettings(label="Rolled Back", info="The rolled back migration and the outputs")
    false_path: bool | dict = PathSettings(label="Error", info="Error message when the rollback was refused or failed")

    async def execute(self):
        await run_node(
            self,
            {"success": False, "error_message": None},
            migration_rollback,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            error_output="error_message",
            migration_id=self.migration_id,
        )
