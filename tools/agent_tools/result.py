"""What a reading tool returns and the one error boundary every call goes through.

A result is capped (`max_chars`) and says so, with how to narrow the question; a `SleuthError`
(a missing file, a refused path, a sha outside the window) becomes an error result the model can
read and act on, not an exception that ends the agent. The evidence a result carries is kept beside
it (the tool message's artifact), never re-sent as text.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from sleuth.errors import SleuthError
from sleuth.models import Evidence

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

    from sleuth.tools.sandbox import Sandbox


@dataclass
class ToolContext:
    """What the tools reach through the runtime: the workspace clone and the investigation's window."""

    sandbox: "Sandbox"
    window: dict[str, str] = field(default_factory=dict)
    """Sha -> title of every change in the window (the suspects a blame or a change can name)."""
    max_chars: int = 6000
    secrets: list[Any] = field(default_factory=list)
    """Redacted from every result before a model reads it (a file or a commit may hold a credential)."""


class ToolResult(BaseModel):
    """A tool's answer: what the model reads (`data`), and the evidence it stands for."""

    status: Literal["ok", "empty", "error"]
    data: str
    truncated: bool = False
    narrow: str | None = None
    """When truncated: how to ask for less."""
    evidence: Evidence | None = None

    def text(self) -> str:
        """The result as the model sees it."""
        head = {"ok": "", "empty": "(nothing found) ", "error": "ERROR: "}[self.status]
        tail = f"\n[truncated: {self.narrow}]" if self.truncated and self.narrow else ""
        return f"{head}{self.data}{tail}"


def capped(text: str, limit: int, narrow: str) -> tuple[str, bool, str | None]:
    """`text` cut to `limit` characters at a line end, whether it was cut, and the notice if so."""
    if len(text) <= limit:
        return text, False, None
    cut = text.rfind("\n", 0, limit)
    kept = text[: cut if cut > limit // 2 else limit]
    return kept, True, f"{len(text) - len(kept)} more characters; {narrow}"


def workspace_path(path: str) -> str:
    """A repository-relative path; refuses one that climbs out of the clone."""
    clean = path.strip()
    while clean.startswith("./"):
        clean = clean[2:]
    clean = "" if clean == "." else clean.rstrip("/")
    if clean.startswith("/") or ".." in clean.split("/"):
        raise SleuthError(f"{path!r} is outside the repository", hint="give a path relative to the repository root")
    return clean


def call_tool(function: Callable[..., ToolResult], context: ToolContext, **args: Any) -> ToolResult:
    """Run one tool inside the error boundary (what the agent, the MCP server and the tests all use)."""
    try:
        return function(context, **args)
    except SleuthError as exc:
        hint = f" ({exc.hint})" if getattr(exc, "hint", None) else ""
        return ToolResult(status="error", data=f"{exc}{hint}")


def as_langchain_tool(function: Callable[..., ToolResult]) -> "BaseTool":
    """The tool as LangGraph's ToolNode runs it: the function's own signature (less the context,
    which arrives as the runtime's), its docstring as the description, the evidence as the artifact."""
    import inspect

    from langchain_core.tools import StructuredTool
    from langgraph.prebuilt import ToolRuntime

    signature = inspect.signature(function)
    parameters = [p for name, p in signature.parameters.items() if name != "context"]

    @functools.wraps(function)
    def run(*args: Any, runtime: ToolRuntime[Any], **kwargs: Any) -> tuple[str, ToolResult]:
        from sleuth.redact import redact

        result = call_tool(function, runtime.context, **kwargs)
        return redact(result.text(), runtime.context.secrets), result

    runtime = inspect.Parameter("runtime", inspect.Parameter.KEYWORD_ONLY, annotation=ToolRuntime[Any])
    run.__signature__ = signature.replace(parameters=[*parameters, runtime], return_annotation=tuple)  # type: ignore[attr-defined]
    annotations = {k: v for k, v in function.__annotations__.items() if k not in ("context", "return")}
    run.__annotations__ = {**annotations, "runtime": ToolRuntime[Any]}
    return StructuredTool.from_function(run, response_format="content_and_artifact", parse_docstring=True)
