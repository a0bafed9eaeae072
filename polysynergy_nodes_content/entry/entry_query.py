from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import entry_query
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Entry Query",
    category="content_entries",
    icon="entry_query.svg",
)
class ContentEntryQuery(Node):
    """Lists entries of a section with filters, ordering and paging."""

    section_handle: str = NodeVariableSettings(
        label="Section",
        default="",
        dock=True,
        has_in=True,
        info="Section handle (or UUID), e.g. research_companies",
    )
    filters: dict = NodeVariableSettings(
        label="Filters",
        default={},
        dock=True,
        has_in=True,
        info="JSON object of conditions by field handle, e.g. uses_kubernetes true; empty lists all entries",
    )
    order_by: str = NodeVariableSettings(
        label="Order By",
        default="",
        dock=True,
        has_in=True,
        info="Field handle and direction, e.g. created_at DESC",
    )
    limit: int = NodeVariableSettings(
        label="Limit",
        default=50,
        dock=True,
        has_in=True,
        info="Most entries to return; 0 uses the engine's limit",
    )
    offset: int = NodeVariableSettings(
        label="Offset",
        default=0,
        dock=True,
        has_in=True,
        info="Entries to skip, for paging",
    )
    fields: str = NodeVariableSettings(
        label="Fields",
        default="",
        dock=True,
        has_in=True,
        info="Optional field paths, e.g. title, author.name (follows relations); empty returns every field",
    )
    search: str = NodeVariableSettings(
        label="Search",
        default="",
        dock=True,
        has_in=True,
        info="Optional full-text search over the section's search fields, best matches first",
    )
    count: str = NodeVariableSettings(
        label="Count",
        default="exact",
        dock=dock_property(select_values={"exact": "Exact", "estimated": "Estimated", "none": "None"}),
        has_in=True,
        info="total_count: exact, the planner's estimate (faster on big sections), or none (-1)",
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

    entries: list = NodeVariableSettings(
        label="Entries",
        has_out=True,
        info="The matching entries of this page",
    )
    total_count: int = NodeVariableSettings(
        label="Total Count",
        has_out=True,
        info="Number of matching entries over all pages (estimated with count estimated, -1 with count none)",
    )
    related_titles: dict = NodeVariableSettings(
        label="Related Titles",
        has_out=True,
        info="Titles of related entries by relation and id, e.g. author: {id: Ada}; empty when fields is set",
    )

    true_path: bool | dict = PathSettings(label="Entries", info="entries, total_count, related_titles, limit and offset")
    false_path: bool | dict = PathSettings(label="Error", info="Error message naming the invalid filter or order")

    async def execute(self):
        await run_node(
            self,
            {"entries": [], "total_count": 0, "related_titles": {}},
            entry_query,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_handle=self.section_handle,
            filters=self.filters,
            order_by=self.order_by,
            limit=self.limit,
            offset=self.offset,
            fields=self.fields,
            search=self.search,
            count=self.count,
        )
