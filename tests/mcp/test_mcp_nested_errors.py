"""A RecursionError inside a tool (input nested deeper than can be walked) is answered as
bad input the model can fix, not as an unexpected failure."""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError

from polysynergy_nodes_content.mcp_server.tool_errors import describe_error, tool_error


def test_recursion_error_becomes_a_nested_too_deeply_tool_error():
    message = describe_error(RecursionError("maximum recursion depth exceeded"))
    assert message.startswith("nested too deeply") and "Fix that value" in message
    assert "unexpected" not in message
    error = tool_error(RecursionError("maximum recursion depth exceeded"), lambda text: text)
    assert isinstance(error, ToolError) and "nested too deeply" in str(error)
