"""The reading agent's code tools over MCP: the same functions, for an IDE agent reading a repository.

Each tool takes the repository (a local path) first, then the tool's own arguments; it reads a
sandbox clone of the repository's HEAD (made on first use, removed when the server exits), with the
last 14 days of changes as the window its marks and `blame_range` name. Results are text, scrubbed
of secrets like every other MCP result.
"""

import atexit
import functools
import inspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sleuth.config import Settings
from sleuth.tools.agent_tools import ToolContext, call_tool
from sleuth.tools.agent_tools.blame_range import blame_range
from sleuth.tools.agent_tools.find_callers import find_callers
from sleuth.tools.agent_tools.find_definition import find_definition
from sleuth.tools.agent_tools.grep import grep
from sleuth.tools.agent_tools.list_dir import list_dir
from sleuth.tools.agent_tools.read_file import read_file

CODE_TOOLS = (read_file, grep, list_dir, find_definition, find_callers, blame_range)
WINDOW_DAYS = 14


class Workspaces:
    """One sandbox clone per repository, for the server's lifetime."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._open: dict[str, ToolContext] = {}
        atexit.register(self.close)

    def context(self, repo: str) -> ToolContext:
        key = str(Path(repo).resolve())
        if key not in self._open:
            from sleuth.tools.local_git import LocalGitHost
            from sleuth.tools.sandbox import open_sandbox

            host = LocalGitHost(repo)
            now = datetime.now(UTC)
            window = {c.sha: c.title for c in host.changes(None, now - timedelta(days=WINDOW_DAYS), now)}
            sandbox = open_sandbox(self.settings)
            sandbox.clone(host.path, "HEAD")
            self._open[key] = ToolContext(
                sandbox=sandbox,
                window=window,
                max_chars=self.settings.llm.max_result_chars,
                secrets=list(self.settings.secrets()),
            )
        return self._open[key]

    def close(self) -> None:
        for context in self._open.values():
            context.sandbox.destroy()
        self._open.clear()


def register_code_tools(server: Any, workspaces: Workspaces, clean: Callable[[Any], Any], said: Callable) -> None:
    """Add each code tool to `server` with a leading `repo` argument."""
    for function in CODE_TOOLS:
        server.tool()(said(_with_repo(function, workspaces, clean)))


def _with_repo(function: Callable[..., Any], workspaces: Workspaces, clean: Callable[[Any], Any]) -> Callable:
    signature = inspect.signature(function)
    repo = inspect.Parameter("repo", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str)
    own = [p for name, p in signature.parameters.items() if name != "context"]

    @functools.wraps(function)
    def tool(repo: str, **kwargs: Any) -> str:
        result = call_tool(function, workspaces.context(repo), **kwargs)
        return clean(result.text())

    tool.__signature__ = signature.replace(parameters=[repo, *own], return_annotation=str)  # type: ignore[attr-defined]
    tool.__annotations__ = {"repo": str, **{k: v for k, v in function.__annotations__.items() if k != "context"}}
    tool.__annotations__["return"] = str
    tool.__doc__ = f"{(function.__doc__ or '').strip()}\n\n    repo: a local git repository path (read at HEAD)."
    return tool
