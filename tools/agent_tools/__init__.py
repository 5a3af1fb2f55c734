"""The model-facing reading tools: one thin module per tool, each a typed function whose signature
and docstring are the schema the model sees, reaching the workspace through the runtime context.

All are read-only: there is no write, run or network tool here, so no instruction a model reads in
a repository or a log can make one. The MCP server exposes the same functions.
"""

from sleuth.tools.agent_tools.blame_range import blame_range
from sleuth.tools.agent_tools.find_callers import find_callers
from sleuth.tools.agent_tools.find_definition import find_definition
from sleuth.tools.agent_tools.grep import grep
from sleuth.tools.agent_tools.list_dir import list_dir
from sleuth.tools.agent_tools.read_file import read_file
from sleuth.tools.agent_tools.result import ToolContext, ToolResult, as_langchain_tool, call_tool
from sleuth.tools.agent_tools.show_change import show_change

READ_ONLY_TOOLS = (read_file, grep, list_dir, find_definition, find_callers, blame_range, show_change)
"""Every tool the reading agent may call; anything else it names is refused."""

__all__ = ["READ_ONLY_TOOLS", "ToolContext", "ToolResult", "as_langchain_tool", "call_tool"]
