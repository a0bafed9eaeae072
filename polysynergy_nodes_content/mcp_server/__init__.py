"""The content system as an MCP server: typed tools over the same engine as the nodes and the CLI.

Modules: ``policy`` (what this server may do), ``engine_access`` (the engine, connected
lazily, read-only on request), ``redaction`` (no database URL or password in any
answer), ``tool_errors`` (engine errors as tool errors that say what to do next),
``section_description`` and ``migration_review`` (the engine's descriptors, as an
agent needs them), ``content_tools`` / ``schema_tools`` (the tools), ``resources`` (section
schemas as resources), ``server`` (assembles them) and ``transports`` (stdio, HTTP).
It needs the optional ``mcp`` extra (the official MCP Python SDK).
"""
